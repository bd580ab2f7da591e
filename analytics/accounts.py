"""Accounts: who may use a shared dashboard, with which role, and the sign-in check.

No account, no sign-in: the dashboard stays one person's tool on their own machine. Once an account
exists (``python -m analytics users add``), every page asks for one. Passwords are kept only as
Argon2id hashes (argon2-cffi's ``PasswordHasher``: salt and parameters inside the encoded string);
an account without one signs in through the company's identity provider, matched by e-mail.

Roles, what each may do and the single sign-on match are in :mod:`analytics.account_roles`
(re-exported here: the accounts API).

Failed sign-ins are counted per typed name in the database, so a server restart does not forget
them: after ``FREE_FAILURES`` the name is locked for a time that doubles with every further failure
(:func:`lockout_seconds`), and no password is checked while it is.

Example
-------
>>> import os; os.environ[HASH_PROFILE_ENV] = "cheapest"   # tests only: fast, weak hashes
>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> add_account(conn, "ana", "manager", password="correct horse", teams=["North"]).teams
('North',)
>>> check_sign_in(conn, "ana", "wrong one!").message
'Wrong name or password.'
>>> check_sign_in(conn, "Ana", "correct horse").account.name
'ana'
>>> del os.environ[HASH_PROFILE_ENV]
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

import duckdb
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics import store
from analytics.account_roles import (  # noqa: F401  (re-exported: the accounts API)
    ACTIONS,
    ROLE_ACTIONS,
    ROLES,
    Account,
    IdentityMatch,
    account_for_identity,
    allowed,
    audit_author,
)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000     # (Argon2 takes any length; a megabyte "password" is only a cost)
MAX_NAME_LENGTH = 80
FREE_FAILURES = 3              # failed sign-ins for a name before it is locked for a while
FIRST_LOCK_SECONDS = 5
MAX_LOCK_SECONDS = 15 * 60
FAILURE_MEMORY = timedelta(hours=24)   # failures older than this are forgotten
SESSION_HOURS_SETTING = "session_hours"
DEFAULT_SESSION_HOURS = 12
HASH_PROFILE_ENV = "TARGETS_ARGON2_PROFILE"
"""Set to ``cheapest`` by tests only: Argon2 at its lowest cost (microseconds instead of about
0.3 s a hash). Never set on a server: ``make serve`` unsets it, and a sign-in on a server without it
re-hashes such a password at full cost (``check_needs_rehash``)."""

_ACCOUNT_COLUMNS = "name, role, teams, rep, email, password_hash IS NOT NULL"


class SignInResult(NamedTuple):
    """What a sign-in attempt gave: the account (None when refused), a sentence for the person, and
    how many seconds the name must wait before the next attempt is checked (0: it may try now)."""

    account: Account | None
    message: str
    retry_after: int


def password_hasher() -> PasswordHasher:
    """Argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3 passes), or
    the cheapest profile when ``$TARGETS_ARGON2_PROFILE`` is ``cheapest`` (tests)."""
    if os.environ.get(HASH_PROFILE_ENV) == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def lockout_seconds(failures: int) -> int:
    """How long a name is locked after ``failures`` failed sign-ins in a row: nothing for the first
    ``FREE_FAILURES - 1``, then 5 s, doubling with each failure, at most 15 minutes.

    >>> [lockout_seconds(n) for n in (1, 2, 3, 4, 5, 12)]
    [0, 0, 5, 10, 20, 900]
    """
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_LOCK_SECONDS * 2 ** (failures - FREE_FAILURES), MAX_LOCK_SECONDS)


def session_expired(signed_in_at: datetime, now: datetime, hours: float = DEFAULT_SESSION_HOURS) -> bool:
    """Whether a sign-in made at ``signed_in_at`` has expired at ``now``.

    >>> t = datetime(2026, 3, 2, 8, 0)
    >>> session_expired(t, t + timedelta(hours=11)), session_expired(t, t + timedelta(hours=12))
    (False, True)
    """
    return now - signed_in_at >= timedelta(hours=hours)


def session_hours(conn: duckdb.DuckDBPyConnection) -> float:
    """How long a sign-in lasts, in hours: the ``session_hours`` setting, else 12."""
    value = store.get_setting(conn, SESSION_HOURS_SETTING)
    return float(value) if value else float(DEFAULT_SESSION_HOURS)


# ---- the accounts table ------------------------------------------------------------------------

def _account(row: Sequence[object]) -> Account:
    name, role, teams, rep, email, has_password = row
    return Account(str(name), str(role), tuple(str(t) for t in teams or ()),  # type: ignore[attr-defined]
                   None if rep is None else str(rep), None if email is None else str(email), bool(has_password))


def account_count(conn: duckdb.DuckDBPyConnection) -> int:
    """How many accounts exist (0: the dashboard has no sign-in)."""
    return int(conn.execute("SELECT count(*) FROM accounts").fetchall()[0][0])


def list_accounts(conn: duckdb.DuckDBPyConnection) -> list[Account]:
    """Every account, by name."""
    rows = conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY lower(name)").fetchall()
    return [_account(r) for r in rows]


def get_account(conn: duckdb.DuckDBPyConnection, name: str) -> Account | None:
    """The account called ``name`` (case does not matter), or None."""
    row = conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE lower(name) = lower(?)",
                       [name.strip()]).fetchone()
    return None if row is None else _account(row)


def _clean_name(name: str, what: str = "an account name") -> str:
    name = unicodedata.normalize("NFC", str(name)).strip()
    if not name:
        raise ValueError(f"{what} cannot be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"{what} has at most {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ValueError(f"{what} cannot hold control characters")
    return name


def check_password_rule(name: str, password: str) -> None:
    """Refuse (ValueError) a password shorter than ``MIN_PASSWORD_LENGTH`` or equal to the name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().casefold() == name.strip().casefold():
        raise ValueError("a password cannot be the account's name")


def _check_role(role: str, teams: Sequence[str], rep: str | None) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "admin" and (teams or rep):
        raise ValueError("an admin sees every team: --team and --rep are for managers and viewers")
    if rep and role != "viewer":
        raise ValueError("--rep limits a viewer to one rep: it is for the viewer role")
    if rep and teams:
        raise ValueError("a viewer limited to one rep has no teams: give --rep or --team, not both")


def add_account(conn: duckdb.DuckDBPyConnection, name: str, role: str, *, password: str | None = None,
                teams: Iterable[str] = (), rep: str | None = None, email: str | None = None) -> Account:
    """Create an account. Without a password it signs in only through single sign-on, by ``email``
    (or by its name when the name is the e-mail). Raises ValueError for a bad or taken name, role,
    e-mail or password (nothing is written then)."""
    name = _clean_name(name)
    team_list = list(dict.fromkeys(_clean_name(t, "a team") for t in teams))
    rep = _clean_name(rep, "a rep") if rep else None
    email = _clean_name(email, "an e-mail").lower() if email else None
    _check_role(role, team_list, rep)
    if email is not None and "@" not in email:
        raise ValueError(f"{email!r} is not an e-mail address")
    if password is None and email is None and "@" not in name:
        raise ValueError("an account without a password signs in by e-mail: give --email (or a password)")
    if password is not None:
        check_password_rule(name, password)
    if get_account(conn, name) is not None:
        raise ValueError(f"an account called {name!r} exists already")
    if email is not None and _email_taken(conn, email):
        raise ValueError(f"another account has the e-mail {email}")
    hashed = None if password is None else password_hasher().hash(password)
    conn.execute("INSERT INTO accounts (name, role, teams, rep, email, password_hash, password_changed_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ? THEN current_timestamp END)",
                 [name, role, team_list, rep, email, hashed, hashed is not None])
    account = get_account(conn, name)
    assert account is not None  # (just written)
    return account


def _email_taken(conn: duckdb.DuckDBPyConnection, email: str) -> bool:
    return bool(conn.execute("SELECT count(*) FROM accounts WHERE lower(email) = ? OR lower(name) = ?",
                             [email, email]).fetchall()[0][0])


def remove_account(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Delete the account ``name``; False when there is none. A signed-in session of it ends at its
    next run (the dashboard reads the account again on every run).

    Raises ValueError for the last admin while other accounts remain: nobody could then import, undo
    or manage accounts from the dashboard (removing every account turns sign-in off instead).
    """
    found = get_account(conn, name)
    if found is None:
        return False
    others = [a for a in list_accounts(conn) if a.name != found.name]
    if found.role == "admin" and others and not any(a.role == "admin" for a in others):
        raise ValueError(f"{found.name!r} is the last admin: add another admin first (or remove the other "
                         f"{len(others)} account(s) too, which turns sign-in off)")
    with store.transaction(conn):
        conn.execute("DELETE FROM accounts WHERE name = ?", [found.name])
        conn.execute("DELETE FROM sign_in_failures WHERE name = ?", [found.name.lower()])
    return True


def set_password(conn: duckdb.DuckDBPyConnection, name: str, password: str) -> None:
    """Give ``name`` a new password (and lift any lock on it). Raises LookupError for an unknown name,
    ValueError for a password the rule refuses."""
    found = get_account(conn, name)
    if found is None:
        raise LookupError(f"no account called {name!r}")
    check_password_rule(found.name, password)
    with store.transaction(conn):
        conn.execute("UPDATE accounts SET password_hash = ?, password_changed_at = current_timestamp "
                     "WHERE name = ?", [password_hasher().hash(password), found.name])
        conn.execute("DELETE FROM sign_in_failures WHERE name = ?", [found.name.lower()])


# ---- signing in ----------------------------------------------------------------------------------

def _now(conn: duckdb.DuckDBPyConnection) -> datetime:
    when: datetime = conn.execute("SELECT CAST(current_timestamp AS TIMESTAMP)").fetchall()[0][0]
    return when


def check_sign_in(conn: duckdb.DuckDBPyConnection, name: str, password: str, *,
                  now: datetime | None = None) -> SignInResult:
    """Check a name and password. A wrong password, an unknown name and an account without a password
    get the same answer; failures are counted per name and lock it (:func:`lockout_seconds`); a
    success clears them. ``now`` is the database's clock unless given (tests)."""
    now = now or _now(conn)
    key = str(name).strip().lower()
    failure = conn.execute("SELECT failures, last_failed_at, locked_until FROM sign_in_failures WHERE name = ?",
                           [key]).fetchone()
    failures = 0
    if failure is not None and now - failure[1] < FAILURE_MEMORY:
        failures = int(failure[0])
        if failure[2] is not None and now < failure[2]:
            wait = max(1, int((failure[2] - now).total_seconds() + 0.999))
            return SignInResult(None, f"Too many failed sign-ins for this name: try again in {_seconds(wait)}.",
                                wait)
    row = conn.execute("SELECT name, password_hash FROM accounts WHERE lower(name) = ?", [key]).fetchone()
    if row is not None and row[1] is not None and _verify(conn, row[0], row[1], password):
        conn.execute("DELETE FROM sign_in_failures WHERE name = ?", [key])
        account = get_account(conn, row[0])
        return SignInResult(account, "", 0)
    if row is None or row[1] is None:
        _verify_nothing(password)  # (as slow as a real check: the answer's time does not tell a name exists)
    failures += 1
    lock = lockout_seconds(failures)
    conn.execute("INSERT INTO sign_in_failures VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                 "failures = excluded.failures, last_failed_at = excluded.last_failed_at, "
                 "locked_until = excluded.locked_until",
                 [key, failures, now, now + timedelta(seconds=lock) if lock else None])
    message = "Wrong name or password."
    if lock:
        message += f" Too many failed sign-ins for this name: try again in {_seconds(lock)}."
    return SignInResult(None, message, lock)


def _seconds(n: int) -> str:
    return f"{n} seconds" if n < 120 else f"{(n + 59) // 60} minutes"


def _verify(conn: duckdb.DuckDBPyConnection, name: str, hashed: str, password: str) -> bool:
    hasher = password_hasher()
    try:
        hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(hashed):  # (made at another cost: kept at today's)
        conn.execute("UPDATE accounts SET password_hash = ? WHERE name = ?", [hasher.hash(password), name])
    return True


_DUMMY_HASHES: dict[str, str] = {}


def _verify_nothing(password: str) -> None:
    hasher = password_hasher()
    profile = os.environ.get(HASH_PROFILE_ENV, "")
    if profile not in _DUMMY_HASHES:
        _DUMMY_HASHES[profile] = hasher.hash("not any account's password")
    with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        hasher.verify(_DUMMY_HASHES[profile], password)
