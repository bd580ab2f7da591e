"""Sign-in for a shared dashboard: off while no account exists, on every page once one does.

app.py calls :func:`require_sign_in` right after ``st.navigation`` and before the page runs (and
``frame.require`` does for a page run alone). Without a signed-in account it draws the sign-in form
in place of the page and stops the run. Two ways in:

- a name and password checked by :func:`analytics.accounts.check_sign_in` (Argon2 hashes, failures
  counted in the database and slowed by a lock);
- single sign-on, when ``.streamlit/secrets.toml`` has an ``[auth]`` section: ``st.login`` (OpenID
  Connect through Authlib), then the e-mail in ``st.user`` mapped to an account
  (:func:`analytics.accounts.account_for_identity`); an e-mail no account has is refused.

The signed-in account's name and the time of sign-in live in session state; the account itself is
read again on every run, so a removed account or a changed role counts at the next click, and a
sign-in expires after ``session_hours`` (12 by default). Pages ask :func:`allowed` before a write and
record :func:`author` in the audit trail. Every run works out the account's scope afresh from the roster
(through an unscoped cursor) and hands it to ``session.set_scope``: from then on every cursor the page
takes (``session.db()``) sees only the scope's reps; before sign-in, none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import streamlit as st

from analytics import accounts, store
from analytics import scope as scopes
from analytics.accounts import Account
from dashboard import session

SIGNED_IN_KEY = "auth_signed_in"    # {"name": account name, "at": datetime of sign-in, "via": password | sso}
ACCOUNT_KEY = "auth_account"        # the signed-in Account of this run (None: nobody, or accounts off)
ACCOUNTS_ON_KEY = "auth_accounts_on"  # whether any account existed at this run's start
NOTICE_KEY = "auth_notice"          # a sentence for the next sign-in form (session expired, refused e-mail)


def require_sign_in(conn: store.Connection) -> Account | None:
    """The signed-in account, or None when no account exists (accounts off: no sign-in). Without a
    signed-in account while accounts exist, draws the sign-in form and stops the run. Sets this run's
    scope (``session.set_scope``) either way: every rep while accounts are off, none before sign-in."""
    conn = session.unscoped_db()    # (a cursor of the last run's scope would read a filtered roster)
    if accounts.account_count(conn) == 0:
        st.session_state[ACCOUNTS_ON_KEY] = False
        st.session_state[ACCOUNT_KEY] = None
        st.session_state.pop(SIGNED_IN_KEY, None)
        session.set_scope(scopes.ALL)
        return None
    st.session_state[ACCOUNTS_ON_KEY] = True
    session.set_scope(scopes.NOBODY)
    account = _session_account(conn)
    st.session_state[ACCOUNT_KEY] = account
    if account is None:
        _sign_in_page(conn)
        st.stop()
    session.set_scope(scopes.scope_of(conn, account))
    _signed_in_box(account)
    return account


def account() -> Account | None:
    """This run's signed-in account (None: nobody signed in, or accounts are off)."""
    found = st.session_state.get(ACCOUNT_KEY)
    return found if isinstance(found, Account) else None


def allowed(action: str) -> bool:
    """Whether this session may do ``action`` (``accounts.ACTIONS``): always while accounts are off."""
    if not st.session_state.get(ACCOUNTS_ON_KEY):
        return True
    signed_in = account()
    return signed_in is not None and accounts.allowed(signed_in, action)


def author(typed: str | None = "") -> str | None:
    """The name the audit trail records for a change made in this session: the signed-in account's,
    else (accounts off) the name typed in the page, if any."""
    return accounts.audit_author(account(), typed)


def scope() -> scopes.Scope:
    """The reps this session may see (every rep while accounts are off), as this run's sign-in set it."""
    return session.scope()


def sso_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` configures single sign-on (an ``[auth]`` section)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def sso_provider(auth_section: Mapping[str, object]) -> str | None:
    """The provider ``st.login`` takes: None when ``[auth]`` holds the provider's settings itself,
    else the first ``[auth.NAME]`` section's name.

    >>> sso_provider({"redirect_uri": "…", "client_id": "x", "server_metadata_url": "…"}) is None
    True
    >>> sso_provider({"redirect_uri": "…", "cookie_secret": "…", "microsoft": {"client_id": "x"}})
    'microsoft'
    """
    if "client_id" in auth_section:
        return None
    return next((name for name, value in auth_section.items() if isinstance(value, Mapping)), None)


def sign_out() -> None:
    """End this session's sign-in (and the identity provider's cookie when it came from there)."""
    via = (st.session_state.pop(SIGNED_IN_KEY, None) or {}).get("via")
    st.session_state[ACCOUNT_KEY] = None
    if via == "sso":
        st.logout()
    st.rerun()


def _session_account(conn: store.Connection) -> Account | None:
    """The account this session signed in as, read again; None after expiry, removal or SSO sign-out."""
    state = st.session_state.get(SIGNED_IN_KEY)
    if state:
        if accounts.session_expired(state["at"], datetime.now(), accounts.session_hours(conn)):
            st.session_state.pop(SIGNED_IN_KEY, None)
            st.session_state[NOTICE_KEY] = "Your session expired: sign in again."
            if state.get("via") == "sso":
                st.logout()
            return None
        if state.get("via") == "sso" and not (sso_configured() and st.user.get("is_logged_in")):
            st.session_state.pop(SIGNED_IN_KEY, None)
            return None
        found = accounts.get_account(conn, state["name"])
        if found is None:
            st.session_state.pop(SIGNED_IN_KEY, None)
            st.session_state[NOTICE_KEY] = "Your account no longer exists: ask an admin."
        return found
    if sso_configured() and st.user.get("is_logged_in"):
        match = accounts.account_for_identity(accounts.list_accounts(conn), st.user)
        if match.account is not None:
            st.session_state[SIGNED_IN_KEY] = {"name": match.account.name, "at": datetime.now(), "via": "sso"}
            return match.account
        st.session_state[NOTICE_KEY] = match.refusal
    return None


def _sign_in_page(conn: store.Connection) -> None:
    st.title("Sign in")
    st.caption("This dashboard is shared: sign in with your account to see your teams' targets.")
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.warning(notice, icon=":material/lock:")
    if sso_configured():
        provider = sso_provider(st.secrets["auth"])
        if st.user.get("is_logged_in"):
            if st.button("Sign out of the identity provider", key="auth_sso_sign_out"):
                st.logout()
        elif st.button(f"Sign in with {provider.title() if provider else 'your company account'}",
                       key="auth_sso_sign_in", type="primary", icon=":material/login:"):
            st.login(provider)
        st.caption("Or with a name and password:")
    with st.form("auth_sign_in_form", clear_on_submit=True, border=True, width=420):
        name = st.text_input("Name", key="auth_name", autocomplete="username")
        password = st.text_input("Password", type="password", key="auth_password", autocomplete="current-password")
        if st.form_submit_button("Sign in", key="auth_sign_in", type="primary", icon=":material/login:"):
            result = accounts.check_sign_in(conn, name, password)
            if result.account is not None:
                st.session_state[SIGNED_IN_KEY] = {"name": result.account.name, "at": datetime.now(),
                                                   "via": "password"}
                st.rerun()
            st.error(result.message, icon=":material/block:")


def _signed_in_box(signed_in: Account) -> None:
    with st.sidebar:
        st.caption(f"Signed in as **{signed_in.name}** · {signed_in.role} · sees {session.scope().describe()}")
        if st.button("Sign out", key="auth_sign_out", icon=":material/logout:", type="tertiary"):
            sign_out()
