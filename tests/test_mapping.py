"""Kind/preset detection, fuzzy column matching, stage and activity-type normalisation, units."""

from __future__ import annotations

import pytest

from analytics import store
from analytics.importing import labels, mapping, saved_mappings

SALESFORCE = ["Opportunity ID", "Opportunity Name", "Opportunity Owner", "Account Name", "Product", "Stage",
              "Amount", "Currency", "Created Date", "Close Date"]
MONTHS = ["Jan (k)", "Feb (k)", "Mar (k)", "Apr (k)", "May (k)", "Jun (k)", "Jul (k)", "Aug (k)", "Sep (k)",
          "Oct (k)", "Nov (k)", "Dec (k)"]


@pytest.mark.parametrize("headers, kind, preset, expected", [
    (SALESFORCE, "deals", "salesforce_opportunities",
     {"Opportunity Owner": "rep", "Close Date": "close_date", "Amount": "amount", "Stage": "stage"}),
    (["Assigned To", "Week Starting", "Activity Type", "Count"], "activities", "activity_report",
     {"Assigned To": "rep", "Week Starting": "activity_date", "Activity Type": "type", "Count": "count"}),
    (["Sales Rep", "Team", "Manager", "Region", "Start Date", "End Date"], "reps", "roster",
     {"Sales Rep": "rep", "End Date": "end_date"}),
    (["Sales Rep", "Year", *MONTHS], "targets", "quotas_wide", {"Year": "year", "Jan (k)": "m01", "Dec (k)": "m12"}),
    (["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date",
      "close_value"], "deals", None,
     {"opportunity_id": "deal_id", "sales_agent": "rep", "deal_stage": "stage", "engage_date": "created_date",
      "close_date": "close_date", "close_value": "amount"}),
    (["sales_agent", "manager", "regional_office"], "reps", None,
     {"sales_agent": "rep", "manager": "manager", "regional_office": "region"}),
    (["Record ID", "Deal Name", "Deal Stage", "Close Date", "Amount", "Deal owner"], "deals", "hubspot_deals",
     {"Deal owner": "rep"}),
    (["Deal - ID", "Deal - Owner", "Deal - Value", "Deal - Status", "Deal - Won time"], "deals", "pipedrive_deals",
     {"Deal - Status": "status", "Deal - Won time": "close_date"}),
    (["Deal Owner", "Deal Name", "Amount", "Stage", "Closing Date", "Created Time"], "deals", "zoho_deals",
     {"Closing Date": "close_date"}),
    (["Topic", "Potential Customer", "Status", "Status Reason", "Est. Close Date", "Est. Revenue", "Owner"],
     "deals", "dynamics365_opportunities", {"Status Reason": "stage", "Est. Revenue": "amount"}),
    (["Sales Rep", "Period", "Quota"], "targets", "quotas_long", {"Quota": "target", "Period": "period"}),
    (["Salesperson", "Invoice Date", "Invoice Total"], "deals", None,
     {"Salesperson": "rep", "Invoice Date": "close_date", "Invoice Total": "amount"}),
    (["Closing Dte", "Oportunity Owner", "Amount"], "deals", None,
     {"Closing Dte": "close_date", "Oportunity Owner": "rep"}),
    # A field named after the deal ('Opportunity Amount') or with its currency ('Amount (USD)'): the file was
    # refused for want of an amount column
    (["Deal ID", "Salesperson", "Stage", "Opportunity Amount", "Opportunity Close Date", "Deal Created Date"],
     "deals", None, {"Opportunity Amount": "amount", "Opportunity Close Date": "close_date",
                     "Deal Created Date": "created_date"}),
    (["Record ID", "Sales Rep", "Stage Name", "Amount (USD)", "CreatedDate", "Close Date"], "deals",
     "salesforce_opportunities",
     {"Amount (USD)": "amount", "CreatedDate": "created_date"}),
    (["Deal Owner", "Status", "Value EUR", "Date Closed"], "deals", None, {"Value EUR": "amount"}),
    (["Owner", "Deal Size", "Opp Currency", "Close Date"], "deals", None,
     {"Deal Size": "amount", "Opp Currency": "currency"}),
    # ... but an activity log's 'Deal ID' is the deal an activity belongs to, never the activity's id
    (["Activity ID", "Deal ID", "Assigned To", "Activity Type", "Date"], "activities", "activity_report",
     {"Activity ID": "activity_id", "Deal ID": None}),
    # an ERP's order lines: the account manager is the seller (beside the opportunity's owner, the owner is)
    (["Order ID", "Account Manager", "Order Date", "Item", "Line Total"], "deals", None,
     {"Account Manager": "rep", "Line Total": "amount"}),
    (["Opportunity Owner", "Account Manager", "Amount", "Close Date", "Stage"], "deals", "salesforce_opportunities",
     {"Opportunity Owner": "rep", "Account Manager": None}),
    # a roster's dates named their own way: 'Employment Start' was read as a status ('Employment Status') and
    # 'Terminated On' as the yes/no 'Terminated', their dates lost; 'Team Name' and 'Group' were no team
    (["Employee Name", "Team Name", "Reports To", "Employment Start", "Terminated On"], "reps", None,
     {"Employee Name": "rep", "Team Name": "team", "Employment Start": "start_date", "Terminated On": "end_date"}),
    (["Name", "Group", "Manager", "Date Joined", "Date Left"], "reps", None,
     {"Group": "team", "Date Joined": "start_date", "Date Left": "end_date"}),
    (["Sales Rep", "Team", "Terminated", "Employment Status"], "reps", "roster",
     {"Terminated": "inactive", "Employment Status": "active"}),
    # an activity log whose only person is who logged it, and whose date is a timestamp
    (["Activity ID", "Created By", "Timestamp", "Type", "Subject"], "activities", None,
     {"Created By": "rep", "Timestamp": "activity_date"}),
    (["Task ID", "Assigned To", "Created By", "Due Date", "Task Type"], "activities", None,
     {"Assigned To": "rep", "Created By": None}),
])
def test_detect(headers, kind, preset, expected):
    det = mapping.detect(headers)
    assert (det.kind, det.preset) == (kind, preset)
    assert {h: det.mapping.get(h) for h in expected} == expected


@pytest.mark.parametrize("headers", [
    ["Opportunity Name", "Opportunity Owner", "Stage", "Amount", "Close Date"],   # a Salesforce report without the id
    ["Deal Name", "Deal Owner", "Deal Stage", "Amount", "Close Date"],
    ["Subject", "Assigned To", "Activity Type", "Date"],
])
def test_a_name_is_never_taken_as_the_id_however_alike_the_words(headers):
    """'Opportunity Name' is a few letters from 'Opportunity Number': taken as the deal id, three
    customers' 'Renewal 2024' were one order's lines (or the file was refused). Without an id column
    each row is a deal, keyed by its values."""
    det = mapping.detect(headers)
    assert "deal_id" not in det.mapping.values() and "activity_id" not in det.mapping.values(), det.mapping


@pytest.mark.parametrize("headers, rep", [
    (["Opportunity ID", "Opportunity Name", "Account Name", "Amount", "Stage", "Close Date"], None),
    (["Deal ID", "Deal Name", "Amount", "Deal Stage", "Close Date"], None),
    (["Order No", "Customer Name", "Product Name", "Invoice Date", "Total"], None),
    (["Opportunity Name", "Opportunity Owner Name", "Amount", "Stage", "Close Date"], "Opportunity Owner Name"),
    (["Opportunity Name", "Owner Nm", "Amount", "Stage", "Close Date"], "Owner Nm"),
])
def test_a_records_name_is_never_taken_as_the_rep(headers, rep):
    """'Opportunity Name' is a few letters from 'Owner Name': taken as the rep, every deal of a report
    without an owner column was sold by a rep named after it. A header naming a deal's or a customer's
    record is no person; one naming its owner still is."""
    det = mapping.detect(headers, kind="deals")
    assert next((h for h, f in det.mapping.items() if f == "rep"), None) == rep, det.mapping


@pytest.mark.parametrize("label, outcome, known", [
    ("Closed Won", "won", True), ("Won", "won", True), ("closedwon", "won", True), ("won", "won", True),
    ("Closed - Won", "won", True), ("Closed Lost", "lost", True), ("Lost", "lost", True),
    ("closedlost", "lost", True), ("Closed-Lost to Competition", "lost", True), ("Prospecting", "open", True),
    ("Qualification", "open", True), ("Needs Analysis", "open", True), ("Value Proposition", "open", True),
    ("Id. Decision Makers", "open", True), ("Perception Analysis", "open", True),
    ("Proposal/Price Quote", "open", True), ("Negotiation/Review", "open", True), ("Engaging", "open", True),
    ("appointmentscheduled", "open", True), ("qualifiedtobuy", "open", True),
    ("presentationscheduled", "open", True), ("decisionmakerboughtin", "open", True),
    ("contractsent", "open", True), ("open", "open", True), ("Frobnicating", "open", False),
    # CRMs in other languages, and an outcome followed by its reason
    ("Gewonnen", "won", True), ("Gagné", "won", True), ("Fermé gagné", "won", True), ("Cerrado ganado", "won", True),
    ("Fechado ganho", "won", True), ("Chiuso vinto", "won", True), ("Stängd vunnen", "won", True),
    ("Verloren", "lost", True), ("Abgeschlossen verloren", "lost", True), ("Perdu", "lost", True),
    ("Cerrada perdida", "lost", True), ("Förlorad", "lost", True),
    ("Won - Signed", "won", True), ("Won (renewal)", "won", True), ("Lost: no budget", "lost", True),
    ("Lost – went dark", "lost", True), ("Won't buy", "open", False), ("Winning", "open", False),
    ("Closed", "open", False), ("Lost Creek account", "open", False),
])
def test_normalise_outcome(label, outcome, known):
    assert labels.normalise_outcome(label) == (outcome, known)


@pytest.mark.parametrize("label, outcome, known", [
    # closed stages of CRMs set up in German, Dutch, French, Spanish, Portuguese and Italian, with the word
    # their language sets between "closed" and the outcome
    ("Geschlossen und gewonnen", "won", True), ("Geschlossen und verloren", "lost", True),
    ("Afgesloten gewonnen", "won", True), ("Gesloten en verloren", "lost", True),
    ("Fermée - Gagnée", "won", True), ("Clôturé perdu", "lost", True),
    ("Cerrado y ganado", "won", True), ("Cerrada y perdida", "lost", True),
    ("Fechado e ganho", "won", True), ("Fechado e perdido", "lost", True),
    ("Chiuso e vinto", "won", True), ("Chiusa persa", "lost", True),
    # a stage numbered in its pipeline
    ("7 - Closed Won", "won", True), ("Stage 7: Closed Won", "won", True), ("07. Closed Lost", "lost", True),
    ("100% Closed Won", "won", True), ("0% - Closed Lost", "lost", True), ("3 - Prospecting", "open", True),
    ("Stage 9", "open", False), ("2024 Won", "open", False),
    # a pipeline's and an invoice export's own words for the outcome
    ("Contract Signed", "won", True), ("Lost to competitor", "lost", True), ("Paid", "won", True),
    ("Contract Sent", "open", True),
    # a won stage not final yet is no win: unknown (counted open and named) for the manager to decide
    ("Closed Won Pending Approval", "open", False), ("Closed Won - Awaiting Signature", "open", False),
    ("Won (pending)", "open", False),
])
def test_closed_stages_in_other_spellings(label, outcome, known):
    """Real exports' closed stages were read as unknown open stages: no deal was won."""
    assert labels.normalise_outcome(label) == (outcome, known)


@pytest.mark.parametrize("raw, expected", [
    ("Call", "call"), ("Outbound Call", "call"), ("Phone", "call"), ("E-mail", "email"), ("Sent Email", "email"),
    ("Meeting", "meeting"), ("Appointment", "meeting"), ("Demo", "demo"), ("Product Demo", "demo"),
    ("Proposal", "proposal"), ("Quote sent", "proposal"), ("Task", "other"), ("Smoke signals", "other"),
])
def test_normalise_activity_type(raw, expected):
    assert labels.normalise_activity_type(raw).value == expected


def test_activity_type_override_wins():
    assert labels.normalise_activity_type("Demo", {"Demo": "meeting"}) == ("meeting", True)


@pytest.mark.parametrize("header, unit", [
    ("Jan (k)", 1000.0), ("Target (000)", 1000.0), ("Quota in thousands", 1000.0), ("quota_k", 1000.0),
    ("Target (m)", 1_000_000.0), ("Target", None), ("Amount", None),
    # a currency inside the brackets, as finance exports write it
    ("Value ($000)", 1000.0), ("ARR (€k)", 1000.0), ("Amount (USD '000)", 1000.0), ("Quota (£000s)", 1000.0),
    ("Pipeline ($m)", 1_000_000.0), ("Bookings (EUR mn)", 1_000_000.0), ("Amount ('000 USD)", 1000.0), ("ACV (m EUR)", 1_000_000.0),
    ("Amount ($)", None), ("Amount (USD)", None), ("Amount (in $)", None), ("Call duration (mins)", None),
    ("Talk time (msec)", None),
])
def test_unit_of_header(header, unit):
    assert mapping.unit_of_header(header) == unit


@pytest.mark.parametrize("header, month", [
    ("M01", 1), ("m12", 12), ("Jan", 1), ("January", 1), ("Sep (k)", 9), ("Sept", 9), ("Dec 2026", 12),
    ("Year", None), ("Amount", None),
])
def test_month_of_header(header, month):
    assert mapping.month_of_header(header) == month


def test_overrides_and_saved_mapping():
    headers = ["Who", "Amount", "Stage", "Close Date"]
    det = mapping.detect(headers, kind="deals")
    assert "rep" not in det.mapping.values()
    fixed = mapping.apply_overrides(headers, det.mapping, {"Who": "rep", "Stage": "-"}, "deals")
    assert fixed["Who"] == "rep" and "Stage" not in fixed
    with pytest.raises(ValueError, match="no column"):
        mapping.apply_overrides(headers, det.mapping, {"Nope": "rep"}, "deals")
    conn = store.connect(":memory:")
    saved_mappings.save_mapping(conn, headers, "deals", fixed)
    again = mapping.detect(headers, saved_mappings.load_saved_mapping(conn, headers))
    assert (again.kind, again.preset, again.mapping) == ("deals", "saved", fixed)
    conn.close()


def test_canonical_fields_have_required_flags():
    assert set(mapping.CANONICAL_FIELDS) == set(mapping.KINDS)
    required = {k: [f.name for f in fs if f.required] for k, fs in mapping.CANONICAL_FIELDS.items()}
    assert required["deals"] == ["rep", "close_date", "amount"]
    assert all(p["kind"] in mapping.KINDS for p in mapping.PRESETS.values())
