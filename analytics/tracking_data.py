"""SQL for tracking and review: a saved target set, outcomes and funnel counts to date, quotas.

Everything here reads DuckDB and returns plain pandas objects; the statistics live in
:mod:`analytics.tracking` and :mod:`analytics.review` as pure functions of these.

Definitions (the same for "to date" and "usual", so rates compare like with like)
---------------------------------------------------------------------------------
* revenue: won ``amount`` by ``close_date``; deals (``won``/``deals``/...): won deals by ``close_date``;
* activity metrics (``calls``, ``meetings``, ...): ``sum(count)`` of that type by ``activity_date``;
* funnel: calls, emails, meetings, demos, proposals (activities), opportunities (deals by
  ``created_date``), won and lost (by ``close_date``), revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from analytics import store
from analytics.periods import Period, parse_period, period_of

TIERS = ("base", "stretch", "excellence")
DEAL_COUNT_METRICS = ("won", "deals", "won_deals", "deals_won")
ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "proposal")
FUNNEL_COLUMNS = ("calls", "emails", "meetings", "demos", "proposals", "opportunities", "won", "lost",
                  "revenue")


def activity_type(name: str) -> str:
    """``calls`` / ``Call`` -> ``call``; ``opportunities`` -> ``opportunity``."""
    n = str(name).strip().lower()
    if n.endswith("ies"):
        return n[:-3] + "y"
    return n[:-1] if n.endswith("s") and n[:-1] in ACTIVITY_TYPES else n


def funnel_column(name: str) -> str:
    """Canonical funnel column for an activity-target name (``call`` -> ``calls``, ``deals`` -> ``won``)."""
    t = activity_type(name)
    if t in DEAL_COUNT_METRICS or t in ("deal", "win", "wins"):
        return "won"
    if t == "opportunity":
        return "opportunities"
    return t + "s" if t in ACTIVITY_TYPES else t


@dataclass(frozen=True)
class SavedSet:
    """One saved target set: its header, per-rep tier targets and saved chances, activity targets."""

    set_id: int
    name: str
    version: int
    status: str
    period: Period
    metric: str
    tiers: dict
    method: str
    team_target: float | None
    targets: pd.DataFrame      # index rep; columns base/stretch/excellence (those present)
    p_attain: pd.DataFrame     # same shape: the chances saved with the set
    activities: pd.DataFrame   # rep, activity, per_period, per_week
    assumptions: dict = field(default_factory=dict)

    @property
    def reps(self) -> np.ndarray:
        return self.targets.index.to_numpy(dtype=object)

    @property
    def team_number(self) -> float:
        """The set's team target, or the sum of base targets when none was saved."""
        if self.team_target is not None and np.isfinite(self.team_target) and self.team_target > 0:
            return float(self.team_target)
        return float(self.targets["base"].sum())


def resolve_set_id(conn: duckdb.DuckDBPyConnection, name_or_id, version: int | None = None) -> int:
    """A set id from an id or a name (latest version unless ``version``). Raises ``LookupError``."""
    text = str(name_or_id).strip()
    if text.isdigit():
        row = conn.execute("SELECT set_id FROM target_sets WHERE set_id = ?", [int(text)]).fetchone()
        if row:
            return int(row[0])
    sql = "SELECT set_id FROM target_sets WHERE name = ?"
    params: list = [text]
    if version is not None:
        sql += " AND version = ?"
        params.append(int(version))
    row = conn.execute(sql + " ORDER BY version DESC LIMIT 1", params).fetchone()
    if row is None:
        names = [r[0] for r in conn.execute("SELECT DISTINCT name FROM target_sets ORDER BY name").fetchall()]
        known = ", ".join(names) if names else "none saved yet"
        raise LookupError(f"no target set {text!r}" + (f" version {version}" if version else "")
                          + f" (saved sets: {known})")
    return int(row[0])


def load_saved_set(conn: duckdb.DuckDBPyConnection, name_or_id, version: int | None = None) -> SavedSet:
    """A saved set by name (latest version unless ``version``) or id, via ``target_sets.load_target_set``."""
    from analytics.target_sets import load_target_set

    s = load_target_set(conn, resolve_set_id(conn, name_or_id, version))
    period = parse_period(s.period, int(s.assumptions.get("fiscal_start_month")
                                        or store.fiscal_year_start_month(conn)))
    if period.grain != s.grain:
        raise ValueError(f"target set {s.name!r}: period {s.period} is not a {s.grain}")
    rows = s.rows
    if rows.empty or "base" not in set(rows["tier"]):
        raise ValueError(f"target set {s.name!r} has no base targets")
    tiers = [t for t in TIERS if t in set(rows["tier"])]
    targets = rows.pivot(index="rep", columns="tier", values="target")[tiers].astype(float).sort_index()
    chances = rows.pivot(index="rep", columns="tier", values="p_attain")[tiers].astype(float).sort_index()
    targets.columns.name = chances.columns.name = None
    targets.index.name = chances.index.name = "rep"
    return SavedSet(set_id=s.set_id, name=s.name, version=int(s.version), status=s.status, period=period,
                    metric=s.metric, tiers=dict(s.tiers), method=s.method,
                    team_target=None if s.team_target is None else float(s.team_target),
                    targets=targets, p_attain=chances, activities=s.activity_rows.copy(),
                    assumptions=dict(s.assumptions or {}))


def data_as_of(conn: duckdb.DuckDBPyConnection) -> date | None:
    """Latest activity or closed-deal date (``metrics.data_as_of`` when that module exists)."""
    try:
        from analytics import metrics
        return metrics.data_as_of(conn)
    except (ImportError, AttributeError):
        pass
    row = conn.execute(
        "SELECT greatest((SELECT max(activity_date) FROM activities),"
        " (SELECT max(close_date) FROM deals WHERE outcome IN ('won', 'lost')))").fetchone()
    return row[0] if row else None


def _metric_sql(metric: str) -> tuple[str, str]:
    """(SQL of rep, day, value rows, value kind) for a set's metric."""
    m = metric.strip().lower()
    if m == "revenue":
        return ("SELECT rep, close_date AS day, amount AS value FROM deals "
                "WHERE outcome = 'won' AND amount IS NOT NULL", "money")
    if m in DEAL_COUNT_METRICS:
        return "SELECT rep, close_date AS day, 1.0 AS value FROM deals WHERE outcome = 'won'", "count"
    if m == "closed_deals":
        return ("SELECT rep, close_date AS day, 1.0 AS value FROM deals WHERE outcome IN ('won', 'lost')",
                "count")
    if m == "pipeline":
        return ("SELECT rep, created_date AS day, coalesce(amount, 0) AS value FROM deals "
                "WHERE created_date IS NOT NULL", "money")
    t = activity_type(m)
    if t == "opportunity":
        return ("SELECT rep, created_date AS day, 1.0 AS value FROM deals WHERE created_date IS NOT NULL",
                "count")
    if t not in (*ACTIVITY_TYPES, "other"):
        raise ValueError(f"cannot track {metric!r} to date (a rate, or an unknown metric)")
    return (f"SELECT rep, activity_date AS day, CAST(count AS DOUBLE) AS value FROM activities "
            f"WHERE type = '{t}'", "count")


def metric_to_date(conn, metric: str, start: date, end: date) -> pd.Series:
    """Per rep: the metric summed over days ``start``..``end`` inclusive (reps with none are absent)."""
    sql, _ = _metric_sql(metric)
    df = conn.execute(f"SELECT rep, sum(value) AS value FROM ({sql}) WHERE day BETWEEN ? AND ? GROUP BY rep",
                      [start, end]).df()
    return df.set_index("rep")["value"].astype(float)


def metric_by_day(conn, metric: str, start: date, end: date) -> pd.Series:
    """Team total of the metric per day (for the within-period shape)."""
    sql, _ = _metric_sql(metric)
    df = conn.execute(f"SELECT day, sum(value) AS value FROM ({sql}) WHERE day BETWEEN ? AND ? GROUP BY day",
                      [start, end]).df()
    return pd.Series(df["value"].to_numpy(dtype=float), index=pd.to_datetime(df["day"]).dt.date)


def funnel_counts(conn, start: date, end: date, grain: str | None = None,
                  fiscal_start_month: int = 1) -> pd.DataFrame:
    """Funnel counts per rep over ``start``..``end``; per rep and period (``period_start``) with ``grain``."""
    from analytics.periods import period_start_sql
    key = period_start_sql("day", grain, fiscal_start_month) if grain else "NULL::DATE"
    df = conn.execute(f"""
        WITH rows AS (
            SELECT rep, activity_date AS day, type || 's' AS col, CAST(count AS DOUBLE) AS n
            FROM activities WHERE type IN {ACTIVITY_TYPES}
            UNION ALL SELECT rep, created_date, 'opportunities', 1.0 FROM deals WHERE created_date IS NOT NULL
            UNION ALL SELECT rep, close_date, outcome, 1.0 FROM deals WHERE outcome IN ('won', 'lost')
            UNION ALL SELECT rep, close_date, 'revenue', amount FROM deals
                      WHERE outcome = 'won' AND amount IS NOT NULL)
        SELECT rep, {key} AS period_start, col, sum(n) AS n FROM rows
        WHERE day BETWEEN ? AND ? GROUP BY ALL""", [start, end]).df()
    index = ["rep", "period_start"] if grain else ["rep"]
    if df.empty:
        return pd.DataFrame(columns=list(FUNNEL_COLUMNS), index=pd.Index([], name="rep"), dtype=float)
    wide = df.pivot_table(index=index, columns="col", values="n", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=list(FUNNEL_COLUMNS), fill_value=0.0).astype(float)
    wide.columns.name = None
    return wide


def usual_funnel(conn, period: Period, n_periods: int = 4) -> pd.DataFrame:
    """Per rep per-period averages of the funnel over the ``n_periods`` complete periods before ``period``.

    A rep's average runs over the periods in which they had any record (new reps are not diluted).
    """
    first = period.previous(n_periods)
    per = funnel_counts(conn, first.start, period.start - timedelta(days=1), period.grain,
                        period.fiscal_start_month)
    if per.empty:
        return per
    out = per.groupby(level="rep").mean()
    out["n_periods"] = per.groupby(level="rep").size()
    return out


def reps_teams(conn) -> pd.Series:
    df = conn.execute("SELECT rep, team FROM reps").df()
    return df.set_index("rep")["team"] if not df.empty else pd.Series(dtype=object)


def quotas_for_period(conn, period: Period, metric: str = "revenue") -> pd.Series:
    """Per rep: CRM quotas aggregated to ``period`` (intervals prorated by overlapping days)."""
    df = conn.execute("""
        SELECT rep, sum(target * (least(period_end, ?::DATE) - greatest(period_start, ?::DATE) + 1)
                        / (period_end - period_start + 1)) AS quota
        FROM quotas WHERE metric = ? AND period_start <= ? AND period_end >= ?
        GROUP BY rep""", [period.end, period.start, metric, period.end, period.start]).df()
    return df.set_index("rep")["quota"].astype(float)


def quota_history(conn, metric: str, grain: str, fiscal_start_month: int, last: Period,
                  n_periods: int = 8) -> pd.DataFrame:
    """Per period up to ``last``: reps with a quota, how many reached it (for the CRM quotas' hit rate)."""
    rows = []
    for k in range(n_periods - 1, -1, -1):
        p = last.previous(k)
        quota = quotas_for_period(conn, p, metric)
        if quota.empty:
            continue
        actual = metric_to_date(conn, metric, p.start, p.end).reindex(quota.index).fillna(0.0)
        rows.append({"period": p.label, "reps_with_quota": int(quota.size),
                     "reached": int((actual >= quota).sum()),
                     "hit_rate": float((actual >= quota).mean())})
    return pd.DataFrame(rows, columns=["period", "reps_with_quota", "reached", "hit_rate"])


def evaluation_date(period: Period, as_of: date | None) -> date:
    """The last day counted: ``as_of`` clipped into the period (the day before it starts if earlier)."""
    if as_of is None:
        return period.end
    return min(max(as_of, period.start - timedelta(days=1)), period.end)


def period_containing(d: date, grain: str, fiscal_start_month: int) -> Period:
    return period_of(d, grain, fiscal_start_month)
