"""The import's vocabulary: the four kinds of file, each kind's canonical fields with the synonyms their
headers go by, and the CRM presets (a CRM export's columns, field by field).

A new synonym is one more string in its field's entry of :data:`CANONICAL_FIELDS` (headers are compared
normalised: lower case, CamelCase split, punctuation dropped); a new CRM preset one entry in
:data:`PRESETS`. Data only: headers are matched to it in :mod:`analytics.importing.mapping`.
"""

from __future__ import annotations

from typing import NamedTuple

KINDS = ("deals", "activities", "reps", "targets")
ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "proposal", "other")
MONTH_FIELDS = tuple(f"m{i:02d}" for i in range(1, 13))
ORDER_OF_LINE = "order_of_line"
PERIOD_QUOTA = "period_quota"
TYPE_COUNT = "type_count"
# The fields one column each is not enough for: a quota sheet's period columns, a report's count per type.
MANY_COLUMN_FIELDS = frozenset({PERIOD_QUOTA, TYPE_COUNT})
# Fields a second column takes when its header is one of the field's synonyms exactly (never a look-alike):
# an activity export's Status beside its Meeting Outcome both say whether it happened (Completed, No Show).
EXACT_REPEAT_FIELDS = frozenset({("activities", "status")})


class Field(NamedTuple):
    name: str
    required: bool
    type: str            # text | date | amount | count | label
    synonyms: tuple[str, ...] = ()


def _f(name: str, required: bool, type_: str, *syn: str) -> Field:
    return Field(name, required, type_, tuple(syn))


CANONICAL_FIELDS: dict[str, list[Field]] = {
    "deals": [
        # An order, invoice or document number is a deal id too: lines sharing one are summed into
        # one order (analytics/importing/order_lines.py). A new synonym for any field is one more string here.
        _f("deal_id", False, "text", "opportunity id", "deal id", "record id", "id", "opportunity number",
           "order id", "order number", "order no", "invoice id", "invoice number", "invoice no", "deal number",
           "sales order", "sales order number", "so number", "so no", "so #", "order", "order #", "order ref",
           "order reference", "invoice", "invoice #", "invoice ref", "document no", "document number", "doc no",
           "doc number", "receipt no", "receipt number", "bill no", "bill number"),
        _f("rep", True, "text", "opportunity owner", "deal owner", "owner", "sales rep", "salesperson",
           "sales person", "sales agent", "rep", "account executive", "owner name", "seller", "sales owner",
           "assigned to", "rep name", "user", "assignee",   # (Copper's Assignee)
           "account manager", "key account manager",        # (an ERP's orders: the account's seller)
           # German, Spanish, French and Portuguese CRM exports (accents dropped, as headers are compared)
           "opportunity inhaber", "inhaber", "verkaufer", "vertriebsmitarbeiter", "propietario",
           "propietario de la oportunidad", "proprietaire", "proprietaire de l opportunite", "vendedor",
           "proprietario da oportunidade"),
        _f("close_date", True, "date", "close date", "closed date", "closing date", "expected close date",
           "won date", "won time", "order date", "invoice date", "actual close date", "est close date",
           "estimated close date", "date closed", "date", "posting date", "document date", "booking date",
           "sales date", "sales order date",
           "schlusstermin", "abschlussdatum", "fecha de cierre", "date de cloture", "data de fechamento"),
        _f("amount", True, "amount", "amount", "value", "deal value", "close value", "deal amount", "total",
           "revenue", "amount converted", "invoice total", "order total", "net amount", "total amount",
           "actual revenue", "est revenue", "estimated revenue", "sales", "booking", "bookings", "line total",
           "line amount", "order amount", "order value", "sales order total", "sales order amount", "deal size",
           "betrag", "umsatz", "importe", "montant", "valor"),
        _f("stage", False, "label", "stage", "deal stage", "stage name", "pipeline stage", "opportunity stage",
           "sales stage", "status reason", "phase", "verkaufsphase", "etapa", "etape", "fase"),
        _f("status", False, "label", "status", "outcome", "won lost", "deal status", "result"),
        # Yes/no columns saying won and closed whatever the stages are called (Salesforce's IsWon and
        # IsClosed, its reports' Won and Closed, HubSpot's 'Is Closed Won'): analytics/importing/outcomes.py
        _f("is_won", False, "label", "won", "is won", "closed won", "is closed won", "won flag", "deal won"),
        # The date of a snapshot export's row (one row per deal per snapshot): analytics/importing/snapshots.py
        _f("snapshot_date", False, "date", "snapshot date", "snapshot", "as of date", "as of", "as at date", "as at",
           "snapshot week", "snapshot month", "date of snapshot", "report as of"),
        _f("is_closed", False, "label", "closed", "is closed", "closed flag", "deal closed", "is deal closed"),
        _f("created_date", False, "date", "created date", "create date", "engage date", "created", "created on",
           "created time", "deal created", "date created", "add time", "opened date",
           "erstelldatum", "erstellt am", "fecha de creacion", "date de creation", "data de criacao"),
        _f("account", False, "text", "account name", "account", "company", "customer", "organization",
           "organisation", "client", "potential customer", "organization name", "company name",
           "customer name", "associated company", "accountname", "kunde", "cliente", "compte"),
        _f("product", False, "text", "product", "product name", "item", "product line", "sku"),
        _f("team", False, "text", "team", "sales team", "business unit", "division", "owner role", "segment"),
        # An invoice or a credit note (an ERP's Type column): a credit's amount is taken off won revenue
        # whatever its sign in the file (analytics/importing/credit_notes.py)
        # A deal type column ('New Business', 'Renewal') too: both kinds counted, and said so (deal_kinds.py)
        _f("document_type", False, "label", "type", "document type", "doc type", "transaction type", "invoice type",
           "opportunity type", "deal type", "dealtype", "business type", "sales type",
           "voucher type", "belegart", "belegtyp", "tipo de documento", "type de document", "tipo documento"),
        # HubSpot's Pipeline (Sales, Renewals): every pipeline's deals counted together, and said (deal_kinds.py)
        _f("pipeline", False, "label", "pipeline", "deal pipeline", "opportunity pipeline", "pipeline name"),
        _f("currency", False, "label", "currency", "currency code", "opportunity currency", "deal currency",
           "currency iso code", "transaction currency", "currency of value", "amount currency", "currency of amount",
           "wahrung", "moneda", "devise", "moeda"),
        # The order of an order line kept as a deal of its own (--keep-lines): never detected by name
        # (no synonyms), set in place of deal_id when the manager keeps lines. Ids: 'SO-1 #1', 'SO-1 #2'.
        _f(ORDER_OF_LINE, False, "text"),
    ],
    "activities": [
        _f("activity_id", False, "text", "activity id", "task id", "event id", "id", "record id",  # (HubSpot's)
           "call id", "meeting id"),
        _f("rep", True, "text", "assigned to", "owner", "activity owner", "user", "rep", "sales rep",
           "salesperson", "assigned", "sales agent", "rep name", "owner name", "activity assigned to",
           "call owner", "meeting owner", "task owner", "email owner", "assigned user", "hubspot owner",
           "user name", "primary user",  # (Close's and Aircall's user_name, Gong's Primary User)
           "logged by", "created by"),   # (who logged it: an activity log's only person column; last, so an
        # Assigned To or Owner beside it is the rep)
        # (the day it was done before the day it was due: a task export names both, and a task done late
        # counts in the period it was done)
        _f("activity_date", True, "date", "date", "activity date", "week starting", "week start", "week",
           "completed date", "date completed", "completed date time", "completion date", "completed on",
           "due date", "period", "month", "start date", "created date",
           "activity week", "day", "date created", "call start time", "start time", "activity date time",
           "start", "event start", "start date time",   # (a Salesforce events report's Start)
           "started", "started at", "call started",      # (a call tool's log: Gong, Aircall)
           "timestamp", "activity timestamp", "date time", "datetime", "occurred at", "logged at", "call date",
           "meeting date", "event date"),
        _f("type", True, "label", "activity type", "type", "task type", "activity", "subtype", "event type",
           "kind", "channel", "task subtype", "sales activity type"),  # (Freshsales' 'Sales activity type')
        _f("count", False, "count", "count", "activities", "number", "number of activities", "quantity",
           "total", "n", "activity count", "volume"),
        # Done or only planned: a task Not Started, a meeting Scheduled or a No Show did not happen.
        _f("status", False, "label", "status", "task status", "activity status", "meeting outcome",
           "event status", "completion status", "email status", "email event", "email event type",
           "event type"),  # (an email event log's SENT, OPEN, CLICK: email_events; 'event type' beside a type)
        # A count of the activity type its header names (Calls, Emails Sent), in a report by type column:
        # found by the header's type and the column's values (activity_columns), never by a synonym.
        _f(TYPE_COUNT, False, "count"),
        # The one person a row invites, in a calendar export listing a meeting once per attendee: such rows
        # are one activity (analytics/importing/attendee_rows.py). Not 'contact': a call log's contact is the
        # one person each call was to.
        # (Singular only: Pipedrive's 'Participants' lists everyone of one activity in its one cell.)
        _f("attendee", False, "text", "attendee", "attendee email", "attendee name", "invitee", "invitee email",
           "invitee name", "participant", "participant email", "participant name", "guest", "guest email",
           "guest name", "meeting attendee", "event attendee", "attendee contact"),
        # A yes/no column asking whether it happened (Completed, Done, Salesforce's IsClosed on tasks)
        _f("done", False, "label", "completed", "complete", "is completed", "done", "is done", "closed",
           "is closed", "held", "is held", "occurred"),
    ],
    "reps": [
        _f("rep", True, "text", "sales rep", "rep", "name", "full name", "sales agent",
           "salesperson", "employee name", "rep name", "user", "owner", "account executive", "seller",
           "team member"),   # (not 'employee': an accounts file's 'Employees' is the company's size)
        _f("team", False, "text", "team", "sales team", "squad", "pod", "segment", "business unit", "team name",
           "group", "sales group", "sales pod", "sales squad"),
        _f("manager", False, "text", "manager", "reports to", "team lead", "supervisor", "manager name",
           "line manager", "sales manager"),
        _f("region", False, "text", "region", "regional office", "territory", "office", "area", "location",
           "geo"),
        # (a date column's own words before a status's: 'Employment Start' is a few letters from 'Employment
        # Status', 'Terminated On' from 'Terminated'; read as the status, the dates were lost without a word)
        _f("start_date", False, "date", "start date", "hire date", "hired", "start", "joined", "date hired",
           "hired on", "start of employment", "employment start", "employment start date", "date joined",
           "joined on", "joining date", "onboarding date"),
        _f("end_date", False, "date", "end date", "termination date", "left", "leave date", "end", "exit date",
           "left on", "leaving date", "date left", "terminated on", "date terminated", "employment end",
           "employment end date", "end of employment", "departure date", "date of leaving", "last day",
           "last working day", "offboarding date"),
        # Whether the rep is still here, as roster and user exports write it (Active = No, Status =
        # Inactive); "inactive" is the same fact asked the other way round (Deactivated = Yes).
        _f("active", False, "label", "active", "is active", "status", "user status", "employment status",
           "employee status", "rep status", "active user", "enabled", "still employed"),
        _f("inactive", False, "label", "inactive", "is inactive", "deactivated", "disabled", "terminated",
           "is terminated", "has left", "former employee"),
    ],
    "targets": [
        _f("rep", True, "text", "sales rep", "rep", "owner", "user", "salesperson", "name", "sales agent",
           "rep name", "account executive", "quota owner", "owner name", "user name", "assignee"),
        _f("period", False, "label", "period", "month", "quarter", "fiscal period", "period label",
           "target period", "quota period", "week", "quota week", "time period", "period name",
           "reporting period", "sales period", "plan period", "fiscal quarter", "fiscal month", "quarter name",
           "month name", "target month", "quota month", "target quarter", "quota quarter"),
        _f("target", False, "amount", "target", "quota", "quota amount", "target amount", "goal",
           "revenue target", "sales target", "amount", "annual quota", "annual target", "yearly quota",
           "yearly target", "annual goal"),
        _f("year", False, "text", "year", "fiscal year", "fy", "quota year", "target year"),
        _f("metric", False, "label", "metric", "measure", "quota type", "target type", "goal type"),  # (HubSpot's goals)
        # A row per tier (base, stretch, excellence: the dashboard's own export of a target set): one quota a rep
        # and period is read from the base rows (shaping._targets).
        _f("tier", False, "label", "tier", "target tier", "quota tier"),
        _f("period_start", False, "date", "period start", "start date", "from", "start"),
        _f("period_end", False, "date", "period end", "end date", "to", "end"),
        *[_f(m, False, "amount") for m in MONTH_FIELDS],
        # A quota sheet's column whose header names its period (Q1 2024, Jan-24, FY24 Q1; Q1 beside a
        # Year column): every such column is mapped to it, each cell the quota of its row's rep for that
        # period. Detected by the header's period (period_labels.header_period), never by a synonym.
        _f(PERIOD_QUOTA, False, "amount"),
    ],
}
FIELD_BY_NAME = {k: {f.name: f for f in fs} for k, fs in CANONICAL_FIELDS.items()}

PRESETS: dict[str, dict] = {
    "salesforce_opportunities": {"kind": "deals", "columns": {
        "Opportunity ID": "deal_id", "Opportunity Owner": "rep", "Account Name": "account", "Product": "product",
        "Stage": "stage", "Amount": "amount", "Currency": "currency", "Opportunity Currency": "currency",
        "Created Date": "created_date", "Close Date": "close_date", "Owner Role": "team"}},
    "hubspot_deals": {"kind": "deals", "columns": {
        "Record ID": "deal_id", "Deal owner": "rep", "Deal Stage": "stage", "Close Date": "close_date",
        "Amount": "amount", "Create Date": "created_date", "Associated Company": "account",
        "Currency": "currency", "Deal Name": None, "Pipeline": "pipeline"}},
    "pipedrive_deals": {"kind": "deals", "columns": {
        "Deal - ID": "deal_id", "Deal - Owner": "rep", "Deal - Value": "amount", "Deal - Currency": "currency",
        "Deal - Status": "status", "Deal - Stage": "stage", "Deal - Organization": "account",
        "Deal - Won time": "close_date", "Deal - Lost time": "close_date",
        "Deal - Expected close date": "close_date", "Deal - Deal created": "created_date",
        "Deal - Title": None}},
    # (every field written 'Activity - Field'; 'Due time' is a time of day, 'Done' the status: Done, To do)
    "pipedrive_activities": {"kind": "activities", "columns": {
        "Activity - ID": "activity_id", "Activity - Assigned to user": "rep", "Activity - Type": "type",
        "Activity - Marked as done time": "activity_date", "Activity - Due date": "activity_date",
        "Activity - Done": "status", "Activity - Subject": None, "Activity - Due time": None,
        "Activity - Duration": None, "Activity - Note": None, "Activity - Add time": None,
        "Activity - Creator": None, "Deal - Title": None, "Organization - Name": None, "Person - Name": None}},
    "zoho_deals": {"kind": "deals", "columns": {
        "Record Id": "deal_id", "Deal Owner": "rep", "Account Name": "account", "Amount": "amount",
        "Stage": "stage", "Closing Date": "close_date", "Created Time": "created_date", "Currency": "currency",
        "Deal Name": None, "Probability (%)": None}},
    "dynamics365_opportunities": {"kind": "deals", "columns": {
        # (its id column is written '(Do Not Modify) Opportunity': unread, each re-export's changed deals were new ones)
        "Opportunity": "deal_id", "(Do Not Modify) Opportunity": "deal_id", "(Do Not Modify) Row Checksum": None,
        "(Do Not Modify) Modified On": None, "Owner": "rep", "Potential Customer": "account", "Status": "status",
        "Status Reason": "stage", "Actual Close Date": "close_date", "Est. Close Date": "close_date",
        "Actual Revenue": "amount", "Est. Revenue": "amount", "Created On": "created_date",
        "Currency": "currency", "Topic": None}},
    "roster": {"kind": "reps", "columns": {
        "Sales Rep": "rep", "Team": "team", "Manager": "manager", "Region": "region",
        "Start Date": "start_date", "End Date": "end_date"}},
    "activity_report": {"kind": "activities", "columns": {
        "Assigned To": "rep", "Week Starting": "activity_date", "Activity Type": "type", "Count": "count",
        "Date": "activity_date"}},
    "quotas_wide": {"kind": "targets", "columns": {"Sales Rep": "rep", "Year": "year"}},
    "quotas_long": {"kind": "targets", "columns": {
        "Sales Rep": "rep", "Period": "period", "Target": "target", "Quota": "target", "Metric": "metric"}},
}
