"""CRM labels read as canonical values: deal stages as won/lost/open, activity labels as
call/email/meeting/demo/proposal/other. A new language's closed stages are one more entry in
:data:`CLOSED_STAGE_WORDS`, a new stage word one more in :data:`WON`, :data:`LOST` or :data:`OPEN` (compared
without case, accents, spaces or punctuation, after a pipeline number such as '7 - '); a new activity word
one more entry in ``_TYPE_WORDS``.

>>> normalise_outcome("Closed Won"), normalise_outcome("Stage 9")
(NormalisedLabel(value='won', known=True), NormalisedLabel(value='open', known=False))
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import NamedTuple


def _key(label: str) -> str:
    """The label without case, accents, spaces or punctuation: 'Gagné' and 'gagne' are one word."""
    folded = unicodedata.normalize("NFKD", str(label).lower())
    return re.sub(r"[^0-9a-z]", "", "".join(ch for ch in folded if not unicodedata.combining(ch)))


label_key = _key
"""A label as the word lists here compare it (for the lists of other modules: email_events)."""


class ClosedStageWords(NamedTuple):
    """One language's spellings of a closed deal's stages: its words for "closed", for the outcome, and
    the word a stage may set between them ('Geschlossen und gewonnen', 'Fechado e ganho'). A stage is the
    outcome word alone ('Gewonnen'), or closed, join and outcome in that order, compared as :func:`_key`
    compares them ('Fermée - Gagnée' is 'fermeegagnee')."""

    closed: tuple[str, ...]
    joins: tuple[str, ...]
    won: tuple[str, ...]
    lost: tuple[str, ...]


# CRMs set up in other languages write their closed stages in them: one entry per language.
CLOSED_STAGE_WORDS = {
    "en": ClosedStageWords(("closed",), ("", "and"), ("won", "win"), ("lost", "loss")),
    "de": ClosedStageWords(("geschlossen", "abgeschlossen"), ("", "und"), ("gewonnen",), ("verloren",)),
    "nl": ClosedStageWords(("gesloten", "afgesloten"), ("", "en"), ("gewonnen",), ("verloren",)),
    "fr": ClosedStageWords(("ferme", "fermee", "clos", "close", "cloture", "cloturee"), ("", "et"),
                           ("gagne", "gagnee"), ("perdu", "perdue")),
    "es": ClosedStageWords(("cerrado", "cerrada"), ("", "y"), ("ganado", "ganada"), ("perdido", "perdida")),
    "pt": ClosedStageWords(("fechado", "fechada"), ("", "e"), ("ganho", "ganha"), ("perdido", "perdida")),
    "it": ClosedStageWords(("chiuso", "chiusa"), ("", "e"), ("vinto", "vinta"), ("perso", "persa")),
    "sv": ClosedStageWords(("stangd", "stangt"), ("", "och"), ("vunnen", "vunnet"), ("forlorad", "forlorat")),
}


def _closed_stage_keys(outcome: str) -> set[str]:
    """Every key :data:`CLOSED_STAGE_WORDS` spells ``outcome`` ('won' or 'lost') with."""
    keys: set[str] = set()
    for words in CLOSED_STAGE_WORDS.values():
        said = getattr(words, outcome)
        keys |= {*said, *(c + j + w for c in words.closed for j in words.joins for w in said)}
    return keys


# Stages that are no "closed won/lost" phrase: CRMs' own words and report exports' (Salesforce's
# 'Closed Lost to Competition', a pipeline's 'Contract Signed', an invoice export's Status 'Paid').
WON = {"booked", "signed", "contractsigned", "dealwon", "paid", *_closed_stage_keys("won")}
LOST = {"canceled", "cancelled", "outsold", "closedlosttocompetition", "losttocompetition", "losttocompetitor",
        "disqualified", "dead", "nodecision", "abandoned", *_closed_stage_keys("lost")}   # (Copper's Abandoned)
# 'Won - signed', 'Lost: no budget', 'Won (renewal)': the outcome, then a reason after a separator.
_OUTCOME_FIRST = re.compile(r"^\s*(won|lost)\s*[-–—:(/]", re.IGNORECASE)
# A stage numbered in its pipeline ('7 - Closed Won', 'Stage 7: Closed Won', '07. Closed Lost', '100% Won'):
# the number says where the stage sits, its words what it is.
_STAGE_NUMBER = re.compile(r"^\s*(?:(?:stage|step|phase|stufe|fase|etapa|etape|étape)\s*)?\d{1,3}\s*%?\s*"
                           r"(?:[-–—:.)/]\s*|\s+|(?=[^\W\d_]))(?=\S)", re.IGNORECASE)
# Words saying a closed-won stage is not final yet ('Closed Won - Pending Approval', 'Won, awaiting
# signature'): such a deal may still fall through, so it is not read as won. It stays unknown (counted
# open and named in the notes), for the manager to decide.
_NOT_FINAL = re.compile(r"pending|awaiting|approval|tentative|unconfirmed|notyet|tobeconfirmed")
OPEN = {"prospecting", "qualification", "needsanalysis", "valueproposition", "iddecisionmakers",
        "identifydecisionmakers", "perceptionanalysis", "proposalpricequote", "negotiationreview",
        "engaging", "appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
        "decisionmakerboughtin", "contractsent", "open", "inprogress", "onhold", "proposal", "negotiation",
        "discovery", "demo", "demoscheduled", "new", "lead", "leadin", "qualified", "closing", "commit",
        "pipeline", "bestcase", "upside", "contactmade", "proposalmade", "negotiationsstarted",
        "develop", "propose", "close", "qualify", "solution", "evaluation", "quote", "quoted"}


class NormalisedLabel(NamedTuple):
    """A raw CRM label read as a canonical value; ``known`` is False when the value is a fallback."""

    value: str
    known: bool


def _without_stage_number(label: str) -> str:
    """The label without its pipeline number ('7 - Closed Won' -> 'Closed Won'); a label that is only
    a number ('Stage 9') stays whole."""
    return _STAGE_NUMBER.sub("", label, count=1)


def normalise_outcome(label: str | None, overrides: Mapping[str, str] | None = None) -> NormalisedLabel:
    """(won | lost | open, known). Unknown labels count as open; the caller lists them in the notes.
    The manager's ``stage_outcome_map`` (``overrides``, by the label as stored: trimmed) wins.

    >>> [normalise_outcome(s).value for s in ("7 - Closed Won", "Geschlossen und verloren", "Fechado e ganho")]
    ['won', 'lost', 'won']
    >>> normalise_outcome("Closed Won - Pending Approval")
    NormalisedLabel(value='open', known=False)
    >>> normalise_outcome(" Auftrag erteilt ", {"Auftrag erteilt": "won"})
    NormalisedLabel(value='won', known=True)
    """
    if label is None or not str(label).strip():
        return NormalisedLabel("open", True)
    if overrides and (said := overrides.get(str(label).strip())):
        return NormalisedLabel(said, True)
    text = _without_stage_number(str(label))
    k = _key(text)
    first = _OUTCOME_FIRST.match(text)
    if k in WON or k.startswith("closedwon") or (first and first[1].lower() == "won"):
        return NormalisedLabel("open", False) if _NOT_FINAL.search(k) else NormalisedLabel("won", True)
    if k in LOST or k.startswith("closedlost") or (first and first[1].lower() == "lost"):
        return NormalisedLabel("lost", True)
    return NormalisedLabel("open", k in OPEN)


# A roster's active or status column: words for "still here" and for "gone". Yes/no words answer the
# column's own question, so in an "inactive" column (Deactivated = Yes) they mean the opposite.
_ANSWER_YES = {"yes", "y", "true", "t", "1", "x", "ja", "oui", "si", "sim"}
_ANSWER_NO = {"no", "n", "false", "f", "0", "nein", "non", "nao"}
_STILL_HERE = {"active", "current", "employed", "enabled", "activated", "fulltime", "parttime", "aktiv", "actif",
               "activo", "ativo", "attivo"}
_GONE = {"inactive", "terminated", "left", "former", "departed", "deactivated", "disabled", "resigned",
         "retired", "exited", "archived", "offboarded", "ausgeschieden", "inaktiv", "inactif", "inactivo",
         "inativo", "inattivo"}


def answer(label: str | None) -> bool | None:
    """A yes/no cell (Yes, TRUE, 1, x; No, FALSE, 0) as True or False; None when blank or neither.

    >>> answer("TRUE"), answer("0"), answer(" "), answer("maybe")
    (True, False, None, None)
    """
    k = _key(label) if label is not None else ""
    return True if k in _ANSWER_YES else False if k in _ANSWER_NO else None


def normalise_active(label: str | None, *, inverted: bool = False) -> bool | None:
    """Whether a roster's active or status cell says the rep is still here: True, False, or None when
    it says neither ('On leave', blank). ``inverted``: the column asks "inactive?" (Deactivated, Terminated).

    >>> normalise_active("Yes"), normalise_active("Inactive"), normalise_active("Yes", inverted=True)
    (True, False, False)
    >>> normalise_active("On leave") is None, normalise_active("Active", inverted=True)
    (True, True)
    """
    if label is None or not str(label).strip():
        return None
    k = _key(label)
    if k in _STILL_HERE:
        return True
    if k in _GONE:
        return False
    if k in _ANSWER_YES | _ANSWER_NO:
        return (k in _ANSWER_YES) != inverted
    return None


# What a spreadsheet or report writes in the name column of its total row (Excel's pivot tables in
# several languages too): a row of the others' sum, never a rep.
_TOTAL_WORDS = ("total", "totals", "grand total", "grand totals", "subtotal", "sub-total", "sub total", "sum",
                "team total", "all reps", "overall", "summe", "gesamt", "gesamtergebnis", "totaal", "eindtotaal",
                "totale", "totale complessivo", "total general", "total général", "totalt", "summa")


# What an export writes in the owner column of a row nobody owns: a blank by another name.
_NO_OWNER_WORDS = ("-", "--", "n/a", "#n/a", "none", "(none)", "null", "(null)", "(blank)", "unassigned",
                   "(unassigned)", "not assigned", "no owner", "(no owner)", "nobody", "?", "tbd")


def _pattern(words: tuple[str, ...]) -> str:
    """A case-insensitive pattern matching any of ``words`` whole (RE2 syntax, which DuckDB's
    ``regexp_full_match`` and Python's ``re.fullmatch`` read alike)."""
    return "(?i)(?:" + "|".join(re.escape(w) for w in words) + ")"


# A subtotal row names its group beside the word: 'Ann Lee Total' (Excel's pivot tables and grouped
# reports), 'Total East', 'Subtotal: West', 'Ann Lee Ergebnis' (German Excel), 'Totaal Noord'. Only these
# words, each a word of its own: 'Sum' and 'Overall' may be part of a name, 'Totalis' is one.
_SUBTOTAL_WORDS = ("total", "totals", "subtotal", "sub-total", "sub total", "grand total", "ergebnis",
                   "gesamtergebnis", "summe", "totaal", "totale", "totalt")
_BESIDE = r"[\s:–—-]"  # what parts a name from its total word


def _subtotal_pattern(words: tuple[str, ...]) -> str:
    """A name holding one of ``words`` as a word of its own, before or after the group it totals."""
    word = "(?:" + "|".join(re.escape(w) for w in words) + ")"
    return f"(?:.*{_BESIDE}{word}|{word}{_BESIDE}.*)"


TOTAL_ROW_PATTERN = _pattern(_TOTAL_WORDS)[:-1] + "|" + _subtotal_pattern(_SUBTOTAL_WORDS) + ")"
"""The rep name of a total or subtotal row, in any case.

>>> [bool(re.fullmatch(TOTAL_ROW_PATTERN, n)) for n in ("Total", "GRAND TOTAL", "Gesamtergebnis", "Ann Lee Total",
...                                                    "Total: East", "Ann Totalis", "Summer Lee")]
[True, True, True, True, True, False, False]
"""

NO_OWNER_PATTERN = _pattern(_NO_OWNER_WORDS)
"""A rep name that says nobody owns the row, in any case.

>>> [bool(re.fullmatch(NO_OWNER_PATTERN, n)) for n in ("Unassigned", "#N/A", "-", "none", "Nona Lee")]
[True, True, True, True, False]
"""

# A team's row: 'West Team', 'Team East', 'Team: North', 'Inside Sales Team' (a quota sheet's team line, a
# deal owned by a queue). The word beside a name, as a total's: no person is called it.
TEAM_ROW_PATTERN = "(?i)" + _subtotal_pattern(("team",))
"""The rep name of a team's row, in any case.

>>> [bool(re.fullmatch(TEAM_ROW_PATTERN, n)) for n in ("West Team", "Team: East", "inside sales team", "Teamer Lee",
...                                                   "Ann Steam", "Team")]
[True, True, True, False, False, False]
"""

NOT_A_REP_PATTERN = (_pattern(_NO_OWNER_WORDS)[:-1] + "|" + TOTAL_ROW_PATTERN.removeprefix("(?i)") + "|"
                     + TEAM_ROW_PATTERN.removeprefix("(?i)") + ")")
"""Any of them: a name in the rep column that is not a rep."""


# An activity log's status column: done, or only planned or given up (Salesforce's task statuses,
# HubSpot's task status and meeting outcome).
_DONE = {"completed", "complete", "done", "held", "logged", "closed", "finished", "attended", "made", "sent",
         "connected", "occurred", "erledigt", "termine", "realizado", "completado",
         "answered", "voicemail"}   # (a call tool's: the call was made, or a message left)
_NOT_DONE = {"notstarted", "open", "inprogress", "deferred", "waiting", "waitingonsomeoneelse", "scheduled",
             "planned", "cancelled", "canceled", "noshow", "rescheduled", "pending", "overdue", "todo", "new",
             "notheld", "notcompleted", "incomplete", "missed", "didnotoccur", "didnothappen",  # (Salesforce events: Not Held)
             "abandoned", "unanswered",
             "offen", "geplant", "abgesagt", "pendiente", "cancelado"}


def activity_done(label: str | None) -> bool | None:
    """Whether an activity log's status says the activity happened: True (Completed, Held), False
    (Not Started, Scheduled, No Show, Canceled), None when it says neither; a blank status is done (an
    event's row, which has none).

    >>> activity_done("Completed"), activity_done("Not Started"), activity_done("No-show"), activity_done("")
    (True, False, False, True)
    """
    if label is None or not str(label).strip():
        return True
    k = _key(label)
    return True if k in _DONE else False if k in _NOT_DONE else None


_TYPE_WORDS = {
    "call": {"call", "calls", "phonecall", "phone", "outboundcall", "inboundcall", "coldcall", "logacall",
             "dial", "dials", "callmade", "connectedcall"},
    "email": {"email", "emails", "email sent", "emailsent", "sentemail", "mail", "outboundemail", "inmail"},
    "meeting": {"meeting", "meetings", "mtg", "appointment", "visit", "inpersonmeeting", "videocall",
                "onsite", "event", "lunch"},
    "demo": {"demo", "demos", "productdemo", "demonstration", "presentation", "webinar"},
    "proposal": {"proposal", "proposals", "quote", "quotes", "quotesent", "proposalsent", "offer", "rfp"},
    "other": {"other", "task", "todo", "note", "linkedin", "social"},
}
_TYPE_STEMS = [("demo", "demo"), ("propos", "proposal"), ("quote", "proposal"), ("meet", "meeting"),
               ("mail", "email"), ("call", "call"), ("phone", "call")]


_HEADER_TYPE_WORDS = {"call": "call", "calls": "call", "meeting": "meeting", "meetings": "meeting",
                      "email": "email", "emails": "email", "demo": "demo", "demos": "demo"}


def activity_type_of_headers(headers: list[str] | tuple[str, ...]) -> str | None:
    """The one activity type an export of a single type names in its headers (HubSpot's calls export:
    'Call outcome', 'Call title', 'Call duration'; its meetings export: 'Meeting outcome'), or None when
    the headers name none or several.

    >>> activity_type_of_headers(["Activity date", "Activity assigned to", "Call outcome", "Call title"])
    'call'
    >>> activity_type_of_headers(["Date", "Owner", "Call outcome", "Meeting outcome"]) is None
    True
    """
    found = {_HEADER_TYPE_WORDS[w] for h in headers for w in re.findall(r"[a-z]+", str(h).lower())
             if w in _HEADER_TYPE_WORDS}
    return found.pop() if len(found) == 1 else None


@functools.cache
def _type_by_key() -> dict[str, str]:
    """Each word of ``_TYPE_WORDS`` by its :func:`_key`, to the first type listing it (folded once, not on
    every label)."""
    by_key: dict[str, str] = {}
    for typ, words in _TYPE_WORDS.items():
        for w in words:
            by_key.setdefault(_key(w), typ)
    return by_key


def normalise_activity_type(raw: str | None, overrides: dict[str, str] | None = None) -> NormalisedLabel:
    """(type, known) for a raw activity label; the manager's ``activity_type_map`` wins."""
    if raw is None or not str(raw).strip():
        return NormalisedLabel("other", False)
    text = str(raw).strip()
    if overrides:
        for candidate in (text, text.lower()):
            if candidate in overrides:
                return NormalisedLabel(overrides[candidate], True)
    k = _key(text)
    if k in _type_by_key():
        return NormalisedLabel(_type_by_key()[k], True)
    for stem, typ in _TYPE_STEMS:
        if stem in k:
            return NormalisedLabel(typ, True)
    return NormalisedLabel("other", False)
