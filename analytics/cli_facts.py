"""``python -m analytics facts``: the facts beside each rep and the backtest's verdict, as on Baselines.

One row per rep: the last complete period's actual, the CRM quotas of that period and of the target
period (columns only when quotas were imported), and the last periods' values oldest first; a rep with
no complete period yet (a hire whose first deal is this period's) is listed with a note saying so. Then the
backtest's verdict for the metric and grain in one sentence (``--no-verdict`` skips the backtest,
which takes seconds on a large team).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from analytics import formatting, store
from analytics.cli import add_db_argument, json_value, refuse
from analytics.coverage import data_coverage
from analytics.metric_registry import metric_kind, resolve_metric
from analytics.metrics import METRICS


def register(subparsers: argparse._SubParsersAction) -> None:
    facts = subparsers.add_parser("facts", help="each rep's last actual, CRM quota and trend; the backtest's verdict",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(facts)
    facts.add_argument("--metric", default="revenue", choices=list(METRICS), help="metric (default revenue)")
    facts.add_argument("--grain", default="quarter", choices=["month", "quarter"], help="period grain")
    facts.add_argument("--period", default="next", help="target period: next | current | YYYY-MM | YYYY-Qn")
    facts.add_argument("--periods", type=int, default=8, help="periods in the trend (default 8)")
    facts.add_argument("--no-verdict", action="store_true", help="skip the backtest and its verdict")
    facts.add_argument("--json", action="store_true", help="print the facts and the verdict as JSON")
    facts.set_defaults(func=run_facts)


def run_facts(args: argparse.Namespace) -> int:
    from analytics.backtest_verdict import verdict_for
    from analytics.rep_facts import NOTE_COLUMN, rep_facts

    if args.db and str(args.db) != ":memory:" and not Path(args.db).exists():
        return refuse(f"no database at {args.db}")
    conn = store.connect(args.db)
    try:
        why = data_coverage(conn).why_absent(args.metric)
        if why is not None:
            return refuse(f"{resolve_metric(args.metric).label}: {why}")
        facts = rep_facts(conn, args.metric, args.grain, args.period, n_recent=max(args.periods, 1))
        verdict = None if args.no_verdict else verdict_for(conn, args.metric, args.grain)
        currency = formatting.currency_symbol(store.currency_code(conn))
    except ValueError as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    rows = facts.summary.reset_index()
    if args.json:
        print(json.dumps({
            "metric": facts.metric, "grain": facts.grain, "period": facts.target.label,
            "last_period": facts.last.label if facts.last else None,
            "reps": [{k: ([json_value(x) for x in v] if k == "recent" else json_value(v)) for k, v in r.items()}
                     for r in rows.to_dict("records")],
            "verdict": verdict.sentence if verdict else None,
        }))
        return 0
    kind = metric_kind(args.metric)
    last = facts.last.label if facts.last else "last period"
    named = {"last_actual": f"Actual {last}", "quota_last": f"CRM quota {last}",
             "quota_target": f"CRM quota {facts.target.label}"}
    text = {"Rep": rows["rep"].astype(str)}
    for column, label in named.items():
        if column in rows:
            text[label] = rows[column].map(lambda x: formatting.value(x, kind, currency))
    text[f"Last {len(facts.recent)} {args.grain}s"] = rows["recent"].map(
        lambda values: " ".join(formatting.value(v, kind, currency) for v in values) or formatting.BLANK)
    if NOTE_COLUMN in rows:      # a rep with no complete period yet: said, not dropped
        text["Note"] = rows[NOTE_COLUMN].fillna("")
    if rows.empty:
        print(f"No rep has {resolve_metric(args.metric).words} before {facts.target.label}.")
    else:
        print(pd.DataFrame(text).to_string(index=False))
    if not (facts.has_quota_last or facts.has_quota_target):
        print(f"No CRM quotas imported for {resolve_metric(args.metric).words} in {last} or {facts.target.label}.")
    if verdict is not None:
        print()
        print(verdict.sentence)
    return 0
