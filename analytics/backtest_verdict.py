"""The backtest's verdict for one metric and grain, in one sentence a manager reads.

The rolling-origin backtest (:func:`analytics.backtest.run_backtest`) says two things a manager needs
beside the ranges on Baselines and Targets: did the range keep its promise on this team's own history
(the actual at or below the P90 nine times in ten), and was the model more accurate than the simple
rules managers use (last period, trailing mean, same period last year...)? :func:`verdict` puts both
in one sentence, and says so honestly when there is too little history to test anything.

The share at P90 is the one the Backtest page shows (randomised for ties, so counts with many equal
values are not flattered); a promise is *kept* when the promised share lies inside the band that
luck alone could explain (resampling whole periods). The accuracy is the CRPS, which scores the
whole range; within 3% of each other two methods are "about as accurate". A rule scored on a part of the
forecasts only (the same period last year, where a year-ago period exists) is compared with the model's
error on that same part; a rule the backtest could not score is not in ``crps`` and is not compared.

Example
-------
>>> import numpy as np, pandas as pd
>>> coverage = pd.DataFrame({"level": [0.5, 0.9], "column": ["p50", "p90"], "nominal": [0.5, 0.9],
...                          "covered_randomized": [0.52, 87 / 96], "band_lo": [0.4, 0.85], "band_hi": [0.6, 0.95],
...                          "n": 96})
>>> v = verdict(coverage, {"model": 0.41, "trailing_mean": 0.38, "last_period": 0.6}, grain="month",
...             n_forecasts=96, n_origins=8)
>>> print(v.sentence)
On your history this range held the actual 9 times in 10 at P90 (87 of 96 rep-months), as promised; at month grain the trailing mean has been more accurate than the model (7% less error).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics import backtest, formatting, metrics
from analytics.backtest import BacktestResult

LEVEL = 0.9
"""The percentile the verdict quotes: the top of the stretch range."""
SAME_ACCURACY = 0.03
"""Two methods whose errors (CRPS) differ by less than this share are "about as accurate"."""
FEW_FORECASTS = 30
"""Fewer rep-periods tested than this (or fewer than three starting points): a rough guide only."""

RULE_WORDS = {
    "last_period": "last period's result", "trailing_mean": "the trailing mean",
    "same_period_last_year": "the same period last year", "team_uniform": "one quota for the whole team",
    "empirical_percentiles": "each rep's own percentiles",
}
"""The simple rules inside a sentence (a rule not named here reads as its name)."""


@dataclass(frozen=True)
class BacktestVerdict:
    """The verdict: ``sentence`` to show; the facts it is made of for pages and tests.

    ``held`` is the share of rep-periods at or below the quoted percentile (None without a
    backtest), ``promise_kept`` whether that share is within luck of the promise, ``best_rule`` the
    simple rule with the least error and ``model_gain`` the model's error reduction against it
    (negative: the rule was more accurate).
    """

    sentence: str
    enough_history: bool
    n_forecasts: int = 0
    held: float | None = None
    promise_kept: bool | None = None
    best_rule: str | None = None
    model_gain: float | None = None


def rule_words(rule: str) -> str:
    """A simple rule's name inside a sentence.

    >>> rule_words("trailing_mean"), rule_words("seasonal_naive")
    ('the trailing mean', 'seasonal naive')
    """
    return RULE_WORDS.get(rule, rule.replace("_", " "))


def times_in_ten(share: float) -> str:
    """A share as people say it: ``9 times in 10``, ``every time``, ``almost every time``.

    >>> times_in_ten(0.906), times_in_ten(1.0), times_in_ten(0.97), times_in_ten(0.03)
    ('9 times in 10', 'every time', 'almost every time', 'less than 1 time in 10')
    """
    if share >= 1.0:
        return "every time"
    tenths = math.floor(10 * share + 0.5)
    if tenths >= 10:
        return "almost every time"
    if tenths < 1:
        return "less than 1 time in 10"
    return f"{tenths} time{'s' if tenths > 1 else ''} in 10"


def too_little_history(grain: str, n_complete: int | None = None) -> BacktestVerdict:
    """The verdict when no past period had enough history before it to be forecast and scored.

    A backtest run on the history says what it needed (``BacktestResult.refusal``, which
    :func:`from_backtest` gives); this sentence is for a result that cannot say (none of the reps shown
    was tested), so it counts what there is and claims no threshold.

    >>> too_little_history("quarter", 2).sentence
    'Too little history to test the ranges per quarter yet: only 2 complete quarters, too few to forecast past quarters from the ones before them. Monthly grain has more periods to test on.'
    >>> too_little_history("month", 0).sentence
    'Too little history to test the ranges per month yet: no complete month.'
    """
    text = f"Too little history to test the ranges per {grain} yet"
    if n_complete == 0:
        text += f": no complete {grain}"
    elif n_complete is not None:
        text += (f": only {formatting.count(n_complete)} complete {grain}{'s' if n_complete != 1 else ''}, "
                 f"too few to forecast past {grain}s from the ones before them")
    text += "."
    if grain == "quarter":
        text += " Monthly grain has more periods to test on."
    return BacktestVerdict(text, enough_history=False)


def verdict(coverage: pd.DataFrame, crps: Mapping[str, float], *, grain: str, n_forecasts: int,
            n_origins: int, level: float = LEVEL, model_on: Mapping[str, float] | None = None) -> BacktestVerdict:
    """The verdict from a backtest's coverage table and errors (see the module for the example).

    Parameters
    ----------
    coverage
        ``BacktestResult.coverage``: one row per level with ``level``, ``covered_randomized``,
        ``band_lo`` and ``band_hi``.
    crps
        ``BacktestResult.crps``: mean scaled error per method, ``"model"`` and each simple rule.
    grain, n_forecasts, n_origins
        ``"month"`` or ``"quarter"``; rep-periods forecast and the starting points they came from.
    level
        The percentile to quote (the one in ``coverage`` nearest to it).
    model_on
        The model's error on each rule's own forecasts (``BacktestResult.model_crps_on``), when a rule was
        scored on a part of them; a rule not in it is compared with ``crps["model"]``.
    """
    if n_forecasts <= 0 or coverage.empty:
        return too_little_history(grain)
    row = coverage.iloc[int((coverage["level"] - level).abs().to_numpy().argmin())]
    held = float(row["covered_randomized"])
    nominal = float(row["level"])
    kept = bool(row["band_lo"] <= nominal <= row["band_hi"])
    label = f"P{round(100 * nominal)}"
    k = round(held * n_forecasts)
    counted = f"{formatting.count(k)} of {formatting.count(n_forecasts)} rep-{grain}s"
    short = held < nominal and times_in_ten(held) != times_in_ten(nominal)   # 8 in 10 is not "as promised"
    if kept and not short:
        first = f"On your history this range held the actual {times_in_ten(held)} at {label} ({counted}), as promised"
    else:   # in percent: "9 times in 10" would hide a miss that rounds to the promise
        first = (f"On your history the actual came in at or below {label} {'only ' if held < nominal and not kept else ''}"
                 f"{formatting.rate(held)} of the time ({counted}; {formatting.rate(nominal)} promised): targets "
                 f"at {label} have been beaten {'more' if held < nominal else 'less'} often than promised")
        if kept:    # within the band luck explains, yet not the promised share: both said, never "as promised"
            first += (f", a gap luck alone could explain over {formatting.count(n_origins)} tested {grain}"
                      f"{'s' if n_origins != 1 else ''}")
    second, best, gain = _accuracy(crps, grain, model_on or {})
    sentence = f"{first}; {second}." if second else f"{first}."
    if n_forecasts < FEW_FORECASTS or n_origins < 3:
        sentence += (f" Only {formatting.count(n_origins)} past {grain}{'s' if n_origins != 1 else ''} "
                     "could be tested: read it as a rough guide.")
    return BacktestVerdict(sentence, True, n_forecasts, held, kept, best, gain)


def _accuracy(crps: Mapping[str, float], grain: str,
              model_on: Mapping[str, float]) -> tuple[str, str | None, float | None]:
    """The model against the best simple rule, each rule on its own forecasts: (clause, best rule, the model's
    error reduction against it; None when that rule made no error, which leaves the reduction unmeasured).

    >>> _accuracy({"model": 0.2, "last_period": 0.0}, "month", {})[0]
    "at month grain last period's result made no error at all, so the model's skill against it cannot be measured"
    """
    rules = {k: v for k, v in crps.items() if k != "model" and math.isfinite(v)}
    same = {k: model_on.get(k, crps.get("model", float("nan"))) for k in rules}
    rules = {k: v for k, v in rules.items() if math.isfinite(same[k])}
    if not rules:
        return "", None, None
    # The rule nearest the model, like with like: the highest ratio of the model's error to the rule's.
    best = max(rules, key=lambda rule: same[rule] / rules[rule] if rules[rule] > 0 else math.inf)
    model, rule = same[best], rules[best]
    if rule <= 0:    # every outcome the rule forecast was exact (e.g. all equal): no ratio to speak of
        if model <= 0:
            return f"at {grain} grain the model and {rule_words(best)} have been about as accurate", best, None
        return (f"at {grain} grain {rule_words(best)} made no error at all, so the model's skill against it "
                "cannot be measured"), best, None
    gain = 1 - model / rule
    if abs(gain) < SAME_ACCURACY:
        clause = f"at {grain} grain the model and {rule_words(best)} have been about as accurate"
    elif gain > 0:
        clause = (f"at {grain} grain the model has been more accurate than every simple rule "
                  f"({formatting.rate(gain)} less error than the best, {rule_words(best)})")
    else:
        clause = (f"at {grain} grain {rule_words(best)} has been more accurate than the model "
                  f"({formatting.rate(1 - rule / model)} less error)")
    return clause, best, gain


def from_backtest(result: BacktestResult) -> BacktestVerdict:
    """The verdict of a backtest result (without a backtest: "too little history", without numbers: the
    backtest's own refusal when its history was too short)."""
    if result.n_forecasts == 0:
        if result.n_complete < result.n_needed:
            return BacktestVerdict(result.refusal or "", enough_history=False)
        return too_little_history(result.grain)
    n_origins = int(result.forecasts["origin"].nunique())
    return verdict(result.coverage, result.crps, grain=result.grain, n_forecasts=result.n_forecasts,
                   n_origins=n_origins, model_on=result.model_crps_on())


def verdict_for(conn: duckdb.DuckDBPyConnection, metric: str, grain: str,
                result: BacktestResult | None = None) -> BacktestVerdict:
    """The verdict for ``metric`` and ``grain`` on the database's history.

    ``result`` is the backtest when already run (it takes seconds on a large team: pages cache it);
    without a backtest the sentence says how many complete periods there are and how many it needs.
    """
    result = result if result is not None else backtest.run_backtest(conn, metric, grain)
    if result.n_forecasts > 0 or result.n_complete < result.n_needed:
        return from_backtest(result)
    panel = metrics.rep_period_panel(conn, metric, grain)
    n_complete = int(panel.loc[panel["complete"], "period_start"].nunique())
    return too_little_history(grain, n_complete)
