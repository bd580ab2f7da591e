"""``python -m analytics targets save|list|show|export``: saved target sets from the command line.

Examples
--------
python -m analytics targets save --name "Q4 plan" --metric revenue --grain quarter --tiers 35,70,90
python -m analytics targets save --name "Q4 plan" --team-target 2500000 --allocation equal-chance --final
python -m analytics targets save --name "Q4 plan" --team-target 2500000 \
    --override "Ana Lopez=150,000:new enterprise territory" --accept "Ben Ode=90000" --team-rest resplit
python -m analytics targets list --json
python -m analytics targets show "Q4 plan" --version 1
python -m analytics targets export "Q4 plan" --out q4.xlsx        # or .csv, .html (one page per rep)

Edits, as on the Targets page (each option may be repeated; ``@TIER`` is optional, base by default):
``--override "REP[@TIER]=VALUE:REASON"`` (a reason is required), ``--proposal "REP[@TIER]=VALUE"`` (the rep's
own number, recorded beside the target) and ``--accept "REP[@TIER]=VALUE"`` (the proposal accepted as the
target). With a team number, ``--team-rest`` says what an edited base target does to the rest: ``resplit``
(the default) splits the team number less the edited reps' targets again at equal chance across the others,
``shortfall`` keeps the others' shares and saves the difference; the saved set records which.

Exit codes: 0 done, 2 refused (bad input, unknown set, final set, conflict), 1 internal error.
"""

from __future__ import annotations

import argparse
import getpass
import json

import duckdb
import pandas as pd

from analytics import formatting, store
from analytics.cli import add_db_argument, json_records, refuse
from analytics.draft_edits import DraftEdits, apply_edits, base_total_chance_words, team_total_words
from analytics.export import amount_text, export_set
from analytics.formatting import rate
from analytics.metric_registry import resolve_metric
from analytics.target_sets import (
    TEAM_REST,
    SavedTargetSet,
    TargetSetError,
    list_target_sets,
    load_target_set,
    new_version,
    resolve_set_id,
    save_target_set,
)
from analytics.target_slips import unit_slip_problems
from analytics.targets import (
    TIER_ORDER,
    tier_order_problems,
    tiers_wide,
    validate_target_entry,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("targets", help="save, list, show and export target sets",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="targets_command", required=True, metavar="ACTION")

    save = actions.add_parser("save", help="calibrate and save a target set (draft unless --final)")
    add_db_argument(save)
    save.add_argument("--name", required=True)
    save.add_argument("--metric", default="revenue")
    save.add_argument("--grain", choices=("month", "quarter"), default=None,
                      help="default: the database's grain setting")
    save.add_argument("--period", default="next", help="'next' (default) or a label such as 2026-Q4")
    save.add_argument("--tiers", default="35,70,90", help="base,stretch[,excellence] percentiles")
    save.add_argument("--team-target", type=float, default=None, help="top-down team target G")
    save.add_argument("--allocation", choices=("proportional", "equal-chance"), default="equal-chance")
    save.add_argument("--confidence", type=float, default=0.8, help="activity-plan confidence q")
    save.add_argument("--override", action="append", default=[], metavar="REP[@TIER]=VALUE:REASON",
                      help="override a rep's target, with the reason (repeat for several)")
    save.add_argument("--proposal", action="append", default=[], metavar="REP[@TIER]=VALUE",
                      help="record the rep's own proposal beside the target")
    save.add_argument("--accept", action="append", default=[], metavar="REP[@TIER]=VALUE",
                      help="accept the rep's proposal as the target")
    save.add_argument("--team-rest", choices=TEAM_REST, default="resplit",
                      help="with --team-target and edited base targets: re-split the rest at equal chance across "
                           "the reps without an edit (default), or keep the shortfall")
    save.add_argument("--final", action="store_true", help="save as final (read-only)")
    save.add_argument("--new-version", action="store_true",
                      help="when the latest version is final, save these targets as the next version")
    save.add_argument("--author", default=None, help="name recorded in the audit log (default: login name)")
    save.set_defaults(func=_save)

    lst = actions.add_parser("list", help="list saved target sets")
    add_db_argument(lst)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)

    show = actions.add_parser("show", help="show one target set")
    add_db_argument(show)
    show.add_argument("name")
    show.add_argument("--version", type=int, default=None)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)

    export = actions.add_parser("export", help="export a target set to .csv, .xlsx or .html")
    add_db_argument(export)
    export.add_argument("name")
    export.add_argument("--version", type=int, default=None)
    export.add_argument("--out", required=True, help="FILE.csv, FILE.xlsx or FILE.html")
    export.set_defaults(func=_export)


def parse_edit(text: str, *, with_reason: bool) -> tuple[str, str, str, str]:
    """``REP[@TIER]=VALUE[:REASON]`` -> ``(rep, tier, value text, reason)``; the tier is base by default.

    The rep is everything before the last ``=`` before the value (names may hold ``@`` only before the tier).

    >>> parse_edit("Ana Lopez=150,000:new territory", with_reason=True)
    ('Ana Lopez', 'base', '150,000', 'new territory')
    >>> parse_edit("Ben@stretch=90000", with_reason=False)
    ('Ben', 'stretch', '90000', '')
    """
    rep, sep, rest = text.rpartition("=")
    if not sep or not rep.strip():
        raise ValueError(f"{text!r}: write REP[@TIER]=VALUE" + (":REASON" if with_reason else ""))
    value, _, reason = rest.partition(":") if with_reason else (rest, "", "")
    rep, tier = rep.strip(), "base"
    if "@" in rep:
        name, _, maybe = rep.rpartition("@")
        if maybe.strip() in TIER_ORDER:
            rep, tier = name.strip(), maybe.strip()
    return rep, tier, value.strip(), reason.strip()


def edits_from_args(args: argparse.Namespace) -> DraftEdits:
    """The ``--override``, ``--proposal`` and ``--accept`` options and ``--team-rest`` as :class:`DraftEdits`.

    A value that is not a number or an override without a reason is refused (``ValueError``); a value
    absurd for the rep is refused later by :func:`analytics.draft_edits.apply_edits`.
    """
    edits = DraftEdits(team_rest=args.team_rest)
    for text in args.override:
        rep, tier, value, reason = parse_edit(text, with_reason=True)
        if not reason:
            raise ValueError(f"an override of {rep}'s {tier} target needs a reason: --override \"{rep}={value}:REASON\"")
        edits = edits.with_override(rep, tier, _number(value, rep, tier), reason)
    for text, accepted in [(t, False) for t in args.proposal] + [(t, True) for t in args.accept]:
        rep, tier, value, _ = parse_edit(text, with_reason=False)
        edits = edits.with_proposal(rep, tier, _number(value, rep, tier), accepted)
    return edits


def _number(text: str, rep: str, tier: str) -> float:
    ok, number, why = validate_target_entry(text)
    if not ok or number is None:
        raise ValueError(f"{rep}'s {tier} target refused: {why}")
    return number


def _author(args: argparse.Namespace) -> str | None:
    if args.author:
        return args.author
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _save(args: argparse.Namespace) -> int:
    from analytics.allocation import chance_from_totals, team_totals
    from analytics.calibration import calibrate
    from analytics.coverage import data_coverage
    from analytics.metric_registry import metric_kind
    from analytics.target_drafts import draft_from_calibration, replan

    try:
        edits = edits_from_args(args)
        if (no_targets := resolve_metric(args.metric).target_refusal) is not None:
            return refuse(no_targets)
    except ValueError as exc:
        return refuse(str(exc))
    conn = store.connect(args.db)
    team_said, out_of_order = None, []
    try:
        grain = args.grain or store.get_setting(conn, "grain") or "quarter"
        cal = calibrate(conn, args.metric, grain, period=args.period)
        coverage, code = data_coverage(conn), store.currency_code(conn)
        draft = draft_from_calibration(cal, args.name, args.tiers, team_target=args.team_target,
                                       allocation=args.allocation, q=args.confidence,
                                       status="final" if args.final else "draft", coverage=coverage,
                                       currency_code=code, funnel=pd.DataFrame() if edits.count else None)  # planned once, below
        if edits.count or args.team_target is not None:       # the page's edits, and the team number's rest
            unknown = sorted({rep for rep, _ in [*edits.overrides, *edits.proposals]}
                             - set(map(str, cal.predictive.reps)))
            if unknown:
                return refuse(f"no active rep named {', '.join(map(repr, unknown))} in {cal.period.label}")
            edited = apply_edits(draft, edits, cal.predictive, rep_rows=cal.summary)
            if edited.problems:
                return refuse("; ".join(edited.problems.values()))
            draft = edited.draft
            if edits.count:     # the activity plan follows the edited base targets
                draft = replan(draft, cal.funnel(), cal.period, q=args.confidence, coverage=coverage).draft
            kind, symbol = metric_kind(cal.metric), formatting.currency_symbol(code)
            if edited.team is not None:
                team_said = team_total_words(edited.team, lambda v: formatting.value(v, kind, symbol)).text
            out_of_order = [f"tiers out of order: {p}" for p in tier_order_problems(draft.rows, kind, symbol)]
            out_of_order += [f"target far below the model: {p}" for p in unit_slip_problems(draft.rows, kind, symbol)]
        additive = resolve_metric(cal.metric).additive     # (an average deal size has no team total)
        if team_said is None and additive and "base" in set(draft.rows["tier"]):   # how often the team reaches its base total
            kind, symbol = metric_kind(cal.metric), formatting.currency_symbol(code)
            base_total = float(draft.rows.loc[draft.rows["tier"] == "base", "target"].sum())
            team_said = base_total_chance_words(base_total, chance_from_totals(team_totals(cal.predictive), base_total),
                                                lambda v: formatting.value(v, kind, symbol))
        if code:      # exports and the CLI write the set's money in it
            draft.assumptions.setdefault("currency", code)
        author = _author(args)
        expected = None
        try:
            latest = load_target_set(conn, args.name)
        except LookupError:
            latest = None
        if latest is not None and latest.is_final:
            if not args.new_version:
                return refuse(f"target set {latest.label} is final and read-only; pass --new-version to save "
                               f"these targets as version {latest.version + 1}")
            latest = new_version(conn, latest.set_id, author=author, note="new version from the command line")
        if latest is not None:
            draft.set_id, expected = latest.set_id, latest.revision
        saved = save_target_set(conn, draft, expected_revision=expected, author=author,
                                note="saved from the command line")
    except (TargetSetError, ValueError, LookupError) as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    print(f"saved target set {saved.label} ({saved.status}, revision {saved.revision}): "
          f"{saved.rows['rep'].nunique()} reps x {', '.join(saved.tiers)}; method {saved.method}")
    if edits.count:
        print(f"  {formatting.quantity(edits.count, 'edited target')}")
    if team_said:
        print(f"  {team_said}")
    for problem in out_of_order:
        print(f"  note: {problem}")
    for warning in saved.assumptions.get("warnings", []):
        print(f"  note: {warning}")
    return 0


def _list(args: argparse.Namespace) -> int:
    conn = store.connect(args.db)
    try:
        sets = list_target_sets(conn)
        # A team number is written in its set's currency, which the set's assumptions record.
        team_numbers = {r.set_id: amount_text(load_target_set(conn, r.set_id), r.team_target)
                        for r in sets.itertuples() if pd.notna(r.team_target)}
    finally:
        conn.close()
    if args.json:
        print(json.dumps(json_records(sets), indent=2, default=str))
        return 0
    if sets.empty:
        print("no saved target sets")
        return 0
    for r in sets.itertuples():
        team = f", team target {team_numbers[r.set_id]}" if r.set_id in team_numbers else ""
        print(f"{r.name!s:<28} v{r.version:<3} {r.status:<6} {r.period:<10} {r.metric:<10} {r.method:<13} "
              f"{r.n_reps:>4} reps{team}  (revision {r.revision}, {r.updated_at:%Y-%m-%d %H:%M})")
    return 0


def _load(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> SavedTargetSet:
    return load_target_set(conn, resolve_set_id(conn, args.name, args.version))


def _show(args: argparse.Namespace) -> int:
    conn = store.connect(args.db)
    try:
        saved = _load(conn, args)
    except LookupError as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    if args.json:
        header = {"set_id": saved.set_id, "name": saved.name, "version": saved.version, "status": saved.status,
                  "period": saved.period, "grain": saved.grain, "metric": saved.metric, "tiers": saved.tiers,
                  "method": saved.method, "team_target": saved.team_target, "team_rest": saved.team_rest,
                  "revision": saved.revision,
                  "updated_by": saved.updated_by, "assumptions": saved.assumptions,
                  "updated_at": saved.updated_at.isoformat(), "rows": json_records(saved.rows),
                  "activity_rows": json_records(saved.activity_rows)}
        print(json.dumps(header, indent=2, default=str))
        return 0
    team = f", team target {amount_text(saved, saved.team_target)}" if saved.team_target else ""
    team += {"resplit": " (rest re-split after edits)", "shortfall": " (shortfall kept)"}.get(saved.team_rest or "", "")
    print(f"{saved.label} — {saved.status}, {saved.metric} for {saved.period} ({saved.grain}), "
          f"method {saved.method}{team}, revision {saved.revision}")
    wide = tiers_wide(saved.rows)
    for rep, r in wide.iterrows():
        cells = [f"{t} {amount_text(saved, r[t])} ({rate(r[f'{t}_p'])})" for t in saved.tiers if t in wide]
        print(f"  {rep!s:<24} " + "  ".join(cells))
        # a model target held at the rep's smallest meaningful one (analytics.target_floor) says why
        floored = saved.rows[(saved.rows["rep"] == rep) & (saved.rows["source"] == "model")
                             & saved.rows["reason"].notna()]
        for tier, reason in zip(floored["tier"], floored["reason"], strict=True):
            print(f"  {'':<24} {tier}: {reason}")
    if said := team_totals_line(saved):
        print(said)
    return 0


def team_totals_line(saved: SavedTargetSet) -> str | None:
    """The set's total per tier, and the base total against the team number when one was split: what
    ``save`` and the Targets page say (None for a metric that does not add up, as an average deal size).
    """
    if not resolve_metric(saved.metric).additive or saved.rows.empty:
        return None
    totals = saved.rows.groupby("tier")["target"].sum()
    cells = []
    for tier in [t for t in saved.tiers if t in totals.index]:
        cell = f"{tier} {amount_text(saved, float(totals[tier]))}"
        if tier == "base" and saved.team_target:
            gap = float(totals[tier]) - float(saved.team_target)
            cell += (" (= the team number)" if abs(gap) < 0.5 else
                     f" ({amount_text(saved, abs(gap))} {'over' if gap > 0 else 'short of'} the team number)")
        cells.append(cell)
    return "  Team total: " + " · ".join(cells) if cells else None


def _export(args: argparse.Namespace) -> int:
    conn = store.connect(args.db)
    try:
        saved = _load(conn, args)
        path = export_set(saved, args.out)
    except (LookupError, ValueError) as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    print(f"exported {saved.label} to {path}")
    return 0
