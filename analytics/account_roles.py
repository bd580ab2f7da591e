"""An account as a value, and what it may do: the roles and their actions, the audit trail's author,
and the account an identity provider's signed-in user maps to (single sign-on, by e-mail).

Roles: ``admin`` (everything: imports, undo, accounts), ``manager`` (their teams: targets, tracking,
review, notes), ``viewer`` (read-only; with a rep, only that rep). Which reps each may see is a
:class:`analytics.scope.Scope`. Pure: the accounts table and the sign-in check are in
:mod:`analytics.accounts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

ROLES = ("admin", "manager", "viewer")
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"view", "targets", "notes", "import", "undo", "clear", "accounts"}),
    "manager": frozenset({"view", "targets", "notes"}),
    "viewer": frozenset({"view"}),
}
"""What each role may do. ``view``: read pages and download what they show (within the scope);
``targets``: save and finalise target sets; ``notes``: write check-in notes; ``import``, ``undo``,
``clear``: change the imported data; ``accounts``: manage accounts."""

ACTIONS = frozenset().union(*ROLE_ACTIONS.values())


@dataclass(frozen=True)
class Account:
    """An account as the dashboard holds it: never its password hash."""

    name: str
    role: str
    teams: tuple[str, ...] = ()
    rep: str | None = None
    email: str | None = None
    has_password: bool = False

    def describe(self) -> str:
        """The account in one line, as ``users list`` prints it.

        >>> Account("bo", "viewer", rep="Bo Chan", has_password=True).describe()
        'bo · viewer · rep Bo Chan'
        >>> Account("kim", "manager", teams=("North", "East"), email="kim@example.com").describe()
        'kim · manager · teams North, East · kim@example.com · single sign-on only'
        """
        parts = [self.name, self.role]
        if self.teams:
            parts.append("teams " + ", ".join(self.teams) if len(self.teams) > 1 else f"team {self.teams[0]}")
        if self.rep:
            parts.append(f"rep {self.rep}")
        if self.email:
            parts.append(self.email)
        if not self.has_password:
            parts.append("single sign-on only")
        return " · ".join(parts)


class IdentityMatch(NamedTuple):
    """The account an identity provider's signed-in user maps to, or None and why not."""

    account: Account | None
    refusal: str


def allowed(account: Account | None, action: str) -> bool:
    """Whether ``account`` may do ``action`` (one of ``ACTIONS``). ``None`` means accounts are off
    (no account exists): the one person at the machine may do everything.

    >>> allowed(Account("v", "viewer"), "notes"), allowed(Account("m", "manager"), "notes")
    (False, True)
    >>> allowed(None, "import")
    True
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: one of {', '.join(sorted(ACTIONS))}")
    return account is None or action in ROLE_ACTIONS[account.role]


def audit_author(account: Account | None, typed: str | None = None) -> str | None:
    """The name the audit trail records: the signed-in account's, else the typed name (accounts off).

    >>> audit_author(Account("ana", "manager"), "someone else"), audit_author(None, " Bo "), audit_author(None, "")
    ('ana', 'Bo', None)
    """
    if account is not None:
        return account.name
    return (typed or "").strip() or None


# ---- single sign-on -----------------------------------------------------------------------------

def account_for_identity(accounts: Iterable[Account], identity: Mapping[str, object]) -> IdentityMatch:
    """The account an identity provider's user maps to, by e-mail (case does not matter): the
    account's e-mail, or its name when the name is the e-mail. An identity without an e-mail, with
    one the provider says is not verified, or with one no account has, is refused.

    ``identity`` is what ``st.user`` holds after ``st.login`` (the OpenID Connect claims).

    >>> people = [Account("ana", "manager", email="ana@example.com"), Account("bo@example.com", "viewer")]
    >>> account_for_identity(people, {"is_logged_in": True, "email": "Ana@Example.com"}).account.name
    'ana'
    >>> account_for_identity(people, {"is_logged_in": True, "email": "eve@example.com"}).refusal
    'No account for eve@example.com: ask an admin to add one (python -m analytics users add).'
    """
    if not identity.get("is_logged_in"):
        return IdentityMatch(None, "Not signed in with the identity provider.")
    email = str(identity.get("email") or "").strip()
    if not email:
        return IdentityMatch(None, "The identity provider did not say your e-mail: ask an admin to add the "
                                   "email claim (scope 'openid profile email').")
    if identity.get("email_verified") is False:
        return IdentityMatch(None, f"The identity provider has not verified {email}.")
    wanted = email.casefold()
    for account in accounts:
        if (account.email or "").casefold() == wanted or account.name.casefold() == wanted:
            return IdentityMatch(account, "")
    return IdentityMatch(None, f"No account for {email}: ask an admin to add one (python -m analytics users add).")
