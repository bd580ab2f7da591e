"""``python -m analytics calibrate`` and ``python -m analytics backtest``.

calibrate: one row per rep -- rep, period, n_periods, p10..p90 (the requested levels), baseline,
and with ``--target-percentile P`` the target at that percentile and its chance of attainment.
With ``--team-target G --allocation proportional|equal-chance`` the top-down number G is split across
the reps instead: every row gets ``target`` and ``p_attain`` and the targets add up to G.
backtest: the rolling-origin scores as JSON (or a short table with plain-language lines).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from analytics import formatting, store
from analytics.cli import add_db_argument, refuse
from analytics.coverage import data_coverage
from analytics.csv_writer import ColumnKind, neutralise, write_frame
from analytics.metric_registry import metric_kind, resolve_metric
from analytics.metrics import METRICS

if TYPE_CHECKING:
    from analytics.backtest import BacktestResult
    from analytics.calibration import Calibration


def _levels(text: str) -> tuple[float, ...]:
    try:
        values = sorted({float(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of percentiles: {text!r}") from None
    if not values or any(not 0 < v < 100 for v in values):
        raise argparse.ArgumentTypeError("percentiles must lie strictly between 0 and 100, e.g. 10,50,90")
    return tuple(v / 100 for v in values)


def _percentile(text: str) -> float:
    value = float(text)
    if not 0 < value < 100:
        raise argparse.ArgumentTypeError("the target percentile must lie strictly between 0 and 100")
    return value


def _team_target(text: str) -> float:
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"the team target must be a number, not {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("the team target must be a positive number")
    return value


def add_calibrate_arguments(parser: argparse.ArgumentParser) -> None:
    """The calibrate options (kept in one function so other commands can extend them)."""
    add_db_argument(parser)
    parser.add_argument("--metric", default="revenue", choices=list(METRICS), help="metric (default revenue)")
    parser.add_argument("--grain", default="quarter", choices=["month", "quarter"], help="period grain")
    parser.add_argument("--period", default="next", help="next | current | YYYY-MM | YYYY-Qn (default next)")
    parser.add_argument("--percentiles", type=_levels, default=_levels("10,25,40,50,70,90"),
                        help="comma-separated percentile levels (default 10,25,40,50,70,90)")
    parser.add_argument("--target-percentile", type=_percentile, default=None,
                        help="also give each rep a target at this percentile and its chance of attainment")
    parser.add_argument("--team-target", type=_team_target, default=None, metavar="G",
                        help="split this team number across the reps (each row gets target and p_attain)")
    parser.add_argument("--allocation", choices=("proportional", "equal-chance"), default="equal-chance",
                        help="how --team-target is split: proportional to baseline or at an equal chance "
                             "for every rep (default equal-chance)")
    parser.add_argument("--out", default=None, help="write the table to FILE.csv or FILE.xlsx")
    parser.add_argument("--json", action="store_true", help="print the rows as a JSON array")


def register(subparsers: argparse._SubParsersAction) -> None:
    cal = subparsers.add_parser("calibrate", help="per-rep predictive percentiles for a period",
                                description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_calibrate_arguments(cal)
    cal.set_defaults(func=run_calibrate)
    bt = subparsers.add_parser("backtest", help="rolling-origin backtest of the calibration")
    add_db_argument(bt)
    bt.add_argument("--metric", default="revenue", choices=list(METRICS))
    bt.add_argument("--grain", default="quarter", choices=["month", "quarter"])
    bt.add_argument("--origins", type=int, default=None, help="score the last K complete periods (default all)")
    bt.add_argument("--json", action="store_true", help="print the scores as JSON")
    bt.set_defaults(func=run_backtest)


def calibration_rows(cal: Calibration, target_percentile: float | None = None,
                     team_target: float | None = None, allocation: str = "equal-chance") -> pd.DataFrame:
    """The CLI table: rep, period, n_periods, p.., baseline[, target, p_attain].

    ``team_target`` G splits G across the reps (``allocation.allocate_team_target`` with the
    calibration's own baseline for ``proportional``, as the Targets page does); it takes
    precedence over ``target_percentile``. Neither gives a rep less than their smallest meaningful target
    (one typical deal, 1 for counts: :mod:`analytics.target_floor`).
    """
    from analytics.target_floor import floor_for

    floor = floor_for(cal)
    s = cal.summary
    cols = [c for c in s.columns if c.startswith("p") and c[1:].isdigit()]
    out = pd.DataFrame({"rep": s.index.to_numpy(), "period": cal.period.label,
                        "n_periods": s["n_periods"].to_numpy()})
    for c in cols:
        out[c] = s[c].to_numpy()
    out["baseline"] = s["baseline"].to_numpy()
    if team_target is not None:
        from analytics.allocation import allocate_team_target
        from analytics.metric_registry import resolve_metric

        if (refusal := resolve_metric(cal.metric).team_split_refusal) is not None:   # a rate or an average
            raise ValueError(refusal)

        baseline = s["baseline"].reindex(list(cal.predictive.reps)).to_numpy(dtype=float)
        split = allocate_team_target(cal.predictive, team_target, allocation, baseline=baseline, floor=floor)
        split = split.set_index("rep").reindex(out["rep"])
        out["target"] = split["target"].to_numpy()
        out["p_attain"] = split["p_attain"].to_numpy()
    elif target_percentile is not None:
        target = floor.floored(cal.predictive, cal.quantile(target_percentile / 100))
        out["target"] = target
        out["p_attain"] = cal.p_attain(target)
    return out


def _text_columns(rows: pd.DataFrame, kind: str, currency: str = "$") -> dict[str, Callable[[float], str]]:
    """How the text table writes each numeric column: the metric's values by its kind (money in the data's
    ``currency`` symbol), chances as rates."""
    def metric_value(x: float) -> str:
        return formatting.value(x, kind, currency, exact=True)

    text: dict[str, Callable[[float], str]] = {"n_periods": formatting.count, "p_attain": formatting.rate}
    return {c: text.get(c, metric_value) for c in rows.columns if c not in ("rep", "period")}


def _csv_kinds(rows: pd.DataFrame, kind: str) -> dict[str, ColumnKind]:
    """How the CSV writes each column: the metric's values to the cent when money, chances as percents."""
    value: ColumnKind = "money" if kind == "money" else "number"
    kinds: dict[str, ColumnKind] = {c: value for c in rows.columns if c not in ("rep", "period", "n_periods")}
    if "p_attain" in kinds:
        kinds["p_attain"] = "chance"
    return kinds


def _open(args: argparse.Namespace) -> duckdb.DuckDBPyConnection | None:
    path = args.db
    if path and str(path) != ":memory:" and not Path(path).exists():
        print(f"error: no database at {path}", file=sys.stderr)
        return None
    return store.connect(path)


def _absent(conn: duckdb.DuckDBPyConnection, metric: str) -> str | None:
    """Why ``metric`` has no data (``"Calls: no activities imported"``), or None when it has; a history
    that starts after its first close says why on stderr (``note: History counted from ...``).

    Absent data is not "too little history" nor a range of zeros: the manager needs to import it.
    """
    cov = data_coverage(conn)
    why = cov.why_absent(metric)
    if why is None and (note := cov.history_start_note(metric)) is not None:
        print(f"note: {note}", file=sys.stderr)
    for gap in cov.gap_notes(metric) if why is None else []:
        print(f"note: {gap}", file=sys.stderr)
    return None if why is None else f"{resolve_metric(metric).label}: {why}"


def _json_default(x: object) -> object:
    if isinstance(x, np.generic):
        return x.item()
    return str(x)


def run_calibrate(args: argparse.Namespace) -> int:
    from analytics.allocation import team_totals
    from analytics.calibration import calibrate
    from analytics.year_ago import year_ago

    conn = _open(args)
    if conn is None:
        return 2
    try:
        if (absent := _absent(conn, args.metric)) is not None:
            return refuse(absent)
        cal = calibrate(conn, args.metric, args.grain, args.period, levels=args.percentiles)
        currency = formatting.currency_symbol(store.currency_code(conn))
        for note in cal.model_notes().values():      # what Baselines says under its summary, on stderr
            print(f"note: {note}", file=sys.stderr)
        if (ago := year_ago(cal.history, args.metric, cal.period, team_totals(cal.predictive), len(cal.summary),
                            missed=data_coverage(conn).misses(args.metric))):
            kind = metric_kind(args.metric)     # the sentence Targets shows under its tiers
            print(f"note: {ago.sentence(lambda x: formatting.value(x, kind, currency))}", file=sys.stderr)
    except ValueError as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    try:
        rows = calibration_rows(cal, args.target_percentile, args.team_target, args.allocation)
    except ValueError as exc:
        return refuse(str(exc))
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".xlsx":
            rows.assign(rep=rows["rep"].map(neutralise)).to_excel(out, index=False)
        else:
            write_frame(rows, out, _csv_kinds(rows, metric_kind(args.metric)))
    if args.json:
        records = rows.replace({np.nan: None}).to_dict(orient="records")
        print(json.dumps(records, default=_json_default))
    elif not args.out:
        print(rows.to_string(index=False, formatters=_text_columns(rows, metric_kind(args.metric), currency)))
    return 0


def _choice_record(result: BacktestResult) -> dict:
    """The variant choice as JSON: the next period's variant, why, and the variant used at each origin."""
    choice = result.variant_choice
    assert choice is not None
    labels = result.forecasts.drop_duplicates("origin_index").set_index("origin_index")["origin"]

    def num(x: float) -> float | None:
        return round(float(x), 6) if np.isfinite(x) else None

    return {"next_period": choice.chosen.name, "reason": choice.reason,
            "used": {str(labels[c]): name for c, name in sorted(choice.used.items()) if c in labels.index},
            "crps_as_you_go": num(choice.as_you_go), "crps_standard": num(choice.standard)}


def run_backtest(args: argparse.Namespace) -> int:
    from analytics.backtest import run_backtest as backtest

    conn = _open(args)
    if conn is None:
        return 2
    try:
        if (absent := _absent(conn, args.metric)) is not None:
            return refuse(absent)
        result = backtest(conn, args.metric, args.grain, origins=args.origins)
    except ValueError as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    if result.refusal is not None:     # nothing tested (too little history): no table of empty scores
        return refuse(result.refusal)
    choice = result.variant_choice
    if args.json:
        record = result.to_json_dict()
        if choice is not None:
            record["variant_choice"] = _choice_record(result)
        print(json.dumps(record, default=_json_default))
        return 0
    # One share per level (ties split at random, as every sentence says); the plain count beside it, named so.
    names = {"nominal": "promised", "covered_randomized": "at_or_below", "band_lo": "band_lo", "band_hi": "band_hi",
             "covered": "plain_count"}
    table = result.coverage[["column", *names]].rename(columns=names)
    print(table.to_string(index=False, formatters=dict.fromkeys(names.values(), formatting.rate)))
    print("at_or_below: a result equal to its percentile (a zero at a percentile of zero) counts in by chance, "
          "as often as the range says such a tie falls below it; plain_count counts every tie in, which "
          "flatters the low percentiles.")
    print()
    shown = ["crps", "pinball", "forecasts", "model_crps", "skill_vs_model"] \
        if (result.summary["forecasts"] < result.n_forecasts).any() else ["crps", "pinball", "skill_vs_model"]
    print(result.summary[shown].to_string(formatters={
        "crps": formatting.score, "pinball": formatting.score, "model_crps": formatting.score,
        "forecasts": formatting.count, "skill_vs_model": formatting.rate}))
    for line in result.rule_notes():
        print(line)
    print()
    for line in result.plain_language():
        print(line)
    if choice is not None:
        print(choice.reason)
    return 0
