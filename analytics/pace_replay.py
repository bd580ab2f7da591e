"""Each rep's share of the period booked by a day, and the replay of past periods that scores the
chance of reaching base at the start against the chance from mid-period.

``python -m bench.bench_tracking`` runs :func:`replay` on the test companies and records
:func:`brier_summary` in bench/README.md; the Tracking page's chances come from the same
:func:`analytics.pace_chance.chance_from_here` with :func:`rep_shares`.

Replay
------
For every complete period with at least ``min_history`` periods of data before it: calibrate on the
data before the period (``calibration.calibrate``), take each forecast rep's base target (the CRM
quota when the rep's quotas cover the whole period, else the model's median), and compare
* the start-of-period chance, P(Y_i >= T_i), with
* the chance as of the period's midpoint from what was booked by then, the rep's shape of the
  past periods before it, and the team's pace so far (:func:`analytics.pace_chance.chance_from_here`;
  ``p_mid_plain``: the same share with the period's law only scaled to what is left),
against whether the rep reached the target. Nothing booked after the midpoint is read by the
mid-period chance.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics import tracking_data as data
from analytics.calibration import calibrate
from analytics.metrics import data_as_of
from analytics.open_pipeline_data import pipeline_evidence
from analytics.pace_chance import chance_from_here, rep_shape, segment_totals, team_effect
from analytics.periods import Period, period_of
from analytics.store import fiscal_year_start_month
from analytics.tracking_core import conditional_p_attain

SHAPE_PERIODS = 8   # past periods each rep's within-period shape is pooled over
REPLAY_COLUMNS = ("period", "rep", "target", "target_source", "p_start", "p_mid", "p_mid_pace", "p_mid_plain",
                  "booked_mid", "share_mid", "pipeline_deals", "pipeline_expected", "team_pace", "team_weight",
                  "outcome", "reached")


def rep_shares(conn: duckdb.DuckDBPyConnection, metric: str, period: Period, day: date,
               reps: npt.ArrayLike, n_periods: int = SHAPE_PERIODS) -> np.ndarray:
    """Per rep: the share of the period's outcome usually booked by ``day`` (0 before the period,
    1 at its end), from the rep's own last ``n_periods`` comparable periods
    (:func:`analytics.pace_chance.rep_shape`): for a month, the months in the same place of their
    quarter (a quarter-end month's push is not a mid-quarter month's shape)."""
    reps = np.asarray(reps, dtype=object)
    step = 3 if period.grain == "month" else 1
    past = [period.previous(k * step) for k in range(n_periods, 0, -1)]
    daily = data.metric_by_rep_day(conn, metric, past[0].start, past[-1].end)
    shape = rep_shape(segment_totals(daily, reps, past), period)
    return np.broadcast_to(np.asarray(shape.share_at(period, day), dtype=float), reps.shape).copy()


def replay_periods(conn: duckdb.DuckDBPyConnection, metric: str, grain: str, min_history: int = 4) -> list[Period]:
    """The complete periods with at least ``min_history`` periods of the metric's data before them."""
    last_day = data_as_of(conn)
    first_day = None if last_day is None else data.metric_first_day(conn, metric, last_day)
    if last_day is None or first_day is None:
        return []
    fsm = fiscal_year_start_month(conn)
    period = period_of(first_day, grain, fsm).next(min_history)
    out = []
    while period.end <= last_day:
        out.append(period)
        period = period.next()
    return out


def midpoint_day(period: Period, at: float = 0.5) -> date:
    """The day by which ``at`` of the period's days have passed (the replay's "mid-period").

    >>> from analytics.periods import parse_period
    >>> str(midpoint_day(parse_period("2026-Q1"))), str(midpoint_day(parse_period("2026-02")))
    ('2026-02-14', '2026-02-14')
    """
    return period.start + timedelta(days=max(round(at * period.days) - 1, 0))


def replay_period(conn: duckdb.DuckDBPyConnection, metric: str, period: Period, at: float = 0.5) -> pd.DataFrame:
    """One past period: per forecast rep, the base target and its source, the start and the
    mid-period chance (as of the day ``at`` of the period's days have passed), and the outcome."""
    cal = calibrate(conn, metric=metric, grain=period.grain, period=period,
                    as_of=period.start - timedelta(days=1))
    pred = cal.predictive
    reps = np.asarray(pred.reps, dtype=object)
    quota = data.quotas_covering(conn, period, metric).reindex(reps).to_numpy(dtype=float)
    has_quota = np.isfinite(quota) & (quota > 0)
    target = np.where(has_quota, quota, pred.quantile(0.5))
    day = midpoint_day(period, at)
    booked = data.metric_to_date(conn, metric, period.start, day).reindex(reps).fillna(0.0).to_numpy()
    outcome = data.metric_to_date(conn, metric, period.start, period.end).reindex(reps).fillna(0.0).to_numpy()
    share = rep_shares(conn, metric, period, day, reps)
    effect = team_effect(pred, booked, share)
    p_pace = chance_from_here(pred, booked, target, share, effect)
    # The open deals on that day, as they stood then (open_pipeline_data): None without a pipeline.
    pipeline = pipeline_evidence(conn, metric, period, day, reps)
    p_mid = p_pace if pipeline is None else conditional_p_attain(
        pred, booked, target, share, pipeline.remainder(pred, share, effect))
    return pd.DataFrame({
        "period": period.label, "rep": reps, "target": target,
        "target_source": np.where(has_quota, "CRM quota", "model median"),
        "p_start": pred.p_attain(target), "p_mid": p_mid, "p_mid_pace": p_pace,
        # The same share with the period's law only scaled to what is left (no team pace, spread kept).
        "p_mid_plain": conditional_p_attain(pred, booked, target, share),
        "booked_mid": booked, "share_mid": share,
        "pipeline_deals": [v.size for v in pipeline.values] if pipeline else 0,
        "pipeline_expected": pipeline.expected if pipeline else np.nan,
        "team_pace": effect.ratio, "team_weight": effect.weight,
        "outcome": outcome, "reached": outcome >= target,
    })


def replay(conn: duckdb.DuckDBPyConnection, metric: str = "revenue", grain: str = "quarter", *,
           min_history: int = 4, at: float = 0.5) -> pd.DataFrame:
    """:func:`replay_period` over every period of :func:`replay_periods`, one row per rep and period."""
    frames = [replay_period(conn, metric, p, at) for p in replay_periods(conn, metric, grain, min_history)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=list(REPLAY_COLUMNS))


def brier_summary(frame: pd.DataFrame) -> dict[str, float]:
    """Brier of the start and mid-period chances, their ratio, and the standard error of the
    difference (start - mid) clustered by period (reps of one period share its shock).

    >>> frame = pd.DataFrame({"period": ["a", "a", "b", "b"], "p_start": [0.5] * 4,
    ...                       "p_mid": [0.9, 0.2, 0.8, 0.1], "reached": [True, False, True, False]})
    >>> s = brier_summary(frame)
    >>> s["n"], s["brier_start"], round(s["brier_mid"], 3), round(s["ratio"], 2)
    (4, 0.25, 0.025, 0.1)
    """
    y = frame["reached"].to_numpy(dtype=float)
    start = (frame["p_start"].to_numpy(dtype=float) - y) ** 2
    mid = (frame["p_mid"].to_numpy(dtype=float) - y) ** 2
    n = int(y.size)
    if n == 0:
        return {"n": 0, "periods": 0, "brier_start": float("nan"), "brier_mid": float("nan"),
                "brier_mid_plain": float("nan"),
                "ratio": float("nan"), "difference": float("nan"), "se_difference": float("nan")}
    diff = pd.Series(start - mid).groupby(frame["period"].to_numpy())
    k = int(diff.ngroups)
    mean = float(np.mean(start - mid))
    # Cluster-robust: the per-period sums' deviation from their share of the mean.
    dev = (diff.sum() - diff.size() * mean).to_numpy(dtype=float)
    se = float(np.sqrt(k / (k - 1) * np.sum(dev ** 2)) / n) if k > 1 else float("nan")
    b_start, b_mid = float(np.mean(start)), float(np.mean(mid))
    plain = float(np.mean((frame["p_mid_plain"].to_numpy(dtype=float) - y) ** 2)) if "p_mid_plain" in frame \
        else float("nan")
    return {"n": n, "periods": k, "brier_start": b_start, "brier_mid": b_mid, "brier_mid_plain": plain,
            "ratio": b_mid / b_start if b_start > 0 else float("nan"), "difference": mean, "se_difference": se}
