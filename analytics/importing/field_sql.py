"""The SQL of each mapped field of a staged file, decided from its profile.

Per column: the date order (proven by the column, else by another date column, else assumed and
said so), the date parse (the text plan's levels, or the reader's own cast: :mod:`analytics.importing.reader_casts`),
the amount parse (decimal point or comma, unit from the option or the header), the checks of each
value, and the file's one currency (more than one is a refusal). The notes say what was decided.

A staged file and its profile come from :mod:`analytics.importing.staging`, which calls this in ``_shape``:

>>> fields = field_sql(stage, "deals", stage.by_field, profile, None, None)   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analytics import quoting
from analytics.importing import (
    amount_columns,
    cell_wrappers,
    currencies,
    date_order_evidence,
    header_text,
    mapping,
    parsing,
    reader_casts,
    wrapped_dates,
)
from analytics.importing.file_profile import FileProfile
from analytics.importing.stage_types import Check, Reading, RefusalError

if TYPE_CHECKING:
    from analytics.importing.stage_types import Stage


def text_value_sql(c: str, wide_spaces: bool) -> str:
    """A text value as stored (:func:`parsing.text_sql`: trimmed, NULL when blank), for a file
    that may hold a space other than ``' '`` (``wide_spaces``, :attr:`csv_source.SourceFile.wide_spaces`)
    or not.

    DuckDB's ``trim`` strips the space separators of Unicode (``' '`` and
    :data:`csv_text.WIDE_SPACES`), decoding every character of the value and copying it (5M values
    of an activity log's rep column, one thread: 0.46 CPU s, against 0.12 for the test below).
    Without a wide space in the file, a value needs it only when it begins or ends with ``' '``; the
    others are only compared with ``''`` (the same result: tests/test_import_text_trim.py). A value
    written as Excel's text wrapper, ``="00123"``, is read as the text it wraps
    (:mod:`analytics.importing.cell_wrappers`): tested only on values beginning with ``=`` (without a
    wide space: 5M values, one thread, 0.198 CPU s against 0.184 without the test) or holding ``="``
    (with one, inside the trim: 0.356 against 0.310; a CASE around the trim cost 0.54).

    >>> print(text_value_sql("c0", True)[:59])
    nullif(trim(CASE WHEN contains(c0, '="') THEN (CASE WHEN (p
    >>> print(text_value_sql("c0", False)[:69])
    (CASE WHEN prefix(c0, ' ') OR suffix(c0, ' ') OR prefix(c0, '=') THEN
    """
    if wide_spaces:
        unwrapped = cell_wrappers.unwrapped_sql(f"trim({c})")
        return f"nullif(trim(CASE WHEN contains({c}, '=\"') THEN {unwrapped} ELSE {c} END), '')"
    return (f"(CASE WHEN prefix({c}, ' ') OR suffix({c}, ' ') OR prefix({c}, '=') THEN "
            f"{cell_wrappers.unwrapped_sql(parsing.text_sql(c))} ELSE nullif({c}, '') END)")


def header_again_check(by_field: mapping.ByField) -> Check:
    """A row whose rep cell is the rep column's header: the header row again, as a report repeats it
    at each page or a file pasted from two exports holds it twice. Rejected before any other check, so
    its reason says so (its 'Amount' is no amount, but that is not why); a roster's would be a rep.

    >>> print(header_again_check({"rep": [("Sales Rep", "c0")]})[0])
    "rep" = 'Sales Rep'
    """
    header, c = by_field["rep"][0]
    return (f"{parsing.q('rep')} = {parsing.lit(header)}", header, c,
            "'the header row again (a report repeats it on each page): not a row of data'")


def _money_evidence(kind: str, by_field: mapping.ByField, prof: FileProfile) -> tuple[set[str], bool]:
    """The currencies a file's amounts and currency column name, and whether its amounts are written with
    decimal commas: where it comes from, for a date column no value of which proves an order."""
    amounts = [c for name, cols in by_field.items() if mapping.FIELD_BY_NAME[kind][name].type == "amount"
               for _h, c in cols]
    tokens = [t for c in amounts for t in prof.column(c).currencies]
    tokens += [code for name, cols in by_field.items() if mapping.FIELD_BY_NAME[kind][name].type == "amount"
               for h, _c in cols if (code := mapping.currency_of_header(h))]
    named = [v for _h, c in by_field.get("currency", []) for v in prof.column(c).labels]
    comma = any(prof.column(c).comma and not prof.column(c).point for c in amounts)
    return currencies.file_currencies(tokens, named), comma


@dataclass
class FieldSQL:
    value: str
    checks: list[Check] = field(default_factory=list)


def field_sql(stage: Stage, kind: str, by_field: mapping.ByField, prof: FileProfile, date_order: str | None,
              unit: float | None, *, planning: bool = False) -> dict[str, FieldSQL]:
    notes = stage.notes
    # Date order: per column, else what another date column of the file proved, else assumed.
    decided = {c: parsing.decide_date_order(prof.column(c).dates, h, date_order, notes)
               for name, cols in by_field.items() if mapping.FIELD_BY_NAME[kind][name].type == "date"
               for h, c in cols}
    proven = [o for o in decided.values() if o]
    orders: dict[str, str] = {}
    stage.orders = orders
    for c, order in decided.items():
        if order:
            orders[c] = order
            continue
        header = next(h for cols in by_field.values() for h, cc in cols if cc == c)
        dots = prof.column(c).dates.dots == prof.column(c).dates.amb
        if proven:
            orders[c] = proven[0]
            notes.append(f"column {header!r}: dates are ambiguous; {parsing.ORDER_NAMES[proven[0]]} "
                         "taken from another date column of the file")
        else:  # (no column proves an order: the dates' shape, else the file's money, says which)
            choice = date_order_evidence.ambiguous_order(
                date_order_evidence.spreads(prof.column(c).spread), *_money_evidence(kind, by_field, prof), dots)
            orders[c] = choice.order
            opposite = "mdy" if choice.order == "dmy" else "dmy"
            notes.append(f"column {header!r}: every date is ambiguous (day and month both 12 or less, e.g. "
                         f"03/04/2024); dates read {parsing.ORDER_NAMES[choice.order]}: {choice.why}. If that is "
                         f"wrong, re-import with date_order='{opposite}' (CLI --date-order {opposite})")
    casting = stage.reading is Reading.ONE_READ_CASTS
    date_types, dateformat = reader_casts.date_casts(stage.sample, by_field, kind, orders) if casting else ({}, None)
    types = dict(date_types)
    amount_tokens: list[str] = []
    column_currencies: list[str] = []
    currency_sources: list[str] = []  # what names the file's currency (a clause), for a refusal to point at
    unit_headers: dict[float, list[str]] = {}
    out: dict[str, FieldSQL] = {}
    for name, cols in by_field.items():
        ftype = mapping.FIELD_BY_NAME[kind][name].type
        if ftype in ("date", "amount") and len(cols) > 1:  # (Won time before Expected close date, Actual
            # Revenue before Est. Revenue, whatever their order)
            cols = header_text.expected_last(cols)
        values: list[str] = []
        checks: list[Check] = []
        for header, c in cols:
            first_check = len(checks)
            if ftype == "date" and c in types:
                v = reader_casts.date_value(c, header, dateformat)
            elif ftype == "date":
                parts = f"{c}_parts"
                formats = prof.column(c).formats.get(orders[c])
                stage.levels.append(parsing.date_levels(c, orders[c], list(formats) if formats else None))
                v = parsing.date_sql(c, parts, orders[c],  # (="2024-03-01" too, last)
                                     wrapped_dates.date_sql(c, orders[c], list(formats) if formats else None))
                checks += [(cond, header, c, why) for cond, why in
                           parsing.date_checks(c, f"{c}_v", parts, orders[c], header)]
            elif ftype == "amount":
                amount_tokens += prof.column(c).currencies
                if any(t.strip() for t in prof.column(c).currencies):
                    currency_sources.append(f"the amounts in column {quoting.quoted(header)} are in")
                if named_in_header := mapping.currency_of_header(header):   # ('Amount (EUR)')
                    amount_tokens.append(named_in_header)
                    currency_sources.append(f"column {quoting.quoted(header)} names")
                header_unit = mapping.unit_of_header(header)
                u = unit or header_unit or 1.0
                if header_unit and not unit:
                    unit_headers.setdefault(header_unit, []).append(header)
                style = parsing.decide_decimal(prof.column(c).comma, prof.column(c).point, header, notes)
                seen = stage.sample.column(c)  # (the sample's values: the whole file's evidence has failed casts only)
                if note := parsing.thousands_point_note(seen.dot3, seen.dot_other, style, header):
                    notes.append(note)
                if casting and style == "point" and reader_casts.amount_cast(stage.sample, c):
                    types[c] = "DOUBLE"
                    v = reader_casts.amount_value(c, header, u)
                else:
                    v = parsing.amount_sql(c, style, u)
                    checks += [(cond, header, c, why) for cond, why in parsing.amount_checks(c, f"{c}_v", header)]
                    if kind == "targets":
                        checks += [(cond, header, c, why) for cond, why in parsing.quota_checks(c, f"{c}_v")]
            elif ftype == "count":
                v = parsing.count_sql(c)
                checks += [(cond, header, c, why) for cond, why in parsing.count_checks(c, f"{c}_v")]
            else:
                v = text_value_sql(c, stage.src.wide_spaces)
                if name in ("deal_id", "activity_id"):
                    checks += [(cond, header, c, why) for cond, why in cell_wrappers.scientific_id_checks(c, header)]
            # (a column the reader typed holds no text, its refused records are read as text; a file
            # with no NUL byte, csv_text's whole-file pass says, has no value to check for one)
            if c not in types and stage.src.nul:
                checks[first_check:first_check] = [(cond, header, value, why)
                                                   for cond, value, why in parsing.nul_checks(c)]
            stage.source_values[c] = v
            values.append(f"{c}_v")
        if name == "currency":
            for header, c in cols:  # (not the header row again: its 'Currency' is no currency)
                named = [cell_wrappers.unwrapped(v) for v in prof.column(c).labels if v.strip() != header]
                column_currencies += named
                if any(v.strip() for v in named):
                    currency_sources.insert(0, f"column {quoting.quoted(header)} says")
        out[name] = FieldSQL(values[0] if len(values) == 1 else f"coalesce({', '.join(values)})", checks)
    if out and "rep" in by_field:  # (first: the header row again is no row of data, whatever else fails on it)
        next(iter(out.values())).checks.insert(0, header_again_check(by_field))
    for mult, headers in unit_headers.items():
        notes.append(f"unit from the column header(s) {', '.join(headers[:3])}{' ...' if len(headers) > 3 else ''}: "
                     f"values multiplied by {mult:g}" + (" (in thousands)" if mult == 1000 else "")
                     + "; pass unit=1 (--unit 1) to keep them as they are")
    if unit and unit != 1:
        notes.append(f"amounts multiplied by {unit:g} (unit option)")
    if kind == "deals" and (other := amount_columns.other_amounts_note(stage.src.headers,
                                                                       [h for h, _ in by_field.get("amount", [])])):
        notes.append(other)  # (Amount beside ARR, Expected Revenue: which one is the amount)
    stored = stage.options.get("stored_currencies")  # (None: no deal stored; (): stored deals name none)
    used = currencies.file_currencies(amount_tokens, column_currencies, currencies.bare_dollar(stored))
    if len(used) > 1 and not planning:  # the refusal lists the whole file's currencies
        raise RefusalError(f"more than one currency in the file ({', '.join(sorted(used))}); "
                           f"split it into one file per currency{_converted_hint(stage, by_field)}")
    stage.currency = next(iter(used), None)
    if stored is not None and kind in ("deals", "targets"):
        _beside_stored(stage, kind, tuple(stored), currency_sources)
    stage.casts = reader_casts.ReaderCasts(types, dateformat if date_types else None)
    return out


def _beside_stored(stage: Stage, kind: str, stored: tuple[str, ...], sources: list[str]) -> None:
    """The file's currency checked against the stored deals' (``stored``): another is refused (quotas
    too: they are compared with those deals' revenue); a deal file naming none takes theirs, stored
    on its rows, so a re-export without its currency column neither blanks nor mixes it; a file naming
    one beside deals that name none is said in a note."""
    if stage.currency is None:
        if kind == "deals" and stored:
            stage.currency = stored[0]  # (the shown one: most deals carry it, stored_currencies' order)
            stage.notes.append(currencies.assumed_currency_note(stored[0]))
        return
    source = sources[0] if sources else "the file is in"
    if why := currencies.stored_currency_refusal(stage.currency, source, stored, kind,
                                                 sample=bool(stage.options.get("stored_are_sample"))):
        raise RefusalError(why)
    if not stored and kind == "deals":
        stage.notes.append(currencies.uncurrenced_stored_note(stage.currency))


# Headers of an amount the CRM converted to one currency (Salesforce 'Amount (converted)', HubSpot
# 'Amount in company currency'): what a file of several currencies can be read in.
_CONVERTED_WORDS = ("converted", "company currency", "home currency", "base currency", "corporate currency",
                    "reporting currency", "default currency")


def _converted_hint(stage: Stage, by_field: mapping.ByField) -> str:
    """For a refusal of several currencies: the file's converted-amount column, if it has one, as the
    other way to read it (mapped as the amount, the currency column ignored)."""
    amount = {h for h, _ in by_field.get("amount", [])}
    words = {h: mapping.normalise_header(h) for h in stage.src.headers if h not in amount}
    converted = [h for h, w in words.items() if any(c in w for c in _CONVERTED_WORDS)
                 and any(a in w for a in ("amount", "value", "revenue", "total"))]
    # Salesforce writes the converted amount's own currency beside it ('Amount (converted) Currency'):
    # that column holds codes, not amounts ('Amount in company currency' is HubSpot's amount itself).
    if not converted:
        return ""
    found = min(converted, key=lambda h: words[h].endswith("converted currency"))  # (the first, not a codes column)
    currency = next((h for h, _ in by_field.get("currency", [])), None)
    ignore = f" and ignore {quoting.quoted(currency)}" if currency else ""
    cli = f"--map '{quoting.shown(found)}=amount'" + (f" --map '{quoting.shown(currency)}=-'" if currency else "")
    return (f"; or take {quoting.quoted(found)}, the CRM's amounts converted to one currency, as the amount{ignore} "
            f"(CLI {cli})")
