"""The sign-in throttle through the real sign-in form: per address and per account,
increasing delays, the real user's own browser never held back by a stranger, and the
same answers for a name that exists and one that does not."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from tests.web.conftest import CONFIG, csrf_of
from vik.store.db import connect, session_scope
from vik.store.models import AuditLog, utcnow
from vik.web import create_app
from vik.web.settings import WebSettings
from vik.web.users import GENERIC_LOGIN_FAILURE


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def app_with(web_db: str, clock: Clock, **settings):  # type: ignore[no-untyped-def]
    return create_app(
        web_db,
        config_dir=CONFIG,
        settings=WebSettings(allowed_hosts=["testserver"], **settings),
        clock=clock,
    )


def browser_at(app, address: str) -> TestClient:  # type: ignore[no-untyped-def]
    """A browser (its own cookies) at a network address."""
    return TestClient(app, client=(address, 50000))


def try_sign_in(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    form = client.get("/aanmelden")
    return client.post(
        "/aanmelden",
        data={"gebruikersnaam": username, "wachtwoord": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


def test_a_stranger_cannot_hold_back_the_real_user_at_their_own_browser(web_db):
    clock = Clock()
    app = app_with(web_db, clock)
    with browser_at(app, "10.1.0.7") as desk, browser_at(app, "10.66.6.6") as stranger:
        assert try_sign_in(desk, "analist.handhaving", "analist.handhaving-demo").status_code == 303
        assert "vik_apparaat" in desk.cookies
        desk.cookies.delete("vik_sessie")
        for _ in range(12):
            failed = try_sign_in(stranger, "analist.handhaving", "raden raden raden")
            assert failed.status_code == 400
            assert GENERIC_LOGIN_FAILURE in failed.text
        # The real user, at the browser they signed in from before: straight in.
        assert try_sign_in(desk, "analist.handhaving", "analist.handhaving-demo").status_code == 303
    with browser_at(app, "10.1.0.8") as new_browser:
        # A browser that never signed in to this account waits with the account; it is
        # told what everyone is told.
        held = try_sign_in(new_browser, "analist.handhaving", "analist.handhaving-demo")
        assert held.status_code == 400 and GENERIC_LOGIN_FAILURE in held.text
        clock.advance(16 * 60)  # beyond the longest delay
        assert (
            try_sign_in(new_browser, "analist.handhaving", "analist.handhaving-demo").status_code
            == 303
        )


def test_a_name_that_exists_and_one_that_does_not_get_the_same_answers(web_db):
    """Eight wrong passwords, a second apart, then the real one (for the name that exists,
    while its delay lasts): the answers, status and text, are the same for an existing
    and an unknown name."""
    clock = Clock()
    app = app_with(web_db, clock)
    answers = {}
    for name, address in (("analist.burgerzaken", "10.2.0.1"), ("analist.bestaatniet", "10.2.0.2")):
        with browser_at(app, address) as client:
            seen = []
            for attempt in range(9):
                password = (
                    "analist.burgerzaken-demo" if attempt == 8 else f"fout wachtwoord {attempt}"
                )
                response = try_sign_in(client, name, password)
                seen.append((response.status_code, GENERIC_LOGIN_FAILURE in response.text))
                clock.advance(1)
            answers[name] = seen
    assert answers["analist.burgerzaken"] == answers["analist.bestaatniet"]
    assert set(answers["analist.bestaatniet"]) == {(400, True)}


def test_an_address_that_keeps_failing_waits_longer_each_time(web_db):
    clock = Clock()
    app = app_with(web_db, clock, login_attempts_per_address=3, login_attempts_per_account=50)
    with browser_at(app, "10.3.0.1") as client, browser_at(app, "10.3.0.2") as colleague:
        waits = []
        for _ in range(4):
            failed = try_sign_in(client, "wie.dan.ook", "verkeerd wachtwoord")
            assert failed.status_code == 400
            refused = try_sign_in(client, "analist.handhaving", "analist.handhaving-demo")
            if refused.status_code == 429:
                assert "vanaf dit netwerkadres" in refused.text
                waits.append(int(refused.text.split("Probeer het over ")[1].split(" ")[0]))
                clock.advance(waits[-1] + 1)
            else:
                assert refused.status_code == 303  # not yet throttled: the right password works
                client.cookies.clear()
        assert waits == [2, 4], waits  # the third and fourth failure: doubling
        # Another address is not held back.
        assert (
            try_sign_in(colleague, "analist.handhaving", "analist.handhaving-demo").status_code
            == 303
        )
    with session_scope(connect(web_db)) as session:
        delayed = session.exec(
            select(AuditLog).where(AuditLog.action == "aanmelden_vertraagd")
        ).all()
    assert len(delayed) == 2  # one entry per wait, not per refused try
