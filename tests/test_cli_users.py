"""``python -m analytics users add|list|remove|reset-password`` in process, passwords from stdin."""

from __future__ import annotations

import io
import json
import sys

import pytest
from helpers import run_cli

from analytics import accounts, store

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setenv(accounts.HASH_PROFILE_ENV, "cheapest")


def users(monkeypatch, *args: str, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return run_cli("users", *args)


def stored_accounts(db_path):
    conn = store.connect(db_path)
    try:
        return accounts.list_accounts(conn), conn.execute("SELECT password_hash FROM accounts").fetchall()
    finally:
        conn.close()


def test_add_list_remove_with_the_password_never_printed(db_path, monkeypatch):
    assert users(monkeypatch, "list", "--count").stdout == "0\n"
    added = users(monkeypatch, "add", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "account added: ana · admin" in added.stdout
    assert "sign-in is now required" in added.stdout
    kim = users(monkeypatch, "add", "kim", "--role", "manager", "--team", "North", "--team", "East",
                "--password-stdin", stdin=PASSWORD + "\n")
    assert kim.returncode == 0 and "sign-in is now required" not in kim.stdout
    sso = users(monkeypatch, "add", "lee", "--role", "viewer", "--rep", "Lee Park", "--email", "Lee@Example.com",
                "--no-password")
    assert sso.returncode == 0, sso.stderr
    listed = users(monkeypatch, "list")
    assert listed.stdout.splitlines() == ["ana · admin", "kim · manager · teams North, East",
                                          "lee · viewer · rep Lee Park · lee@example.com · single sign-on only"]
    as_json = json.loads(users(monkeypatch, "list", "--json").stdout)
    assert [(a["name"], a["password"]) for a in as_json] == [("ana", True), ("kim", True), ("lee", False)]
    assert users(monkeypatch, "list", "--count").stdout == "3\n"
    everything = "".join(r.stdout + r.stderr for r in (added, kim, sso, listed)) + json.dumps(as_json)
    assert PASSWORD not in everything and "argon2" not in everything
    people, hashes = stored_accounts(db_path)
    assert sorted(h for (h,) in hashes if h) == sorted(h for (h,) in hashes if h and h.startswith("$argon2id$"))

    removed = users(monkeypatch, "remove", "KIM")
    assert removed.returncode == 0 and removed.stdout == "account removed: KIM\n"
    refused = users(monkeypatch, "remove", "ana")       # the last admin, while lee's account remains
    assert refused.returncode == 2 and "'ana' is the last admin" in refused.stderr + refused.stdout
    for name in ("lee", "ana"):
        assert users(monkeypatch, "remove", name).returncode == 0
    last = users(monkeypatch, "list")
    assert "no accounts: the dashboard has no sign-in" in last.stdout


@pytest.mark.parametrize(("args", "stdin", "refusal"), [
    (("add", "x", "--role", "admin", "--password-stdin"), "short\n", "at least 10 characters"),
    (("add", "x", "--role", "admin", "--team", "N", "--password-stdin"), PASSWORD + "\n", "an admin sees every team"),
    (("add", "x", "--role", "viewer", "--no-password"), "", "give --email"),
    (("add", "x", "--role", "admin"), "", "pipe it in with --password-stdin"),   # no terminal to ask on
    (("add", "ana", "--role", "viewer", "--password-stdin"), PASSWORD + "\n", "exists already"),
    (("remove", "nobody"), "", "no account called 'nobody'"),
    (("reset-password", "nobody", "--password-stdin"), PASSWORD + "\n", "no account called 'nobody'"),
    (("reset-password", "ana", "--password-stdin"), "tiny\n", "at least 10 characters"),
])
def test_refusals_exit_2_and_change_nothing(db_path, monkeypatch, args, stdin, refusal):
    users(monkeypatch, "add", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    before = stored_accounts(db_path)
    result = users(monkeypatch, *args, stdin=stdin)
    assert result.returncode == 2
    assert refusal in result.stderr and result.stderr.startswith("error: ")
    assert stored_accounts(db_path) == before


def test_an_unknown_role_is_a_usage_error(db_path, monkeypatch):
    result = users(monkeypatch, "add", "x", "--role", "owner", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 2 and "invalid choice: 'owner'" in result.stderr


def test_reset_password_lets_the_new_one_in_only(db_path, monkeypatch):
    users(monkeypatch, "add", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    reset = users(monkeypatch, "reset-password", "ana", "--password-stdin", stdin="a brand new password\r\n")
    assert reset.returncode == 0 and reset.stdout == "password changed for ana\n"
    assert "a brand new password" not in reset.stdout + reset.stderr
    conn = store.connect(db_path)
    try:
        assert accounts.check_sign_in(conn, "ana", PASSWORD).account is None
        assert accounts.check_sign_in(conn, "ana", "a brand new password").account is not None
    finally:
        conn.close()
