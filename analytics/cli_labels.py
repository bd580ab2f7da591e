"""``python -m analytics labels``: what each label of your CRM counts as, and saying otherwise.

Activity labels ('Sent Email', 'Product Demo') count as an activity type; deal stages ('Closed Won',
'Auftrag erteilt', 'Dead') as won, lost or open. Each stored label is listed with what it counts as and
how many rows carry it. ``--set 'LABEL=VALUE'`` says what one counts as: remembered for later imports,
and the rows already stored are re-counted (the Import page's Activity types and Stage outcomes tabs).

Examples
--------
python -m analytics labels [--kind activities|stages] [--json]
python -m analytics labels --kind stages --set 'Auftrag erteilt=won' --set 'Dead=lost'
python -m analytics labels --kind activities --set 'Product Demo=demo'

Exit codes: 0 done, 2 refused (an unknown label or value, a stage whose deals other columns decided, a won
stage whose deals have no close date), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, NamedTuple

from analytics import quoting, store
from analytics.cli import add_db_argument, json_records, refuse

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("activities", "stages")


class Setting(NamedTuple):
    """One ``--set``: the label as stored and what it is to count as."""

    label: str
    value: str


def register(subparsers: argparse._SubParsersAction) -> None:
    labels = subparsers.add_parser("labels", help="list what activity labels and deal stages count as, and set them",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(labels)
    labels.add_argument("--kind", choices=KINDS, default=None, help="only activity labels or only deal stages")
    labels.add_argument("--set", action="append", default=[], metavar="LABEL=VALUE",
                        help="say what a label counts as (repeat for more; needs --kind): an activity type, or "
                             "won, lost or open for a stage")
    labels.add_argument("--json", action="store_true")
    labels.set_defaults(func=_run)


def _values(kind: str) -> tuple[str, ...]:
    from analytics.importing import mapping, stage_outcomes

    return tuple(mapping.ACTIVITY_TYPES) if kind == "activities" else stage_outcomes.OUTCOMES


def _listing(conn: store.Connection, kind: str) -> pd.DataFrame:
    """The stored labels of ``kind``: label, counts_as, rows, set (by the manager); stages also known (by
    the word lists)."""
    from analytics import importing

    if kind == "stages":
        return importing.stage_labels(conn).rename(columns={"stage": "label", "outcome": "counts_as",
                                                                      "deals": "rows"})
    mapped = set(importing.activity_type_map(conn)["raw_type"])
    found = importing.activity_labels(conn).rename(columns={"raw_type": "label", "type": "counts_as",
                                                             "activities": "rows"})
    return found.assign(set=found["label"].isin(mapped))


def _parsed(kind: str | None, said: list[str], stored: dict[str, set[str]]) -> list[Setting] | str:
    """The ``--set`` arguments checked against the stored labels and the values allowed, or a refusal."""
    if said and kind is None:
        return "--set needs --kind activities or --kind stages"
    settings = []
    for text in said:
        label, eq, value = text.rpartition("=")
        if not eq or not label.strip():
            return f"--set takes 'LABEL=VALUE', not {quoting.quoted(text)}"
        assert kind is not None
        label, value = label.strip(), value.strip().lower()
        if value not in _values(kind):
            what = "an activity type" if kind == "activities" else "a stage's outcome"
            return f"{quoting.quoted(value)} is not {what}: one of {', '.join(_values(kind))}"
        if label not in stored[kind]:
            noun = "activity" if kind == "activities" else "deal"
            known = f" (labels: {quoting.names(sorted(stored[kind]))})" if stored[kind] else ""
            return f"no stored {noun} has the label {quoting.quoted(label)}{known}"
        settings.append(Setting(label, value))
    return settings


def _apply(conn: store.Connection, kind: str, setting: Setting, rows: int) -> str:
    """Set one label; what it did, in words."""
    from analytics import importing

    if kind == "activities":
        importing.set_activity_type(conn, setting.label, setting.value)
        return f"{quoting.quoted(setting.label)} now counts as {setting.value}: {rows} activities re-counted"
    done = importing.set_stage_outcome(conn, setting.label, setting.value)
    return (f"{quoting.quoted(done.stage)} now counts as {done.outcome}: {done.changed} of its {done.deals} "
            "stored deals changed")


def _print(kind: str, listing: pd.DataFrame) -> None:
    noun = "activities" if kind == "activities" else "deals"
    print(f"{'activity labels' if kind == 'activities' else 'deal stages'}: what each counts as "
          f"({', '.join(_values(kind))})")
    if listing.empty:
        print(f"  no {noun} imported yet")
        return
    names = [quoting.quoted(label) for label in listing["label"]]
    width = max(len(n) for n in [*names, "LABEL"])
    as_width = max(len(str(v)) for v in [*listing["counts_as"], "COUNTS AS"])
    print(f"  {'LABEL':<{width}}  {'COUNTS AS':<{as_width}} {noun.upper():>10}")
    for name, r in zip(names, listing.itertuples(), strict=True):
        said = "set by you" if r.set else "" if kind == "activities" or r.known else "not in the word lists"
        print(f"  {name:<{width}}  {r.counts_as:<{as_width}} {r.rows:>10}  {said}".rstrip())


def _run(args: argparse.Namespace) -> int:
    kinds = (args.kind,) if args.kind else KINDS
    conn = store.connect(args.db)
    try:
        listings = {kind: _listing(conn, kind) for kind in kinds}
        settings = _parsed(args.kind, args.set, {k: set(v["label"]) for k, v in listings.items()})
        if isinstance(settings, str):
            return refuse(settings)
        rows = listings[args.kind].set_index("label")["rows"] if settings else None
        for setting in settings:
            assert rows is not None
            try:
                print(_apply(conn, args.kind, setting, int(rows[setting.label])))
            except (LookupError, ValueError) as exc:
                return refuse(str(exc))
        if settings:
            return 0
    finally:
        conn.close()
    if args.json:
        print(json.dumps({kind: json_records(listing) for kind, listing in listings.items()}, indent=2))
        return 0
    for kind in kinds:
        _print(kind, listings[kind])
    return 0
