"""Accounts, sign-in, roles, scope and the audit trail's author (analytics.accounts, analytics.scope).

Argon2 runs at its cheapest cost here ($TARGETS_ARGON2_PROFILE=cheapest), except in the one test that
checks the production parameters.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from analytics import accounts, checkin_notes, store
from analytics.accounts import Account
from analytics.scope import ALL, Scope, scope_from_roster, scope_of

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 2, 9, 0, 0)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setenv(accounts.HASH_PROFILE_ENV, "cheapest")


@pytest.fixture
def conn():
    connection = store.connect(":memory:")
    yield connection
    connection.close()


def all_cells(conn, table: str) -> list[str]:
    return [str(cell) for row in conn.execute(f"SELECT * FROM {table}").fetchall() for cell in row]


# ---- passwords ---------------------------------------------------------------------------------

def test_the_password_is_stored_only_as_an_argon2id_hash(conn):
    accounts.add_account(conn, "ana", "admin", password=PASSWORD)
    accounts.check_sign_in(conn, "ana", "not the password", now=T0)
    stored = conn.execute("SELECT password_hash FROM accounts").fetchall()[0][0]
    assert stored.startswith("$argon2id$")
    for table in ("accounts", "sign_in_failures"):
        assert not any(PASSWORD in cell or "not the password" in cell for cell in all_cells(conn, table))
    assert "password" not in repr(accounts.get_account(conn, "ana")).replace("has_password", "")


def test_production_hashes_use_argon2_cffi_defaults_and_cheap_ones_are_rehashed(conn, monkeypatch):
    accounts.add_account(conn, "ana", "admin", password=PASSWORD)          # made at the test cost
    monkeypatch.delenv(accounts.HASH_PROFILE_ENV)
    assert accounts.check_sign_in(conn, "ana", PASSWORD, now=T0).account is not None
    stored = conn.execute("SELECT password_hash FROM accounts").fetchall()[0][0]
    assert "$m=65536,t=3,p=4$" in stored                                    # re-hashed at full cost


@pytest.mark.parametrize(("name", "typed", "signed_in"), [
    ("ana", PASSWORD, True),
    ("ANA ", PASSWORD, True),                 # names compare without case or outer spaces
    ("ana", PASSWORD.upper(), False),
    ("ana", PASSWORD + " ", False),
    ("ana", "", False),
    ("bo", PASSWORD, False),                  # unknown name: the same answer
    ("sso", PASSWORD, False),                 # an account without a password never signs in with one
])
def test_sign_in_accepts_only_the_right_password(conn, name, typed, signed_in):
    accounts.add_account(conn, "ana", "admin", password=PASSWORD)
    accounts.add_account(conn, "sso", "viewer", email="sso@example.com")
    result = accounts.check_sign_in(conn, name, typed, now=T0)
    assert (result.account is not None) == signed_in
    assert result.message == ("" if signed_in else "Wrong name or password.")


def test_failures_lock_the_name_and_a_success_clears_them(conn):
    accounts.add_account(conn, "ana", "manager", password=PASSWORD)
    answers = [accounts.check_sign_in(conn, "ana", f"wrong {i}", now=T0 + timedelta(seconds=i)) for i in range(3)]
    assert [a.retry_after for a in answers] == [0, 0, 5]
    assert "try again in 5 seconds" in answers[2].message
    # Locked: even the right password is not checked before the lock ends.
    locked = accounts.check_sign_in(conn, "ana", PASSWORD, now=T0 + timedelta(seconds=4))
    assert locked.account is None and locked.retry_after == 3
    # Another failure after the lock doubles it.
    again = accounts.check_sign_in(conn, "ana", "wrong 4", now=T0 + timedelta(seconds=8))
    assert again.retry_after == 10
    ok = accounts.check_sign_in(conn, "ana", PASSWORD, now=T0 + timedelta(seconds=19))
    assert ok.account is not None and ok.account.name == "ana"
    assert conn.execute("SELECT count(*) FROM sign_in_failures").fetchall()[0][0] == 0


def test_unknown_names_are_counted_and_locked_too(conn):
    accounts.add_account(conn, "ana", "admin", password=PASSWORD)
    results = [accounts.check_sign_in(conn, "mallory", "guess", now=T0) for _ in range(4)]
    assert [r.retry_after for r in results[:3]] == [0, 0, 5]
    assert results[3].retry_after == 5 and results[3].message.startswith("Too many failed sign-ins")


def test_old_failures_are_forgotten(conn):
    accounts.add_account(conn, "ana", "admin", password=PASSWORD)
    for _ in range(2):
        accounts.check_sign_in(conn, "ana", "wrong", now=T0)
    later = accounts.check_sign_in(conn, "ana", "wrong", now=T0 + accounts.FAILURE_MEMORY + timedelta(seconds=1))
    assert later.retry_after == 0  # the first failure of a new day, not the third in a row


def test_reset_password_replaces_the_hash_and_lifts_the_lock(conn):
    accounts.add_account(conn, "ana", "admin", password=PASSWORD)
    for _ in range(3):
        accounts.check_sign_in(conn, "ana", "wrong", now=T0)
    accounts.set_password(conn, "ana", "a new long password")
    assert accounts.check_sign_in(conn, "ana", PASSWORD, now=T0).account is None
    assert accounts.check_sign_in(conn, "ana", "a new long password", now=T0).account is not None


@pytest.mark.parametrize(("failures", "seconds"), [(0, 0), (2, 0), (3, 5), (4, 10), (6, 40), (12, 900), (40, 900)])
def test_lockout_doubles_up_to_fifteen_minutes(failures, seconds):
    assert accounts.lockout_seconds(failures) == seconds


# ---- sessions ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("age", "hours", "expired"), [
    (timedelta(0), 12, False), (timedelta(hours=11, minutes=59), 12, False), (timedelta(hours=12), 12, True),
    (timedelta(minutes=31), 0.5, True), (timedelta(days=3), 100, False),
])
def test_sessions_expire(age, hours, expired):
    assert accounts.session_expired(T0, T0 + age, hours) == expired


def test_session_length_is_a_setting(conn):
    assert accounts.session_hours(conn) == 12
    store.set_setting(conn, accounts.SESSION_HOURS_SETTING, "8")
    assert accounts.session_hours(conn) == 8


# ---- accounts and roles ----------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "refusal"), [
    ({"name": "x", "role": "owner", "password": PASSWORD}, "role must be one of admin, manager, viewer"),
    ({"name": "x", "role": "admin", "password": PASSWORD, "teams": ["North"]}, "an admin sees every team"),
    ({"name": "x", "role": "manager", "password": PASSWORD, "rep": "Bo"}, "it is for the viewer role"),
    ({"name": "x", "role": "viewer", "password": PASSWORD, "rep": "Bo", "teams": ["N"]}, "not both"),
    ({"name": "x", "role": "viewer", "password": "short"}, "at least 10 characters"),
    ({"name": "long enough name", "role": "viewer", "password": "Long Enough Name"}, "cannot be the account's name"),
    ({"name": "  ", "role": "viewer", "password": PASSWORD}, "cannot be empty"),
    ({"name": "a\x1b[2Jb", "role": "viewer", "password": PASSWORD}, "control characters"),
    ({"name": "x", "role": "viewer"}, "give --email"),
    ({"name": "x", "role": "viewer", "email": "not-an-address"}, "is not an e-mail address"),
    ({"name": "ANA", "role": "viewer", "password": PASSWORD}, "exists already"),
    ({"name": "x", "role": "viewer", "email": "Ana@Example.com"}, "another account has the e-mail"),
])
def test_bad_accounts_are_refused_and_nothing_is_written(conn, kwargs, refusal):
    accounts.add_account(conn, "ana", "admin", password=PASSWORD, email="ana@example.com")
    with pytest.raises(ValueError, match=refusal.replace("(", r"\(")):
        accounts.add_account(conn, **kwargs)
    assert accounts.account_count(conn) == 1


def test_accounts_are_listed_and_removed(conn):
    accounts.add_account(conn, "kim", "manager", password=PASSWORD, teams=["North", "East", "North"])
    accounts.add_account(conn, "bo", "viewer", rep="Bo Chan", password=PASSWORD)
    assert [a.name for a in accounts.list_accounts(conn)] == ["bo", "kim"]
    assert accounts.get_account(conn, "KIM") == Account("kim", "manager", ("North", "East"), has_password=True)
    accounts.check_sign_in(conn, "kim", "wrong", now=T0)
    assert accounts.remove_account(conn, "Kim") is True
    assert accounts.remove_account(conn, "kim") is False
    assert accounts.account_count(conn) == 1
    assert conn.execute("SELECT count(*) FROM sign_in_failures").fetchall()[0][0] == 0


def test_the_last_admin_is_not_removed_while_other_accounts_remain(conn):
    accounts.add_account(conn, "ana", "admin", password=PASSWORD)
    accounts.add_account(conn, "kim", "manager", password=PASSWORD)
    with pytest.raises(ValueError, match="'ana' is the last admin"):
        accounts.remove_account(conn, "ana")
    accounts.add_account(conn, "max", "admin", password=PASSWORD)
    assert accounts.remove_account(conn, "ana") is True        # another admin remains
    assert accounts.remove_account(conn, "kim") is True
    assert accounts.remove_account(conn, "max") is True        # the last account: sign-in turns off
    assert accounts.account_count(conn) == 0


ROLE_TABLE = {
    "admin": {"view", "targets", "notes", "import", "undo", "clear", "accounts"},
    "manager": {"view", "targets", "notes"},
    "viewer": {"view"},
}


@pytest.mark.parametrize("role", accounts.ROLES)
@pytest.mark.parametrize("action", sorted(accounts.ACTIONS))
def test_roles_allow_their_actions_only(role, action):
    assert accounts.allowed(Account("x", role), action) == (action in ROLE_TABLE[role])
    assert accounts.allowed(None, action)  # accounts off: the one person at the machine


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action"):
        accounts.allowed(Account("x", "admin"), "finalise")


@pytest.mark.parametrize(("account", "typed", "recorded"), [
    (Account("ana", "manager"), "Someone Else", "ana"),
    (Account("ana", "manager"), "", "ana"),
    (None, "  Bo Chan ", "Bo Chan"),
    (None, "", None),
    (None, None, None),
])
def test_the_audit_author_is_the_signed_in_account(account, typed, recorded):
    assert accounts.audit_author(account, typed) == recorded


def test_notes_and_imports_record_who_wrote_them(conn):
    checkin_notes.add_note(conn, None, "Bo Chan", "two demos booked", "2026-02-03", author="kim")
    assert checkin_notes.list_notes(conn)["author"].tolist() == ["kim"]
    from analytics.importing import history
    conn.execute("INSERT INTO imports (import_id, file_name, kind, status) VALUES (1, 'x.csv', 'reps', 'loaded')")
    history.record_importer(conn, 1, "ana")
    assert "undid import 1" in history.undo_import(conn, 1, by="kim")
    record = history.import_records(conn)[0]
    assert (record.imported_by, record.undone_by) == ("ana", "kim")
    from analytics import cli_import
    assert cli_import._by(record) == ", by ana, undone by kim"     # what `imports list` prints after the counts


# ---- single sign-on --------------------------------------------------------------------------------

PEOPLE = [Account("ana", "admin", email="ana@example.com"), Account("lee@example.com", "viewer"),
          Account("kim", "manager", teams=("North",), has_password=True)]


@pytest.mark.parametrize(("identity", "name", "refusal"), [
    ({"is_logged_in": True, "email": "ana@example.com"}, "ana", ""),
    ({"is_logged_in": True, "email": " ANA@example.COM "}, "ana", ""),
    ({"is_logged_in": True, "email": "lee@example.com", "email_verified": True}, "lee@example.com", ""),
    ({"is_logged_in": True, "email": "eve@example.com"}, None, "No account for eve@example.com"),
    ({"is_logged_in": True, "email": "kim"}, "kim", ""),     # (a name typed as the e-mail claim: the name)
    ({"is_logged_in": True, "email": "ana@example.com", "email_verified": False}, None, "has not verified"),
    ({"is_logged_in": True, "name": "Ana"}, None, "did not say your e-mail"),
    ({"is_logged_in": False, "email": "ana@example.com"}, None, "Not signed in"),
    ({}, None, "Not signed in"),
])
def test_single_sign_on_maps_the_e_mail_to_an_account_and_refuses_others(identity, name, refusal):
    match = accounts.account_for_identity(PEOPLE, identity)
    assert (match.account.name if match.account else None) == name
    assert refusal in match.refusal and bool(match.refusal) == bool(refusal)


# ---- scope -----------------------------------------------------------------------------------------

def roster(seed: int = 3) -> list[tuple[str, str | None, str | None]]:
    """Twelve reps in three teams (North and East under Kim, South under Lee) and one without a team."""
    rng = random.Random(seed)
    teams = {"North": "Kim", "East": "Kim", "South": "Lee"}
    rows = [(f"Rep {i:02d}", team, teams[team]) for i, team in enumerate(rng.choice(list(teams)) for _ in range(12))]
    return [*rows, ("Loner", None, "kim")]


def reps_of(rows, *teams: str) -> set[str]:
    return {rep for rep, team, _ in rows if team in teams}


@pytest.mark.parametrize(("account", "kind", "teams", "extra"), [
    (None, "all", None, set()),
    (Account("ana", "admin"), "all", None, set()),
    (Account("v", "viewer"), "all", None, set()),
    (Account("kim", "manager"), "teams", {"North", "East"}, {"Loner"}),     # from the roster's manager column
    (Account("KIM", "manager"), "teams", {"North", "East"}, {"Loner"}),
    (Account("lee", "manager", teams=("north",)), "teams", {"North", "South"}, set()),
    (Account("zoe", "manager"), "teams", set(), set()),                       # the roster names none for her
    (Account("v", "viewer", teams=("South",)), "teams", {"South"}, set()),
    (Account("v", "viewer", rep="Rep 03"), "rep", set(), {"Rep 03"}),
])
def test_scope_from_the_account_and_the_roster(account, kind, teams, extra):
    rows = roster()
    scope = scope_from_roster(account, rows)
    assert scope.kind == kind
    if kind == "all":
        assert scope == ALL and all(scope.allows(rep) for rep, _, _ in rows)
        return
    assert scope.teams == frozenset(teams)
    assert scope.reps == frozenset(reps_of(rows, *teams) | extra)
    assert scope.only([rep for rep, _, _ in rows]) == [rep for rep, _, _ in rows if rep in scope.reps]


def test_scope_filters_a_query_in_the_database(conn):
    rows = roster()
    conn.executemany("INSERT INTO reps (rep, team, manager, import_id) VALUES (?, ?, ?, 1)", [list(r) for r in rows])
    for account in (Account("kim", "manager"), Account("v", "viewer", rep="Rep 05"), Account("ana", "admin")):
        scope = scope_of(conn, account)
        condition, params = scope.sql("rep")
        found = {r for (r,) in conn.execute(f"SELECT rep FROM reps WHERE {condition}", params).fetchall()}
        assert found == {rep for rep, _, _ in rows if scope.allows(rep)}
    assert scope_of(conn, Account("zoe", "manager")).sql() == ("list_contains(?, rep)", [[]])
    assert Scope("teams").only(["Rep 01"]) == []
