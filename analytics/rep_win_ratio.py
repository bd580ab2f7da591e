"""A rep's own rate of winning open deals against the team's, shrunk by as much as the reps' rates differ.

The team's rates (by a deal's age and size, :func:`analytics.open_pipeline.team_win_rates`) give each of
rep i's past open deals a chance p_j; the rep won O_i of them where E_i = sum_j p_j were expected. The rep's
ratio theta_i says how much better than the team the rep's open deals win.

Maths
-----
O_i varies around theta_i E_i by the Bernoulli noise V_i = sum_j p_j (1 - p_j), and theta_i around 1 by
how much reps differ, tau^2: E[(O_i - E_i)^2] = V_i + E_i^2 tau^2. So (method of moments, at least 0)

    tau^2 = sum_i ((O_i - E_i)^2 - V_i) / sum_i E_i^2.

With a gamma prior of mean 1 and variance tau^2 on theta_i (Poisson-gamma), the rep's ratio is

    theta_i = (O_i + k) / (E_i + k),   k = 1 / tau^2,

clipped to k in [``PRIOR_MIN``, ``PRIOR_MAX``]: a team of alike reps is pooled (k = ``PRIOR_MAX``, the fixed
strength this replaced), reps who differ keep their own rate. At month grain they differ most: a rep who
pushes the closes of a quarter's first two months to its end has deals open mid-month that seldom win by
the month's end (on the sample companies about 0.45 x the team's rate, against 1.5 x for the others); with
k = 10 such a rep's open deals were valued at about twice what they won.

Example
-------
>>> import numpy as np
>>> prior_wins(np.array([15.0, 5.0]), np.array([10.0, 10.0]), np.array([5.0, 5.0]))   # tau^2 = 0.2
5.0
>>> prior_wins(np.array([10.0, 10.0]), np.array([10.0, 10.0]), np.array([5.0, 5.0]))  # alike: pooled
10.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

PRIOR_MAX = 10.0   # a rep's ratio is shrunk to the team's by at most this many expected wins
PRIOR_MIN = 1.0    # ... and by at least this many (a rep's ratio from a handful of deals is not believed whole)
EVIDENCE_COLUMNS = ("wins", "expected", "spread")


def prior_wins(wins: np.ndarray, expected: np.ndarray, spread: np.ndarray) -> float:
    """k = 1 / tau^2 from the reps' wins O_i, expected E_i and Bernoulli variances V_i (module docs), clipped."""
    denominator = float(np.sum(expected ** 2))
    tau2 = max(float(np.sum((wins - expected) ** 2 - spread)), 0.0) / denominator if denominator > 0 else 0.0
    return float(np.clip(1.0 / tau2, PRIOR_MIN, PRIOR_MAX)) if tau2 > 0 else PRIOR_MAX


def rep_evidence(history: pd.DataFrame, team_chances: np.ndarray) -> pd.DataFrame:
    """Per rep of ``history`` (columns rep, won_in): wins, expected = sum of ``team_chances`` (one per row),
    and spread = sum p (1 - p).

    >>> rep_evidence(pd.DataFrame({"rep": ["a", "a", "b"], "won_in": [1, 0, 1]}), np.array([0.5, 0.5, 0.2]))
       wins  expected  spread
    a   1.0       1.0    0.50
    b   1.0       0.2    0.16
    """
    p = np.asarray(team_chances, dtype=float)
    # (a bincount over the reps' codes: a pandas group-by of a thousand reps' names took 40 ms a call)
    codes, names = pd.factorize(history["rep"].to_numpy(dtype=object), sort=True)
    def total(x: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=x, minlength=len(names))
    return pd.DataFrame({"wins": total(history["won_in"].to_numpy(dtype=float)), "expected": total(p),
                         "spread": total(p * (1.0 - p))}, index=pd.Index(names, dtype=object))


def sum_evidence(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The reps' evidence of several sets of past points added up (a rep missing from one adds nothing there)."""
    if not parts:
        return pd.DataFrame(columns=list(EVIDENCE_COLUMNS), dtype=float)
    total = parts[0]
    for part in parts[1:]:
        total = total.add(part, fill_value=0.0)
    return total


def rep_ratios(evidence: pd.DataFrame, prior: float | None = None) -> pd.Series:
    """Per rep of ``evidence`` (:func:`rep_evidence`): theta_i = (O_i + k) / (E_i + k), k from
    :func:`prior_wins` unless ``prior`` fixes it.

    >>> ev = pd.DataFrame({"wins": [15.0, 5.0], "expected": [10.0, 10.0], "spread": [5.0, 5.0]}, index=["a", "b"])
    >>> rep_ratios(ev).round(3).tolist(), rep_ratios(ev, prior=10.0).tolist()
    ([1.333, 0.667], [1.25, 0.75])
    """
    wins, expected = evidence["wins"].to_numpy(dtype=float), evidence["expected"].to_numpy(dtype=float)
    k = prior_wins(wins, expected, evidence["spread"].to_numpy(dtype=float)) if prior is None else float(prior)
    return pd.Series((wins + k) / (expected + k), index=evidence.index)
