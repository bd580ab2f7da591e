"""How a reviewed period's forecasts scored: our saved chances per rep and tier against what happened,
and the CRM quotas' hit rate. Pure functions of arrays and frames (the review reads the data).

Maths
-----
* Each rep and tier is one forecast: the chance p saved with the set, and the outcome y = 1 when the
  period's result reached the target. Brier score = mean (p - y)^2; the reliability table bins the
  forecasts by p and sets each bin's mean p against its realised share (a calibrated set sits on
  the diagonal). With few reps, a bin's share is noisy: the table shows n and a 90% Wilson band.
* A quota is counted once (:func:`quota_outcomes`) for every sentence and table that quotes it.

Example
-------
>>> import numpy as np
>>> round(brier_score(np.array([0.8, 0.3]), np.array([1, 0])), 3)
0.065
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analytics import formatting
from analytics.targets import TIER_ORDER

DEFAULT_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def tier_outcomes(actual: pd.Series, targets: pd.DataFrame, chances: pd.DataFrame) -> pd.DataFrame:
    """Long rows rep, tier, target, actual, p (saved chance), hit (0/1): one forecast per rep and tier."""
    t = targets.stack().rename("target")
    p = chances.reindex_like(targets).stack(future_stack=True).rename("p")
    out = pd.concat([t, p], axis=1).reset_index()
    out.columns = ["rep", "tier", "target", "p"]
    out["actual"] = out["rep"].map(actual).fillna(0.0).astype(float)
    out["hit"] = (out["actual"] >= out["target"]).astype(int)
    return out[["rep", "tier", "target", "actual", "p", "hit"]]


def brier_score(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(p) & np.isfinite(y)
    return float(np.mean((p[ok] - y[ok]) ** 2)) if ok.any() else float("nan")


def wilson_band(hits: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    hits, n = np.asarray(hits, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        phat = hits / n
        centre = (phat + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)


def calibration_by_tier(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per tier and overall ("all"): forecasts, mean predicted chance, realised share, Brier score."""
    ok = outcomes[np.isfinite(outcomes["p"].to_numpy(dtype=float))]
    rows = []
    for tier, g in [*ok.groupby("tier", sort=False), ("all", ok)]:
        rows.append({"tier": tier, "forecasts": int(len(g)), "mean_predicted": float(g["p"].mean()),
                     "realised": float(g["hit"].mean()), "reached": int(g["hit"].sum()),
                     "brier": brier_score(g["p"], g["hit"])})
    order = {t: i for i, t in enumerate((*TIER_ORDER, "all"))}
    return pd.DataFrame(rows).sort_values("tier", key=lambda s: s.map(order)).reset_index(drop=True)


def reliability_table(p: npt.ArrayLike, y: npt.ArrayLike, bins: npt.ArrayLike = DEFAULT_BINS) -> pd.DataFrame:
    """Forecasts binned by predicted chance: n, mean predicted, realised share and its 90% band.

    Bins are [lo, hi) except the last, which includes 1. Empty bins are kept with n = 0.
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(p) & np.isfinite(y)
    p, y = p[ok], y[ok]
    edges = np.asarray(bins, dtype=float)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, edges.size - 2)
    n = np.bincount(idx, minlength=edges.size - 1).astype(float)
    hits = np.bincount(idx, weights=y, minlength=edges.size - 1)
    psum = np.bincount(idx, weights=p, minlength=edges.size - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_p, realised = psum / n, hits / n
    lo, hi = wilson_band(hits, n)
    labels = [f"{formatting.rate(a)}–{formatting.rate(b)}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return pd.DataFrame({"bin": labels, "lo": edges[:-1], "hi": edges[1:], "n": n.astype(int),
                         "mean_predicted": np.where(n > 0, mean_p, np.nan),
                         "realised": np.where(n > 0, realised, np.nan), "band_low": lo, "band_high": hi})


def quota_outcomes(quota: pd.Series, actual: pd.Series, set_reps: npt.ArrayLike) -> dict:
    """The reviewed period's CRM quotas, counted once for every sentence and table that quotes them.

    ``quota``: per rep with a quota (in the set or not); ``actual``: per rep with a result (a rep
    absent has none: 0). Returns ``reps_with_quota``, ``reached``, ``hit_rate``, ``no_result`` (reps
    with a quota and nothing recorded) and ``outside_set`` (reps with a quota the set has no target for).

    >>> q = quota_outcomes(pd.Series({"ann": 100.0, "bo": 50.0, "cy": 80.0}), pd.Series({"ann": 120.0}),
    ...                    ["ann", "bo"])
    >>> q["reps_with_quota"], q["reached"], q["no_result"], q["outside_set"]
    (3, 1, ['bo', 'cy'], ['cy'])
    """
    got = actual.reindex(quota.index).fillna(0.0)
    hit = (got >= quota).to_numpy(dtype=bool)
    members = set(np.asarray(set_reps, dtype=object).tolist())
    return {"reps_with_quota": int(quota.size), "reached": int(hit.sum()),
            "hit_rate": float(hit.mean()) if quota.size else float("nan"),
            "no_result": sorted(str(r) for r in quota.index[(got <= 0).to_numpy()]),
            "outside_set": sorted(str(r) for r in quota.index if r not in members)}


def with_reviewed_row(history: pd.DataFrame, label: str, quotas: dict) -> pd.DataFrame:
    """The quota history with the reviewed period's row taken from ``quotas`` (one count, not two)."""
    row = {"period": label, "reps_with_quota": quotas["reps_with_quota"], "reached": quotas["reached"],
           "hit_rate": quotas["hit_rate"]}
    if not quotas["reps_with_quota"]:
        return history[history["period"] != label].reset_index(drop=True)
    if (history["period"] == label).any():
        out = history.copy()
        out.loc[out["period"] == label, list(row)] = list(row.values())
        return out
    return pd.concat([history, pd.DataFrame([row])], ignore_index=True)


def quota_sentence(quotas: dict, period_label: str, result_word: str = "deals", *, finished: bool = True,
                   metric_words: str | None = None) -> str:
    """The quotas in one plain sentence, with the count the quota table shows, naming reps left out; of a
    period not ``finished``, what is reached so far (a quota not reached yet is no miss). ``metric_words``
    (the set's metric, "calls") says which quotas are missing: a company's revenue quotas are no call quotas.

    >>> quota_sentence({"reps_with_quota": 18, "reached": 2, "hit_rate": 2 / 18, "reps_with_model_chance": 17,
    ...                 "model_mean_chance": 0.31, "no_result": ["Dana Ortiz"], "outside_set": ["Dana Ortiz"]},
    ...                "2026-Q3")
    '2 of the 18 reps with a CRM quota reached it in 2026-Q3 (11%); our model gave the 17 of them in this target set 31% on average. Dana Ortiz had a quota but no deals in 2026-Q3 (not in this target set).'
    >>> quota_sentence({"reps_with_quota": 4, "reached": 1, "hit_rate": 0.25, "no_result": ["Dana Ortiz"]},
    ...                "2026-Q4", finished=False)
    '1 of the 4 reps with a CRM quota have reached it so far in 2026-Q4 (25%). Dana Ortiz had a quota but no deals so far in 2026-Q4.'
    >>> quota_sentence({"reps_with_quota": 0}, "2026-Q3", "calls", metric_words="calls")
    'No CRM quotas imported for calls in 2026-Q3.'
    """
    n = quotas.get("reps_with_quota") or 0
    if not n:
        return f"No CRM quotas imported for {f'{metric_words} in ' if metric_words else ''}{period_label}."
    so_far = "" if finished else " so far"
    text = (f"{formatting.count(quotas['reached'])} of the {formatting.count(n)} reps with a CRM quota "
            f"{'reached it' if finished else 'have reached it so far'} in {period_label} "
            f"({formatting.rate(quotas['hit_rate'])})")
    modelled = quotas.get("reps_with_model_chance") or 0
    if modelled:
        who = "those quotas" if modelled == n else f"the {formatting.count(modelled)} of them in this target set"
        text += f"; our model gave {who} {formatting.rate(quotas.get('model_mean_chance'))} on average"
    text += "."
    outside = set(quotas.get("outside_set") or [])
    for rep in quotas.get("no_result") or []:
        text += (f" {rep} had a quota but no {result_word}{so_far} in {period_label}"
                 + (" (not in this target set)." if rep in outside else "."))
    others = [r for r in quotas.get("outside_set") or [] if r not in set(quotas.get("no_result") or [])]
    if others:
        text += f" Not in this target set, so without a model chance: {', '.join(others)}."
    return text
