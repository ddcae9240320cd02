"""Accounts: argon2id hashes, sign-in messages, lockout, disabling, sessions ending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from tests.web.conftest import sign_in
from vik.store.db import connect, migrate, session_scope
from vik.store.demo import claim_for_demo
from vik.store.models import AuditLog, WebSession, WebUser, utcnow
from vik.web.users import (
    GENERIC_LOGIN_FAILURE,
    LoginError,
    UserError,
    add_user,
    authenticate,
    ensure_user,
    set_active,
    set_password,
)


@pytest.fixture
def engine(database_url):  # type: ignore[no-untyped-def]
    engine = connect(database_url)
    migrate(engine)
    return engine


def test_passwords_are_stored_as_argon2id_hashes(engine):
    with session_scope(engine) as session:
        add_user(session, "fg", "geheime zin van mij", "compliance", None, "F. G.", actor="test")
    with session_scope(engine) as session:
        user = session.exec(select(WebUser)).one()
        assert user.password_hash.startswith("$argon2id$")
        assert "geheime zin" not in user.password_hash
        assert authenticate(session, "fg", "geheime zin van mij").role == "compliance"


def test_unknown_name_and_wrong_password_get_the_same_message(engine):
    with session_scope(engine) as session:
        add_user(session, "fg", "geheime zin van mij", "compliance", None, "F. G.", actor="test")
    for name, password in (("niemand", "geheime zin van mij"), ("fg", "verkeerd wachtwoord")):
        with session_scope(engine) as session, pytest.raises(LoginError) as raised:
            authenticate(session, name, password)
        assert str(raised.value) == GENERIC_LOGIN_FAILURE
    with session_scope(engine) as session:
        entries = session.exec(select(AuditLog).where(AuditLog.action == "aanmelden_mislukt")).all()
        assert [e.actor for e in entries] == ["onbekend", "fg"]  # a typed name is not logged


def test_after_five_wrong_passwords_the_account_waits_longer_each_time(engine):
    """No lockout: a delay that doubles, during which even the right password gets the
    message an unknown name gets; after the delay the right password works again."""
    with session_scope(engine) as session:
        add_user(session, "fg", "geheime zin van mij", "compliance", None, "F. G.", actor="test")
    start = utcnow()
    for _ in range(5):
        with session_scope(engine) as session, pytest.raises(LoginError):
            authenticate(session, "fg", "fout fout fout", now=start)
    with session_scope(engine) as session, pytest.raises(LoginError) as raised:
        authenticate(session, "fg", "geheime zin van mij", now=start + timedelta(seconds=1))
    assert str(raised.value) == GENERIC_LOGIN_FAILURE
    later = start + timedelta(seconds=3)
    with session_scope(engine) as session:
        assert authenticate(session, "fg", "geheime zin van mij", now=later).username == "fg"
        delayed = session.exec(select(AuditLog).where(AuditLog.action == "aanmelden_vertraagd"))
        assert [e.actor for e in delayed.all()] == ["fg"]


def test_account_rules_say_what_to_fix(engine):
    with session_scope(engine) as session:
        with pytest.raises(UserError, match="hoort bij een afdeling"):
            add_user(session, "a.b", "lang genoeg wachtwoord", "analist", None, "A", actor="t")
        with pytest.raises(UserError, match="hoort niet bij een afdeling"):
            add_user(session, "a.b", "lang genoeg wachtwoord", "beheer", "oov", "A", actor="t")
        with pytest.raises(UserError, match="Ongeldige gebruikersnaam"):
            add_user(session, "A B", "lang genoeg wachtwoord", "beheer", None, "A", actor="t")
        with pytest.raises(UserError, match="te kort"):
            add_user(session, "a.b", "kort", "beheer", None, "A", actor="t")
        add_user(session, "a.b", "lang genoeg wachtwoord", "beheer", None, "A", actor="t")
        with pytest.raises(UserError, match="bestaat al"):
            add_user(session, "a.b", "lang genoeg wachtwoord", "beheer", None, "A", actor="t")


def test_ensure_user_is_idempotent(database_url):
    engine = connect(database_url)
    claim_for_demo(engine, "var/demo/extracts")  # only in the demo's own database
    for _ in range(2):
        with session_scope(engine) as session:
            ensure_user(session, "beheer", "beheer-demo", "beheer", None, "Beheer (demo)")
    with session_scope(engine) as session:
        assert len(session.exec(select(WebUser)).all()) == 1
        actions = [a.action for a in session.exec(select(AuditLog)).all()]
        assert actions == ["gebruiker_aangemaakt"]  # the second call changed nothing


def test_wrong_password_in_the_form_gets_a_dutch_message(client):
    response = sign_in(client, "analist.handhaving", "verkeerd-wachtwoord")
    assert response.status_code == 400
    assert GENERIC_LOGIN_FAILURE in response.text
    assert client.get("/signalen", follow_redirects=False).headers["location"] == "/aanmelden"


def test_disabling_an_account_ends_its_session_at_once(client, web_db):
    sign_in(client, "analist.handhaving")
    assert client.get("/signalen", follow_redirects=False).status_code == 200
    with session_scope(connect(web_db)) as session:
        set_active(session, "analist.handhaving", False, actor="test")
    assert client.get("/signalen", follow_redirects=False).status_code == 303
    refused = sign_in(client, "analist.handhaving")
    assert "Dit account is uitgeschakeld" in refused.text


def test_a_new_password_ends_existing_sessions(client, web_db):
    sign_in(client, "analist.handhaving")
    with session_scope(connect(web_db)) as session:
        set_password(session, "analist.handhaving", "een nieuw wachtwoord", actor="test")
    assert client.get("/signalen", follow_redirects=False).status_code == 303
    assert sign_in(client, "analist.handhaving", "een nieuw wachtwoord").status_code == 303


def test_an_idle_session_expires(client, web_db):
    sign_in(client, "analist.handhaving")
    with session_scope(connect(web_db)) as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=61)))
    assert client.get("/signalen", follow_redirects=False).headers["location"] == "/aanmelden"
    with session_scope(connect(web_db)) as session:
        assert session.exec(select(WebSession)).all() == []


def test_the_session_table_holds_no_usable_token(client, web_db):
    sign_in(client, "analist.handhaving")
    token = client.cookies.get("vik_sessie")
    with session_scope(connect(web_db)) as session:
        (row,) = session.exec(select(WebSession)).all()
    assert token not in row.token_hash and len(row.token_hash) == 64


def test_each_role_lands_on_its_own_start_page(client):
    for username, home in (
        ("analist.handhaving", "/signalen"),
        ("compliance", "/register"),
        ("beheer", "/beheer"),
    ):
        client.cookies.clear()
        assert sign_in(client, username).headers["location"] == home
