"""Accounts: passwords hashed, failed sign-ins slowed down, idle sessions ended, closed
accounts refused, single sign-on mapped by issuer and subject, and no password or secret in a
log, an error or the audit trail."""

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import actions
from actions import Actor
from actions.accounts import SignInRefused, sign_in, sign_in_as_demo_user
from pdsa.core.audit import list_events
from pdsa.core.passwords import FREE_TRIES, MAX_WAIT_SECONDS, verify_password, wait_after_failures
from pdsa.store import users

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor(None, "test", roles=frozenset({"administrator"}))
SECRET = "korrekt hest batteri hæfteklamme"
NOW = datetime(2026, 12, 1, 12, 0, 0)


@pytest.fixture
def anna(db):
    return actions.create_user(db, ADMIN, username="anna", display_name="Anna Sygeplejerske", roles={"staff"},
                               password=SECRET)


def test_the_password_is_stored_as_an_argon2_hash_only(db, anna):
    stored = users.password_hash(db, anna.id)
    assert stored.startswith("$argon2id$") and SECRET not in stored and verify_password(stored, SECRET)
    trail = json.dumps([e.model_dump(mode="json") for e in list_events(db, limit=10_000)])
    assert SECRET not in trail and stored not in trail


def test_sign_in_gives_the_person_with_roles_and_refuses_a_wrong_password(db, anna):
    actor = sign_in(db, "ANNA", SECRET, now=NOW)
    assert (actor.user_id, actor.name, actor.roles) == (anna.id, "Anna Sygeplejerske", frozenset({"staff"}))
    with pytest.raises(SignInRefused) as refused:
        sign_in(db, "anna", "forkert", now=NOW)
    assert refused.value.reason == "wrong" and "forkert" not in str(refused.value)
    with pytest.raises(SignInRefused, match="wrong"):
        sign_in(db, "nobody", SECRET, now=NOW)  # the same answer as a wrong password


def test_after_five_failures_each_try_waits_twice_as_long_up_to_fifteen_minutes(db, anna):
    assert [wait_after_failures(n) for n in range(4, 9)] == [0, 1, 2, 4, 8]
    assert wait_after_failures(40) == MAX_WAIT_SECONDS == 900
    moment = NOW
    for _ in range(FREE_TRIES + 2):  # 7 failures, each after the previous wait
        with pytest.raises(SignInRefused):
            sign_in(db, "anna", "forkert", now=moment)
        moment += timedelta(seconds=10)
    last = users.find_user(db, "anna").last_failed_at
    with pytest.raises(SignInRefused) as refused:
        sign_in(db, "anna", SECRET, now=last + timedelta(seconds=1))  # the right password, too soon
    assert refused.value.reason == "too_soon" and refused.value.wait_seconds == pytest.approx(3)
    assert sign_in(db, "anna", SECRET, now=last + timedelta(seconds=5)).user_id == anna.id
    assert users.find_user(db, "anna").failed_sign_ins == 0


def test_failures_are_counted_per_address_only_when_given(db, anna):
    for second in range(FREE_TRIES + 1):
        with pytest.raises(SignInRefused):
            sign_in(db, f"guess{second}", "x", now=NOW + timedelta(seconds=second), address="10.0.0.9")
    with pytest.raises(SignInRefused, match="too_soon"):
        sign_in(db, "anna", SECRET, now=NOW + timedelta(seconds=6), address="10.0.0.9")
    assert sign_in(db, "anna", SECRET, now=NOW + timedelta(seconds=6), address="10.0.0.10").user_id == anna.id


def test_a_closed_account_cannot_sign_in(db, anna):
    actions.disable_user(db, ADMIN, anna.id, True)
    with pytest.raises(SignInRefused, match="disabled"):
        sign_in(db, "anna", SECRET, now=NOW)


def test_demo_users_sign_in_only_while_the_database_carries_the_demo_mark(demo_db):
    assert sign_in_as_demo_user(demo_db, "demo-lead").name == "Mette Kjær Andersen"
    demo_db.execute("DELETE FROM database_mark")  # as a restore does
    with pytest.raises(SignInRefused):
        sign_in_as_demo_user(demo_db, "demo-lead")


def test_the_command_line_never_echoes_a_password(tmp_path):
    db = tmp_path / "cli.duckdb"
    run = subprocess.run([sys.executable, "-m", "pdsa", "user", "add", "ada", "--name", "Ada", "--role",
                          "administrator", "--password-stdin", "--db", str(db)], cwd=ROOT, input=SECRET + "\n",
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    short = subprocess.run([sys.executable, "-m", "pdsa", "user", "passwd", "ada", "--password-stdin", "--db",
                            str(db)], cwd=ROOT, input="kort\n", capture_output=True, text=True, timeout=120)
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    for output in (run.stdout, run.stderr, short.stdout, short.stderr):
        assert SECRET not in output and "kort" not in output.replace("kortere", "")


# --- single sign-on -------------------------------------------------------------------------------

def _sso_app(monkeypatch, path, sub: str, **claims):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PDSA_DB", str(path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.secrets["auth"] = {"redirect_uri": "http://localhost/oauth2callback", "cookie_secret": "s",
                          "client_id": "c", "client_secret": "x", "server_metadata_url": "http://idp/.well-known"}
    at.user["is_logged_in"] = True
    at.user["iss"] = "https://login.example"
    at.user["sub"] = sub
    for key, value in claims.items():
        at.user[key] = value
    return at


def test_an_unknown_identity_waits_and_gets_access_when_an_administrator_grants_it(monkeypatch, demo_copy):
    from pdsa.core.db import connect

    at = _sso_app(monkeypatch, demo_copy, "karen-1", name="Karen Kirurg")
    at.run()
    assert not at.exception, at.exception
    assert any("does not know you yet" in i.value for i in at.info), "the unknown identity is told to ask"
    assert not at.metric, "and sees no project data"
    con = connect(demo_copy)
    [waiting] = users.waiting_identities(con.cursor())
    assert (waiting.subject, waiting.display_name) == ("karen-1", "Karen Kirurg")
    granted = actions.grant_identity(con.cursor(), ADMIN, waiting.issuer, waiting.subject, roles={"staff"})
    con.close()
    assert granted.roles == frozenset({"staff"})
    at = _sso_app(monkeypatch, demo_copy, "karen-1", name="Karen Kirurg")
    at.run()
    assert not at.exception, at.exception
    at.switch_page("views/overview.py").run()  # signed in, the home page comes first
    assert at.metric, "signed in through the organisation's account: the overview shows"
