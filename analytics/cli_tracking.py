"""``python -m analytics track|review``: a saved target set against what is happening and what happened.

Examples
--------
python -m analytics track --target-set "Q4 plan"                       # as of the latest data
python -m analytics track --target-set "Q4 plan" --as-of 2026-11-15 --threshold 0.4 --json
python -m analytics review --target-set "Q3 plan" --out q3-review.html  # offline HTML report

Exit codes: 0 done, 2 refused (unknown set, bad date or threshold), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from analytics import formatting, store
from analytics.cli import add_db_argument, json_records, json_value, refuse
from analytics.metric_registry import metric_kind

if TYPE_CHECKING:
    from analytics.target_sets import SavedTargetSet

TRACK_COLUMNS = ["rep", "target", "actual", "expected_to_date", "pace", "p_attain", "flag", "cause"]
EXTRA_COLUMNS = ["team", "share_expected", "share_usual", "projected", "projected_attainment", "p_attain_saved",
                 "p_attain_start", "cause_detail", "gap", "weeks_left", "what_it_takes_per_week",
                 "calls_per_week", "meetings_per_week", "opportunities_per_week", "deals_per_week", "model",
                 "open_deals", "open_pipeline", "open_pipeline_expected"]


def register(subparsers: argparse._SubParsersAction) -> None:
    track = subparsers.add_parser("track", help="pace, chance from here and flags for a saved target set",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(track)
    track.add_argument("--target-set", required=True, help="saved set name (latest version) or id")
    track.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: the latest activity or close date)")
    track.add_argument("--threshold", type=float, default=0.3,
                       help="flag reps whose chance of reaching base is below this (default 0.3)")
    track.add_argument("--json", action="store_true", help="print a JSON array, one object per rep")
    track.set_defaults(func=_track)

    rev = subparsers.add_parser("review", help="review a finished period: calibration of our targets, "
                                "quotas, changes, next starting point",
                                description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(rev)
    rev.add_argument("--target-set", required=True, help="saved set name (latest version) or id")
    rev.add_argument("--json", action="store_true")
    rev.add_argument("--out", default=None, help="write a self-contained HTML report to this file")
    rev.set_defaults(func=_review)


def set_currency(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet) -> str:
    """The symbol a saved set's money is written with: the currency it recorded, else the data's (``$``
    when neither names one), so EUR data reads € in the CLI as on the pages."""
    return formatting.currency_symbol(saved.assumptions.get("currency") or store.currency_code(conn))


def _track(args: argparse.Namespace) -> int:
    from analytics import tracking

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        return refuse(f"--as-of must be a date YYYY-MM-DD, not {args.as_of!r}")
    if not 0 <= args.threshold <= 1:
        return refuse("--threshold must lie between 0 and 1")
    conn = store.connect(args.db)
    try:
        t = tracking.track(conn, args.target_set, as_of=as_of, threshold=args.threshold)
        currency = set_currency(conn, t.saved)
    except (LookupError, ValueError) as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    df = t.summary.reset_index()
    cols = TRACK_COLUMNS + [c for c in EXTRA_COLUMNS if c in df.columns]
    if args.json:
        print(json.dumps(json_records(df[cols]), indent=2))
        return 0
    tm, rate = t.team, formatting.rate
    amount = partial(formatting.value, kind=metric_kind(t.saved.metric), currency=currency)
    cell = partial(amount, exact=True)
    print(f"{t.saved.name} v{t.saved.version} — {t.period.label} ({t.saved.metric}), as of {t.as_of}: "
          f"{rate(tm['share_expected'])} of the period's outcome expected by now ({t.shape_source})")
    print(f"team: {amount(tm['actual'])} of {amount(tm['team_target'])} ({rate(tm['attainment_so_far'])}); projected "
          f"{amount(tm['projected'])} ({rate(tm['projected_attainment'])}); chance of the team number "
          f"{rate(tm['team_p_attain'])}; reps expected to reach base {rate(tm['expected_share_reaching_base'])} "
          f"(the set promised {rate(tm['promised_share_reaching_base'])})")
    if "open_deals" in tm:
        print(f"open pipeline: {formatting.count(tm['open_deals'])} open deals worth {amount(tm['open_pipeline'])}, "
              f"about {amount(tm['open_pipeline_expected'])} of it expected to be won by the period's end "
              f"({rate(tm['share_from_open_deals'])} of what is left usually comes from deals already open); "
              "the chances count it")
    for note in t.notes:
        print(f"  note: {note}")
    print(f"{'rep':<22}{'target':>12}{'actual':>12}{'expected':>12}{'pace':>7}{'chance':>8}  flag  cause")
    for r in df.itertuples():
        print(f"{str(r.rep):<22}{cell(r.target):>12}{cell(r.actual):>12}{cell(r.expected_to_date):>12}"
              f"{rate(r.pace):>7}{rate(r.p_attain):>8}  {'FLAG' if r.flag else '    '}  {r.cause}"
              + (f": {r.cause_detail}" if r.flag else ""))
    return 0


def _review(args: argparse.Namespace) -> int:
    from analytics import review as review_mod

    conn = store.connect(args.db)
    try:
        # The report's tracking (while the period runs) shares the review's fit of the period: one fit, not two.
        rv, tr = review_mod.review_and_track(conn, args.target_set) if args.out else (
            review_mod.review(conn, args.target_set), None)
        currency = set_currency(conn, rv.saved)
    except (LookupError, ValueError) as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    if args.out:
        from analytics.report import write_review_report
        path = write_review_report(rv, args.out, tracking=tr)
    if args.json:
        out = {
            "set": rv.saved.name, "version": rv.saved.version, "period": rv.period.label,
            "as_of": rv.as_of.isoformat(), "complete": rv.complete, "notes": rv.notes,
            "calibration": json_records(rv.calibration), "reliability": json_records(rv.reliability),
            "quotas": {k: (json_records(v) if isinstance(v, pd.DataFrame) else json_value(v))
                       for k, v in rv.quotas.items()},
            "results": json_records(rv.results.reset_index()), "changes": json_records(rv.changes.reset_index()),
            "next_start": json_records(rv.next_start.reset_index()), "ratchet": rv.ratchet_sentence,
        }
        if args.out:
            out["report"] = str(path)
        print(json.dumps(out, indent=2))
        return 0
    print(f"{rv.saved.name} v{rv.saved.version} — review of {rv.period.label} ({rv.saved.metric}), "
          f"data as of {rv.as_of}")
    for note in rv.notes:
        print(f"  note: {note}")
    # (a period not over is judged at its end: a target not reached yet is no miss, so no Brier score yet)
    reached = "reached" if rv.complete else "reached so far"
    for r in rv.calibration.itertuples():
        print(f"  {r.tier:<11} {reached} {formatting.rate(r.realised):>5}  promised {formatting.rate(r.mean_predicted):>5}  "
              f"({formatting.count(r.reached)} of {formatting.count(r.forecasts)})"
              + (f"  Brier {formatting.score(r.brier)}" if rv.complete else ""))
    if not rv.complete:
        print(f"  (the chances are judged when {rv.period.label} ends; until then a target not yet reached is no miss)")
    if rv.quotas["reps_with_quota"]:
        print(f"  CRM quotas: {rv.quota_text}")
    # (a running period's results can only grow: its ratchet column is a floor, said as the page says it)
    so_far = "" if rv.complete else f" from {rv.period.label} so far"
    print(f"next period's starting point{so_far} ({rv.ratchet_sentence})")
    cell = partial(formatting.value, kind=metric_kind(rv.saved.metric), currency=currency, exact=True)
    result = "result" if rv.complete else "so far"
    print(f"{'rep':<22}{'last target':>13}{result:>12}{'model (no ratchet)':>20}{'ratchet':>12}")
    for r in rv.next_start.reset_index().itertuples():
        print(f"{str(r.rep):<22}{cell(r.last_target):>13}{cell(r.last_result):>12}"
              f"{cell(r.model_next_p_level):>20}{cell(r.ratchet_raise_to_last_result):>12}")
    if args.out:
        print(f"report written to {path}")
    return 0
