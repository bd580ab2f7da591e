"""``python -m analytics users add|list|remove|reset-password``: the accounts of a shared dashboard.

With no account the dashboard has no sign-in (one person on their own machine); the first account
turns sign-in on for every page. Passwords are asked twice on the terminal (never echoed), or read
as one line from standard input with ``--password-stdin`` (scripts); they are never printed.

Examples
--------
python -m analytics users add ana --role admin
python -m analytics users add kim --role manager --team North --team East
python -m analytics users add bo --role viewer --rep "Bo Chan"
python -m analytics users add lee --role manager --email lee@example.com --no-password   # single sign-on only
printf '%s\\n' "$PASSWORD" | python -m analytics users reset-password kim --password-stdin
python -m analytics users list [--count] [--json]
python -m analytics users remove bo

Exit codes: 0 done, 2 refused (bad role, taken name, short password, unknown account), 1 internal error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from analytics import accounts, quoting, store
from analytics.cli import add_db_argument, refuse


def register(subparsers: argparse._SubParsersAction) -> None:
    users = subparsers.add_parser("users", help="add, list and remove the accounts that may sign in",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="create an account (turns sign-in on)")
    add_db_argument(add)
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=accounts.ROLES)
    add.add_argument("--team", action="append", default=[], help="a team the account covers (repeat for more)")
    add.add_argument("--rep", default=None, help="limit a viewer to this rep's targets, pace and notes")
    add.add_argument("--email", default=None, help="the e-mail single sign-on reports for this person")
    _password_arguments(add, allow_none=True)
    add.set_defaults(func=_add)

    show = actions.add_parser("list", help="list the accounts (never a password)")
    add_db_argument(show)
    show.add_argument("--count", action="store_true", help="print only how many accounts exist")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_list)

    remove = actions.add_parser("remove", help="delete an account (its open sessions end at their next click)")
    add_db_argument(remove)
    remove.add_argument("name")
    remove.set_defaults(func=_remove)

    reset = actions.add_parser("reset-password", help="set a new password (and lift a lock after failed sign-ins)")
    add_db_argument(reset)
    reset.add_argument("name")
    _password_arguments(reset, allow_none=False)
    reset.set_defaults(func=_reset)


def _password_arguments(parser: argparse.ArgumentParser, *, allow_none: bool) -> None:
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true",
                     help="read the password as one line from standard input (scripts, tests)")
    if allow_none:
        how.add_argument("--no-password", action="store_true",
                         help="no password: the account signs in only through single sign-on, by e-mail")


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or asked twice on the terminal without echo.
    Raises ValueError when there is no terminal to ask on, or the two entries differ."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValueError("no terminal to ask for the password on: pipe it in with --password-stdin")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Same password again: ") != first:
        raise ValueError("the two passwords differ: nothing was changed")
    return first


def _add(args: argparse.Namespace) -> int:
    try:
        password = None if args.no_password else read_password(args.password_stdin)
    except ValueError as exc:
        return refuse(str(exc))
    conn = store.connect(args.db)
    try:
        first = accounts.account_count(conn) == 0
        account = accounts.add_account(conn, args.name, args.role, password=password, teams=args.team,
                                       rep=args.rep, email=args.email)
    except ValueError as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    print(f"account added: {quoting.line(account.describe())}")
    if first:
        print("sign-in is now required on every page of the dashboard")
    return 0


def _list(args: argparse.Namespace) -> int:
    conn = store.connect(args.db)
    try:
        people = accounts.list_accounts(conn)
    finally:
        conn.close()
    if args.count:
        print(len(people))
        return 0
    if args.json:
        print(json.dumps([{"name": a.name, "role": a.role, "teams": list(a.teams), "rep": a.rep,
                           "email": a.email, "password": a.has_password} for a in people], indent=2))
        return 0
    if not people:
        print("no accounts: the dashboard has no sign-in (python -m analytics users add NAME --role admin)")
    for account in people:
        print(quoting.line(account.describe()))
    return 0


def _remove(args: argparse.Namespace) -> int:
    conn = store.connect(args.db)
    try:
        removed = accounts.remove_account(conn, args.name)
        left = accounts.account_count(conn)
    except ValueError as exc:   # the last admin: a refusal in a sentence, nothing removed
        return refuse(quoting.line(str(exc)))
    finally:
        conn.close()
    if not removed:
        return refuse(f"no account called {quoting.quoted(args.name)}")
    print(f"account removed: {quoting.line(args.name)}")
    if left == 0:
        print("no account is left: the dashboard has no sign-in again")
    return 0


def _reset(args: argparse.Namespace) -> int:
    try:
        password = read_password(args.password_stdin)
    except ValueError as exc:
        return refuse(str(exc))
    conn = store.connect(args.db)
    try:
        accounts.set_password(conn, args.name, password)
    except (LookupError, ValueError) as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    print(f"password changed for {quoting.line(args.name)}")
    return 0
