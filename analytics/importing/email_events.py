"""An activity log whose status column logs email *events* (HubSpot's and Outreach's email exports: a row
per Sent, Open, Click, Reply or Bounce, each with Activity Type = Email).

Read as activities, every event was an email sent: one email opened twice and clicked once counted four
emails, 3-10 times the emails actually sent, without a word (the event words were neither done nor
planned, so the rows counted as done). Now the status's words decide:

- event words (Opened, Clicked, Replied, Bounced, Delivered, ...) beside Sent: a log of events, in which
  each email sent has its own Sent row. Only those count; an event's row is rejected, naming its column
  and value, and a note says why.
- event words and no Sent: each row may be one email at the furthest point it reached (a mailing's state)
  or an event whose sending is not in the file. Which one the file does not say, so it is refused,
  naming the column and its words.

>>> event_labels(["Sent", "Opened", "CLICK", "Completed", "Hard Bounce"])
['CLICK', 'Hard Bounce', 'Opened']
>>> has_sent(["SENT", "OPEN"]), has_sent(["Opened"])
(True, False)
"""

from __future__ import annotations

from analytics import quoting
from analytics.importing import labels
from analytics.importing.stage_types import RefusalError

# A word of an email's life after it was sent (HubSpot: SENT, DELIVERED, OPEN, CLICK, BOUNCE, REPLY,
# SPAMREPORT, UNSUBSCRIBED (status change), DROPPED, DEFERRED; Outreach: opened, clicked, replied,
# bounced; SendGrid: processed, delivered), compared as labels are (no case, spaces or punctuation).
_EVENT_WORDS = {
    "open", "opened", "opens", "emailopen", "emailopened", "click", "clicked", "clicks", "linkclicked",
    "emailclick", "emailclicked", "reply", "replied", "emailreply", "emailreplied", "bounce", "bounced",
    "hardbounce", "softbounce", "emailbounced", "delivered", "delivery", "emaildelivered", "processed",
    "dropped", "spamreport", "markedasspam", "spam", "unsubscribe", "unsubscribed", "statuschange",
    "forward", "forwarded", "print", "printed",
}
# The event of sending itself: the one row of an email in an event log.
_SENT_WORDS = {"sent", "send", "emailsent", "sentemail"}
SHOWN = 6


def event_labels(values: list[str]) -> list[str]:
    """Those of a status column's distinct ``values`` that are an email event other than its sending.

    'Open' is also a task's state (not done yet): beside a task's other states (Completed, Scheduled,
    Canceled) and no email sent, the column is a task status, and 'Open' is that, not an email opened.

    >>> event_labels(["Completed", "Scheduled", "Open"]), event_labels(["Sent", "Open", "Completed"])
    ([], ['Open'])
    """
    events = [v for v in values if labels.label_key(v) in _EVENT_WORDS]
    task_states = [v for v in values if str(v).strip() and labels.activity_done(v) is not None
                   and labels.label_key(v) not in _EVENT_WORDS | _SENT_WORDS]
    if task_states and not has_sent(values):
        events = [v for v in events if labels.activity_done(v) is None]
    return sorted(events, key=str.lower)


def has_sent(values: list[str]) -> bool:
    """Whether any of ``values`` says an email was sent (the event log's row of each email)."""
    return any(labels.label_key(v) in _SENT_WORDS for v in values)


def _shown(events: list[str]) -> str:
    more = f" and {len(events) - SHOWN} more" if len(events) > SHOWN else ""
    return ", ".join(quoting.shown(v) for v in events[:SHOWN]) + more


def refusal(headers: list[str], events: list[str]) -> str:
    """Why a status column of email events without Sent rows is refused, and what to do instead."""
    named = ", ".join(map(quoting.quoted, headers))
    return (f"column {named} holds email events ({_shown(events)}), not whether an email was sent, and no row "
            "says Sent: counted as activities, a row per event would count one email several times. Export "
            "the emails sent (a row per email), or, if each row is one email sent, ignore the column "
            f"(CLI --map '{headers[0]}=-')")


def note(headers: list[str], events: list[str]) -> str:
    """The note of an event log read: only its Sent rows counted."""
    named = ", ".join(map(quoting.quoted, headers))
    return (f"{named} logs email events ({_shown(events)}) beside the emails sent: only the Sent rows count "
            "as emails; each event's row is rejected, so that one email opened or clicked is not counted again")


def events_of(headers: list[str], values: list[str], *, refuse: bool = True) -> list[str]:
    """The event words of a status column's ``values``: [] when it logs no email events; raises
    :class:`RefusalError` when it holds events but no Sent row (and ``refuse``: the values are the whole
    file's, not a sample's that may lack the Sent rows further on)."""
    events = event_labels(values)
    if events and refuse and not has_sent(values):
        raise RefusalError(refusal(headers, events))
    return events
