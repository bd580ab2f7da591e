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
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from analytics import quoting
from analytics.importing.fields import (  # noqa: F401  (re-exported: the vocabulary is read through mapping)
    ACTIVITY_TYPES,
    CANONICAL_FIELDS,
    FIELD_BY_NAME,
    KINDS,
    MONTH_FIELDS,
    ORDER_OF_LINE,
    PRESETS,
    Field,
)
from analytics.importing.saved_mappings import SavedMapping

if TYPE_CHECKING:  # numpy is loaded where headers are matched: ``imports list`` never needs it
    import numpy as np

# ---- header normalisation, units, months ------------------------------------------------------

_UNIT_PATTERNS = [
    (re.compile(r"\((?:k|000|000s|'000|thousands?|in thousands)\)|\bin thousands\b|_k$|\bk€|\bk\$|"
                r"\((?:k\s*\w{0,3}|\w{3}\s*k)\)", re.I), 1000.0),
    (re.compile(r"\((?:m|mm|mn|millions?|in millions)\)|\bin millions\b|_mm?$", re.I), 1_000_000.0),
]
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")  # a word boundary inside CamelCase
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]


def unit_of_header(header: str) -> float | None:
    """1000 for headers such as ``Jan (k)``, ``Target (000)``, ``quota in thousands``, ``quota_k``."""
    for pattern, multiplier in _UNIT_PATTERNS:
        if pattern.search(header.strip()):
            return multiplier
    return None


def normalise_header(header: str) -> str:
    """A header as synonyms are written: lower case, words apart (``SalesOrderNumber``: ``sales order number``).

    >>> normalise_header("SalesOrderNumber"), normalise_header(" Order No. "), normalise_header("Jan (k)")
    ('sales order number', 'order no', 'jan')
    """
    text = _CAMEL_RE.sub(" ", header.strip().strip("\ufeff")).lower()
    for pattern, _ in _UNIT_PATTERNS:
        text = pattern.sub(" ", text)
    text = re.sub(r"[^0-9a-z%#]+", " ", text)
    return " ".join(text.split())


def month_of_header(header: str) -> int | None:
    """1..12 for month columns: ``M01``, ``Jan``, ``January``, ``Jan (k)``, ``Jan 2026``, ``01``."""
    return month_of_normalised(normalise_header(header))


def month_of_normalised(text: str) -> int | None:
    """:func:`month_of_header` of a header :func:`normalise_header` made already."""
    if m := re.fullmatch(r"m ?(0?[1-9]|1[0-2])", text) or re.fullmatch(r"(0?[1-9]|1[0-2])", text):
        return int(m.group(1))
    word = re.sub(r"\s*\d{2,4}$", "", text)
    for i, name in enumerate(_MONTHS, 1):
        if word in (name, name[:3], "sept" if i == 9 else name):
            return i
    return None


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
    out: dict[str, list[tuple[float, str]]] = {n: [] for n in distinct}
    for i, j in zip(*np.nonzero(best), strict=True):
        out[distinct[i]].append((float(best[i, j]) / 100, syn.fields[j]))
    return out


class _Headers:
    """A file's headers, each normalised once, and their fuzzy matches per kind, computed once
    (detection tries every preset and kind on the same headers)."""

    def __init__(self, headers: list[str]) -> None:
        self.names = headers
        distinct = {h: normalise_header(h) for h in dict.fromkeys(headers)}
        self.norms = [distinct[h] for h in headers]
        self._months: list[int | None] | None = None
        self._similar: dict[str, dict[str, list[tuple[float, str]]]] = {}

    @property
    def months(self) -> list[int | None]:
        if self._months is None:
            distinct = {n: month_of_normalised(n) for n in dict.fromkeys(self.norms)}
            self._months = [distinct[n] for n in self.norms]
        return self._months

    def similar(self, kind: str) -> dict[str, list[tuple[float, str]]]:
        if kind not in self._similar:
            self._similar[kind] = field_similarities(self.norms, kind)
        return self._similar[kind]


# A header that names or describes a record is no id of it, however alike the words ('Opportunity Name'
# is a few letters from 'Opportunity Number'): names repeat ('Renewal 2024' for three customers), and
# taken as the id their deals were summed as one order's lines, or the file refused.
_NOT_AN_ID = frozenset({"name", "title", "subject", "description", "notes", "comment", "comments"})
_ID_FIELDS = frozenset({"deal_id", "activity_id"})


def _may_be(norm: str, field: str) -> bool:
    """Whether a header (normalised) may be fuzzily matched to ``field``.

    >>> _may_be("opportunity name", "deal_id"), _may_be("opportunity nr", "deal_id"), _may_be("deal name", "rep")
    (False, True, True)
    """
    return field not in _ID_FIELDS or _NOT_AN_ID.isdisjoint(norm.split())


def _fuzzy(headers: _Headers, kind: str, taken: dict[str, str]) -> dict[str, str]:
    """Map headers not in ``taken`` to fields not yet used, best match first."""
    used = set(taken.values())
    candidates = []
    similar = headers.similar(kind)
    for i, (h, norm) in enumerate(zip(headers.names, headers.norms, strict=True)):
        if h in taken:
            continue
        if kind == "targets" and (m := headers.months[i]):
            candidates.append((1.0, h, MONTH_FIELDS[m - 1]))
            continue
        candidates.extend((score, h, name) for score, name in similar[norm] if _may_be(norm, name))
    out = dict(taken)
    for _score, h, name in sorted(candidates, key=lambda c: -c[0]):
        if h not in out and name not in used:
            out[h] = name
            used.add(name)
    return out


def missing_required(kind: str, mapping: dict[str, str]) -> list[str]:
    fields = set(mapping.values())
    if kind == "targets":
        missing = [] if "rep" in fields else ["rep"]
        if any(m in fields for m in MONTH_FIELDS):
            return missing + ([] if "year" in fields else ["year"])
        if "target" not in fields:
            missing.append("target")
        if "period" not in fields and "period_start" not in fields:
            missing.append("period")
        return missing
    return [f.name for f in CANONICAL_FIELDS[kind] if f.required and f.name not in fields]


def _score(kind: str, mapping: dict[str, str]) -> float:
    fields = FIELD_BY_NAME[kind]
    got = set(mapping.values())
    months = sum(1 for m in MONTH_FIELDS if m in got)
    score = sum(2.0 if fields[n].required else 1.0 for n in got if n not in MONTH_FIELDS)
    score += 4.0 if months >= 6 else 0.0
    return score - 3.0 * len(missing_required(kind, mapping))


def _preset_mapping(headers: _Headers, name: str) -> tuple[dict[str, str], float]:
    cols = {normalise_header(c): f for c, f in PRESETS[name]["columns"].items()}
    months = PRESETS[name]["kind"] == "targets" and "year" in cols.values()
    mapping = {h: cols[n] for h, n in zip(headers.names, headers.norms, strict=True) if cols.get(n)}
    hits = sum(1 for i, n in enumerate(headers.norms) if n in cols or (months and headers.months[i]))
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
        out = {s: f for s, f in out.items() if f != target or s in overrides}
        out[source] = target
    return {h: out[h] for h in headers if h in out}
