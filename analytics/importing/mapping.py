"""Which column of a CSV means what: headers normalised, and the kind, preset and mapping detected.

Detection order: a mapping the manager confirmed for the same headers before
(:mod:`analytics.importing.saved_mappings`, read by the caller and handed to :func:`detect`), else the best
CRM preset whose headers are present, else fuzzy matching of each header against the field synonyms
(``rapidfuzz``, once per distinct header). The kinds, canonical fields, synonyms and CRM presets are in
:mod:`analytics.importing.fields` (re-exported here). (Values are read as labels in
:mod:`analytics.importing.labels`.)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from analytics import quoting
from analytics.importing import period_labels
from analytics.importing.fields import (  # noqa: F401  (re-exported: the vocabulary is read through mapping)
    ACTIVITY_TYPES,
    CANONICAL_FIELDS,
    EXACT_REPEAT_FIELDS,
    FIELD_BY_NAME,
    KINDS,
    MANY_COLUMN_FIELDS,
    MONTH_FIELDS,
    ORDER_OF_LINE,
    PERIOD_QUOTA,
    PRESETS,
    Field,
)
from analytics.importing.header_text import (  # noqa: F401  (re-exported: headers are read through mapping)
    PERSON_WORDS,
    currency_of_header,
    month_of_header,
    month_of_normalised,
    normalise_header,
    unit_of_header,
)
from analytics.importing.saved_mappings import SavedMapping

if TYPE_CHECKING:  # numpy is loaded where headers are matched: ``imports list`` never needs it
    import numpy as np

# ---- header normalisation, units, months: analytics/importing/header_text.py ---------------------

# A file's mapping as the import reads it: canonical field -> its columns, each (CSV header, the
# column's name in the import's SQL: c0, c1, ...); a field may take several columns.
ByField = dict[str, list[tuple[str, str]]]


# ---- detection -----------------------------------------------------------------------------------

@dataclass
class Detection:
    kind: str
    preset: str | None
    mapping: dict[str, str]
    score: float
    unmapped: list[str] = field(default_factory=list)
    unit: float | None = None  # the unit confirmed with a remembered mapping (None: as in the file)


FUZZY_MIN = 0.84


class _Synonyms(NamedTuple):
    """A kind's synonyms in one list, grouped by field: ``starts[i]`` is where ``fields[i]``'s begin."""

    texts: list[str]
    fields: list[str]
    starts: np.ndarray


@functools.cache
def _synonyms(kind: str) -> _Synonyms:
    texts: list[str] = []
    fields: list[str] = []
    starts: list[int] = []
    for f in CANONICAL_FIELDS[kind]:
        if f.synonyms:
            starts.append(len(texts))
            fields.append(f.name)
            texts.extend(f.synonyms)
    import numpy as np

    return _Synonyms(texts, fields, np.asarray(starts, dtype=np.intp))


def field_similarities(norms: list[str], kind: str) -> dict[str, list[tuple[float, str]]]:
    """Per distinct normalised header, ``(similarity, field)`` for each field of ``kind`` one of
    whose synonyms it resembles by at least :data:`FUZZY_MIN`, fields in their canonical order.

    The similarity is the normalised Indel similarity (``rapidfuzz.fuzz.ratio`` / 100: twice the
    longest common subsequence over both lengths), computed in C for every header x synonym pair
    at once, and once per distinct header, so a file's headers cost time linear in their count
    (difflib per pair, per preset and per kind took 24 s for 5,000 columns).

    >>> [(round(score, 2), name) for score, name in field_similarities(["closing dte"], "deals")["closing dte"]]
    [(0.96, 'close_date')]
    >>> field_similarities(["closing dte", "notes"], "deals")["notes"]
    []
    """
    import numpy as np
    from rapidfuzz import fuzz, process  # (here: a CLI verb that never matches headers skips its import)

    distinct = list(dict.fromkeys(norms))
    syn = _synonyms(kind)
    if not distinct or not syn.texts:
        return {n: [] for n in distinct}
    cutoff = FUZZY_MIN * 100 - 1e-6  # (float rounding: an exact 84 must pass)
    scores = process.cdist(distinct, syn.texts, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float64,
                           workers=1)
    best = np.maximum.reduceat(scores, syn.starts, axis=1)  # each field's best synonym
    # ... less a millionth for each synonym listed before it: two headers as like one field, the one
    # like its earlier synonym wins (a task export's 'Completed Date/Time' beside its 'Due Date')
    ends = [*syn.starts[1:], len(syn.texts)]
    rank = np.stack([np.argmax(scores[:, a:z], axis=1) for a, z in zip(syn.starts, ends, strict=True)], axis=1)
    out: dict[str, list[tuple[float, str]]] = {n: [] for n in distinct}
    for i, j in zip(*np.nonzero(best), strict=True):
        out[distinct[i]].append((float(best[i, j]) / 100 - SYNONYM_RANK_STEP * float(rank[i, j]), syn.fields[j]))
    for norm, name in _named_after_the_record(distinct, kind, syn).items():
        if all(found != name for _score, found in out[norm]):
            out[norm].append((RECORD_PREFIX_SCORE, name))
    return out


SYNONYM_RANK_STEP = 1e-6
# A deal file's field named after its record ('Opportunity Amount', 'Deal Close Date', 'Opp Currency') is the
# field its other words name exactly: below a header equal to a synonym, above a near one.
RECORD_PREFIX_SCORE = 0.97
_RECORD_PREFIXES = {"deals": ("opportunity", "opp", "deal")}


def _named_after_the_record(norms: list[str], kind: str, syn: _Synonyms) -> dict[str, str]:
    """The field of each header (normalised) that is the record's name before a synonym of that field, exactly.

    Only the deal file's own record: in an activity log a 'Deal ID' is the deal the activity belongs to, never
    the activity's id.

    >>> _named_after_the_record(["opportunity amount", "deal created date", "deal name", "amount"], "deals",
    ...                         _synonyms("deals"))
    {'opportunity amount': 'amount', 'deal created date': 'created_date'}
    """
    prefixes = _RECORD_PREFIXES.get(kind, ())
    ends = [*syn.starts[1:], len(syn.texts)]
    field_of: dict[str, str] = {}
    for start, end, name in zip(syn.starts, ends, syn.fields, strict=True):
        for text in syn.texts[start:end]:
            field_of.setdefault(text, name)   # (a synonym of two fields is the first's, as exact matches rank)
    found = {}
    for norm in norms:
        first, _, rest = norm.partition(" ")
        if first in prefixes and rest in field_of:
            found[norm] = field_of[rest]
    return found


class _Headers:
    """A file's headers, each normalised once, and their fuzzy matches per kind, computed once
    (detection tries every preset and kind on the same headers)."""

    def __init__(self, headers: list[str]) -> None:
        self.names = headers
        distinct = {h: normalise_header(h) for h in dict.fromkeys(headers)}
        self.norms = [distinct[h] for h in headers]
        self._months: list[int | None] | None = None
        self._periods: list[period_labels.HeaderPeriod | None] | None = None
        self._similar: dict[str, dict[str, list[tuple[float, str]]]] = {}

    @property
    def months(self) -> list[int | None]:
        if self._months is None:
            distinct = {n: month_of_normalised(n) for n in dict.fromkeys(self.norms)}
            self._months = [distinct[n] for n in self.norms]
        return self._months

    @property
    def periods(self) -> list[period_labels.HeaderPeriod | None]:
        """The period each header names (a calendar year: detection does not know the fiscal one)."""
        if self._periods is None:
            self._periods = [period_labels.header_period(h, 1) for h in self.names]
        return self._periods

    def quota_field(self, i: int) -> str | None:
        """The field of header ``i`` when it names a period: a month without a year (Jan, M01) is that
        month's column beside a year; any other period (Q1 2024, Jan-24, Q1) a :data:`PERIOD_QUOTA`."""
        period, month = self.periods[i], self.months[i]
        if period is not None and (period.days is not None or not month):
            return PERIOD_QUOTA
        return MONTH_FIELDS[month - 1] if month else None

    def similar(self, kind: str) -> dict[str, list[tuple[float, str]]]:
        if kind not in self._similar:
            self._similar[kind] = field_similarities(self.norms, kind)
        return self._similar[kind]


# A header that names or describes a record is no id of it, however alike the words ('Opportunity Name'
# is a few letters from 'Opportunity Number'): names repeat ('Renewal 2024' for three customers), and
# taken as the id their deals were summed as one order's lines, or the file refused.
_NOT_AN_ID = frozenset({"name", "title", "subject", "description", "notes", "comment", "comments"})
_ID_FIELDS = frozenset({"deal_id", "activity_id"})


# Nor is a header naming a customer's or a deal's record a person ('Opportunity Name' is a few letters
# from 'Owner Name'): taken as the rep, a file without an owner column had every deal sold by a rep
# named after it, without a word; such a file must say it has no rep column instead.
_RECORDS = frozenset({"opportunity", "opp", "deal", "account", "company", "customer", "client", "lead", "contact",
                      "product", "project", "organization", "organisation", "org", "campaign", "order", "subject"})
_PERSON_FIELDS = frozenset({"rep", "manager"})


def _may_be(norm: str, field: str) -> bool:
    """Whether a header (normalised) may be fuzzily matched to ``field``.

    >>> _may_be("opportunity name", "deal_id"), _may_be("opportunity nr", "deal_id"), _may_be("owner nm", "rep")
    (False, True, True)
    >>> _may_be("opportunity name", "rep"), _may_be("account owner name", "rep")
    (False, True)
    """
    words = set(norm.split())
    if field in _PERSON_FIELDS and words & _RECORDS and words & _NOT_AN_ID and not words & PERSON_WORDS:
        return False
    return field not in _ID_FIELDS or _NOT_AN_ID.isdisjoint(words)


_EXACT = 1 - 1e-3
"""A score above this is a header equal to a synonym (less :data:`SYNONYM_RANK_STEP` per synonym before it)."""
# Fields a header must name exactly: an attendee column makes rows of one start one activity
# (attendee_rows), and 'Participants' (one activity's people in one cell) is a letter from 'Participant'.
_EXACT_ONLY = frozenset({("activities", "attendee")})


def _fuzzy(headers: _Headers, kind: str, taken: dict[str, str]) -> dict[str, str]:
    """Map headers not in ``taken`` to fields not yet used, best match first."""
    used = set(taken.values())
    candidates = []
    similar = headers.similar(kind)
    quota_header = _long_form_quota(headers, taken) if kind == "targets" else None
    for i, (h, norm) in enumerate(zip(headers.names, headers.norms, strict=True)):
        if h in taken:
            continue
        if h == quota_header:
            candidates.append((1.0, h, "target"))
            continue
        if kind == "targets" and (period_field := headers.quota_field(i)):
            candidates.append((1.0, h, period_field))
            continue
        candidates.extend((score, h, name) for score, name in similar[norm] if _may_be(norm, name)
                          and (score > _EXACT or (kind, name) not in _EXACT_ONLY))
    out = dict(taken)
    for score, h, name in sorted(candidates, key=lambda c: -c[0]):
        if h not in out and (name not in used or name in MANY_COLUMN_FIELDS  # (one field, every period column)
                             or ((kind, name) in EXACT_REPEAT_FIELDS and score > _EXACT)):
            out[h] = name
            used.add(name)
    return _year_as_period(out) if kind == "targets" else out


def _year_as_period(mapping: dict[str, str]) -> dict[str, str]:
    """A quota file of a year column and a quota column and nothing else naming a period (Rep, Year,
    Quota: a year's quota per row): the year is each row's period, a (fiscal) year. Read as a year
    beside nothing, the file failed its period and was taken for a roster, whose rows then wrote over
    the stored reps' teams and start dates.

    >>> _year_as_period({"Rep": "rep", "Year": "year", "Quota": "target"})
    {'Rep': 'rep', 'Year': 'period', 'Quota': 'target'}
    >>> _year_as_period({"Rep": "rep", "Year": "year", "Quarter": "period", "Quota": "target"})["Year"]
    'year'
    """
    fields = set(mapping.values())
    if "year" not in fields or "target" not in fields or fields & {"period", "period_start", PERIOD_QUOTA, *MONTH_FIELDS}:
        return mapping
    return {h: "period" if f == "year" else f for h, f in mapping.items()}


def missing_required(kind: str, mapping: dict[str, str]) -> list[str]:
    fields = set(mapping.values())
    if kind == "targets":
        missing = [] if "rep" in fields else ["rep"]
        if any(m in fields for m in MONTH_FIELDS) or PERIOD_QUOTA in fields:
            return missing + ([] if "year" in fields or not _yearless_columns(mapping) else ["year"])
        if "target" not in fields:
            missing.append("target")
        if "period" not in fields and "period_start" not in fields:
            missing.append("period")
        return missing
    return [f.name for f in CANONICAL_FIELDS[kind] if f.required and f.name not in fields]


def _yearless_columns(mapping: dict[str, str]) -> bool:
    """Whether a quota sheet's period columns need a year column: months (Jan, M01) or quarters (Q1)
    written without their year."""
    return any(f in MONTH_FIELDS or (f == PERIOD_QUOTA and (p := period_labels.header_period(h, 1)) is not None
                                     and p.days is None) for h, f in mapping.items())


def _score(kind: str, mapping: dict[str, str]) -> float:
    fields = FIELD_BY_NAME[kind]
    got = set(mapping.values())
    months = sum(1 for m in MONTH_FIELDS if m in got)
    periods = sum(1 for f in mapping.values() if f == PERIOD_QUOTA)
    score = sum(2.0 if fields[n].required else 1.0 for n in got if n not in MONTH_FIELDS and n != PERIOD_QUOTA)
    score += 4.0 if months >= 6 or periods >= 2 or months + periods >= 6 else 0.0
    return score - 3.0 * len(missing_required(kind, mapping))


def _preset_mapping(headers: _Headers, name: str) -> tuple[dict[str, str], float]:
    cols = {normalise_header(c): f for c, f in PRESETS[name]["columns"].items()}
    months = PRESETS[name]["kind"] == "targets" and "year" in cols.values()
    mapping = {h: cols[n] for h, n in zip(headers.names, headers.norms, strict=True) if cols.get(n)}
    hits = sum(1 for i, n in enumerate(headers.norms) if n in cols or (months and headers.quota_field(i)))
    return mapping, hits / max(len(headers.names), 1)


def detect(headers: list[str], saved: SavedMapping | None = None, *, kind: str | None = None,
           preset: str | None = None) -> Detection:
    """Kind, preset and ``{source column: canonical field}`` for a file's headers: the ``saved``
    mapping confirmed for them (``saved_mappings.load_saved_mapping``, read by the caller) unless a
    preset or another kind is asked for, else detected from the headers alone.

    >>> saved = SavedMapping("deals", {"Who": "rep", "Gone": "amount"}, 1000.0)
    >>> det = detect(["Who", "When"], saved)
    >>> det.preset, det.mapping, det.unmapped, det.unit, detect(["Who"], saved, kind="reps").preset
    ('saved', {'Who': 'rep'}, ['When'], 1000.0, None)
    """
    if saved is not None and preset is None and (kind is None or saved.kind == kind):
        present = set(headers)
        mapping = {h: f for h, f in saved.mapping.items() if h in present}
        return Detection(saved.kind, "saved", mapping, 1.0, [h for h in headers if h not in mapping],
                         saved.unit)
    best: Detection | None = None
    names = [preset] if preset else list(PRESETS)
    file_headers = _Headers(headers)
    for name in names:
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        pkind = PRESETS[name]["kind"]
        if kind and pkind != kind:
            continue
        taken, share = _preset_mapping(file_headers, name)
        mapping = _fuzzy(file_headers, pkind, taken)
        if not preset and (share < 0.5 or missing_required(pkind, mapping)):
            continue
        score = _score(pkind, mapping) + 2.0 * share
        if best is None or score > best.score:
            best = Detection(pkind, name, mapping, score)
    if best is None:
        best = max((_fuzzy_detection(file_headers, k) for k in ([kind] if kind else KINDS)), key=lambda d: d.score)
    best.unmapped = [h for h in headers if h not in best.mapping]
    return best


def _long_form_quota(headers: _Headers, taken: dict[str, str]) -> str | None:
    """The one header naming a period ('2024 Target', 'FY2024 Quota') of a quota file whose rows carry
    their own period (a Period, Quarter or Month column, or a start date): the long form's quota
    column, not a sheet of one period column. Read as a sheet, its rows' quarterly quotas were one
    year's, and all but a rep's last row rejected as repeats. None when the file is not so.

    >>> _long_form_quota(_Headers(["Sales Rep", "Quarter", "2024 Target"]), {})
    '2024 Target'
    >>> _long_form_quota(_Headers(["Sales Rep", "Q1 2024", "Q2 2024"]), {}) is None
    True
    """
    named = [h for i, h in enumerate(headers.names) if h not in taken and headers.quota_field(i) == PERIOD_QUOTA]
    if len(named) != 1:
        return None
    similar = headers.similar("targets")
    rows_period = any(score >= LONG_FORM_PERIOD_SCORE and name in ("period", "period_start")
                      for h, norm in zip(headers.names, headers.norms, strict=True) if h != named[0]
                      for score, name in similar[norm])
    return named[0] if rows_period else None


LONG_FORM_PERIOD_SCORE = 0.95   # a column the rows' periods are in: a synonym of period or its start, near exactly


def _fuzzy_detection(headers: _Headers, kind: str) -> Detection:
    mapping = _fuzzy(headers, kind, {})
    return Detection(kind, None, mapping, _score(kind, mapping))


def apply_overrides(headers: list[str], mapping: dict[str, str], overrides: dict[str, str] | None,
                    kind: str) -> dict[str, str]:
    """Caller's ``{source: field}`` wins; a field given to a new source is taken from the old one."""
    out = dict(mapping)
    overrides = overrides or {}
    for source, target in overrides.items():
        if source not in headers:
            raise ValueError(f"--map: no column {quoting.quoted(source)} in the file (columns: {quoting.names(headers)})")
        if target in (None, "", "-", "ignore"):
            out.pop(source, None)
            continue
        if target not in FIELD_BY_NAME[kind]:
            raise ValueError(f"--map: {target!r} is not a {kind} field "
                             f"({', '.join(f.name for f in CANONICAL_FIELDS[kind] if f.synonyms)})")
        if target not in MANY_COLUMN_FIELDS:  # (a period's or a type's column keeps the others of its field)
            out = {s: f for s, f in out.items() if f != target or s in overrides}
        out[source] = target
    return {h: out[h] for h in headers if h in out}
