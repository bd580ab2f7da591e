"""Sign-in through AppTest: off without accounts, on every page with one, passwords, single sign-on,
expiry, sign-out, and what a viewer may not do on the Import page. Accounts are made through the
engine; what is stored (the import's author) is read back through it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from helpers import app_test

from analytics import accounts, importing, store
from dashboard import auth

PASSWORD = "correct horse battery"
PAGES = ["pages/overview.py", "pages/baselines.py", "pages/targets.py", "pages/tracking.py", "pages/review.py",
         "pages/import_data.py", "pages/backtest.py"]
SSO_SECRETS = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                        "microsoft": {"client_id": "id", "client_secret": "secret",
                                      "server_metadata_url": "https://login.microsoftonline.com/common/v2.0/"
                                                             ".well-known/openid-configuration"}}}


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setenv(accounts.HASH_PROFILE_ENV, "cheapest")


def add_accounts(db_path, *people: tuple[str, str, dict]) -> None:
    conn = store.connect(db_path)
    try:
        for name, role, extra in people:
            accounts.add_account(conn, name, role, **({"password": PASSWORD} | extra))
    finally:
        conn.close()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def on_sign_in_form(at) -> bool:
    return "Sign in" in texts(at.title) and any(t.key == "auth_password" for t in at.text_input)


def sign_in(at, name: str, password: str = PASSWORD):
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    at.button(key="auth_sign_in").click().run()
    assert not at.exception
    return at


def test_without_accounts_there_is_no_sign_in(empty_db):
    at = app_test("pages/import_data.py")
    assert not at.exception
    assert not on_sign_in_form(at)
    assert "Import CRM exports" in texts(at.title)
    assert at.session_state[auth.ACCOUNTS_ON_KEY] is False


def test_with_an_account_every_page_asks_for_sign_in(empty_db):
    add_accounts(empty_db, ("ana", "admin", {}))
    at = app_test()
    assert on_sign_in_form(at) and not at.exception
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert on_sign_in_form(at), page
        assert texts(at.title) == "Sign in", page        # nothing of the page itself
        assert not any(s.key == "grain" for s in at.radio), page   # nor the frame's sidebar


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_page(empty_db):
    add_accounts(empty_db, ("ana", "admin", {}))
    at = app_test("pages/import_data.py")
    for wrong in ("correct horse", PASSWORD.upper()):
        sign_in(at, "ana", wrong)
        assert on_sign_in_form(at)
        assert "Wrong name or password." in texts(at.error)
    sign_in(at, "ANA")
    assert not on_sign_in_form(at)
    assert "Import CRM exports" in texts(at.title)
    assert "Signed in as **ana** · admin" in texts(at.caption)
    at.switch_page("pages/overview.py").run()   # still signed in on the next page
    assert not on_sign_in_form(at) and not at.exception


def test_repeated_failures_lock_the_name(empty_db):
    add_accounts(empty_db, ("ana", "admin", {}))
    at = app_test()
    for _ in range(accounts.FREE_FAILURES):
        sign_in(at, "ana", "wrong password")
    assert "try again in 5 seconds" in texts(at.error)
    sign_in(at, "ana")  # the right password, while locked: not checked
    assert on_sign_in_form(at) and "Too many failed sign-ins" in texts(at.error)


def test_sign_out_expiry_and_removal_end_the_session(empty_db):
    add_accounts(empty_db, ("ana", "admin", {}), ("kim", "manager", {}))
    at = sign_in(app_test(), "kim")
    assert not on_sign_in_form(at)
    at.button(key="auth_sign_out").click().run()
    assert on_sign_in_form(at)

    sign_in(at, "kim")
    at.session_state[auth.SIGNED_IN_KEY] = at.session_state[auth.SIGNED_IN_KEY] | {
        "at": datetime.now() - timedelta(hours=accounts.DEFAULT_SESSION_HOURS, minutes=1)}
    at.run()
    assert on_sign_in_form(at) and "Your session expired: sign in again." in texts(at.warning)

    sign_in(at, "kim")
    conn = store.connect(empty_db)
    accounts.remove_account(conn, "kim")
    conn.close()
    at.run()
    assert on_sign_in_form(at) and "no longer exists" in texts(at.warning)


def deals_file(n: int = 12, seed: int = 5) -> bytes:
    rng = random.Random(seed)
    lines = ["Opportunity ID,Opportunity Owner,Stage,Amount,Close Date"]
    lines += [f"D-{i},{rng.choice(['Ann Lee', 'Bob Ray'])},Closed Won,{rng.randrange(1000, 9000)}.00,"
              f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2025" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_a_viewer_cannot_import_or_undo_and_an_admins_import_names_the_admin(empty_db):
    add_accounts(empty_db, ("ana", "admin", {}), ("vic", "viewer", {}))
    admin = sign_in(app_test("pages/import_data.py"), "ana")
    (uploader,) = [u for u in admin.file_uploader if u.key and u.key.startswith("uploads")]
    uploader.set_value([("deals.csv", deals_file(), "text/csv")]).run()
    admin.button(key="commit_0").click().run()
    assert not admin.exception
    conn = store.connect(empty_db)
    try:
        (record,) = importing.import_records(conn)
    finally:
        conn.close()
    assert (record.status, record.imported_by) == ("loaded", "ana")

    viewer = sign_in(app_test("pages/import_data.py"), "vic")
    assert not viewer.exception
    assert not [u for u in viewer.file_uploader if u.key and u.key.startswith("uploads")]
    assert "Only an admin can import files" in texts(viewer.info)
    assert not [b for b in viewer.button if b.key in ("undo_import", "commit_0", "commit_all")]
    assert viewer.button(key="save_stage_outcome").disabled  # (saying what a stage is re-sets everyone's deals)
    shown = next(d.value for d in viewer.dataframe if "By" in d.value.columns)   # the history stays readable
    assert shown["By"].tolist() == ["ana"]


def test_single_sign_on_maps_the_e_mail_and_refuses_an_unknown_one(empty_db):
    add_accounts(empty_db, ("kim", "manager", {"email": "kim@example.com", "password": None}))
    at = app_test()
    at.secrets = SSO_SECRETS
    at.run()
    assert on_sign_in_form(at) and at.button(key="auth_sso_sign_in").label == "Sign in with Microsoft"

    at.user = {"is_logged_in": True, "email": "Kim@Example.com", "name": "Kim"}
    at.run()
    assert not at.exception and not on_sign_in_form(at)
    assert "Signed in as **kim** · manager" in texts(at.caption)

    stranger = app_test()
    stranger.secrets = SSO_SECRETS
    stranger.user = {"is_logged_in": True, "email": "eve@example.com"}
    stranger.run()
    assert on_sign_in_form(stranger)
    assert "No account for eve@example.com" in texts(stranger.warning)
    assert stranger.button(key="auth_sso_sign_out").label == "Sign out of the identity provider"


def saved_plan(db_path) -> None:
    """A model target set for the current quarter, as the Targets page would save it."""
    from analytics import calibration, metrics, target_drafts, target_sets
    from analytics.periods import period_of

    conn = store.connect(db_path)
    try:
        period = period_of(metrics.data_as_of(conn), "quarter", store.fiscal_year_start_month(conn))
        cal = calibration.calibrate(conn, "revenue", "quarter", period, as_of=period.start - timedelta(days=1))
        target_sets.save_target_set(conn, target_drafts.draft_from_calibration(cal, "Plan"), author="test")
    finally:
        conn.close()


def test_a_managers_note_names_the_manager_and_a_viewer_cannot_add_one(sample_db):
    saved_plan(sample_db)
    add_accounts(sample_db, ("kim", "manager", {"teams": ["Team North"]}), ("vic", "viewer", {}))
    viewer = sign_in(app_test("pages/tracking.py"), "vic")
    assert viewer.button(key="tracking_add_note").disabled
    assert "Your account can read the notes, not add them." in texts(viewer.caption)

    at = sign_in(app_test("pages/tracking.py"), "kim")
    assert not at.button(key="tracking_add_note").disabled
    at.text_area(key="tracking_note_text").input("Two demos booked")
    at.button(key="tracking_add_note").click().run()
    assert not at.exception
    conn = store.connect(sample_db)
    try:
        assert conn.execute("SELECT note, author FROM checkin_notes").fetchall() == [("Two demos booked", "kim")]
    finally:
        conn.close()


@pytest.mark.parametrize(("name", "may_clear"), [("ana", True), ("kim", False), ("vic", False)])
def test_only_an_admin_may_clear_the_sample_company(sample_db, name, may_clear):
    add_accounts(sample_db, ("ana", "admin", {}), ("kim", "manager", {}), ("vic", "viewer", {}))
    at = sign_in(app_test(), name)
    assert at.button(key="clear_sample").disabled != may_clear
    assert ("Only an admin can clear the sample data." in texts(at.caption)) != may_clear


def test_a_viewer_cannot_save_targets_and_a_managers_final_save_names_the_manager(sample_db):
    add_accounts(sample_db, ("kim", "manager", {"teams": ["Team North"]}), ("vic", "viewer", {}))
    viewer = sign_in(app_test("pages/targets.py"), "vic")
    assert viewer.button(key="tg_save").disabled and viewer.button(key="tg_save_final").disabled
    assert not [t for t in viewer.text_input if t.key == "tg_author"]      # no typed name when signed in

    at = sign_in(app_test("pages/targets.py"), "kim")
    at.text_input(key="tg_name").set_value("Kim plan").run()
    at.button(key="tg_save_final").click().run()
    at.button(key="tg_save_final_confirm").click().run()
    assert not at.exception
    assert any("Saved 'Kim plan' v1 as final" in s.value for s in at.success)
    # answered once: no question left under the answer, and the saves are closed on a read-only set
    assert not [b for b in at.button if b.key == "tg_save_final_confirm"]
    assert at.button(key="tg_save").disabled and at.button(key="tg_save_final").disabled
    conn = store.connect(sample_db)
    try:
        assert conn.execute("SELECT DISTINCT updated_by FROM target_sets WHERE name = 'Kim plan'").fetchall() \
            == [("kim",)]
    finally:
        conn.close()
