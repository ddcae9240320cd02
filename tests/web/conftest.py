"""One demo database per session, built by the real nightly run; a copy per test.

``web_db`` is a fresh copy of the session's SQLite demo database (with the demo
accounts), so tests that record decisions cannot see each other. ``pg_web_db``
builds the same demo on the real PostgreSQL server (in its own schema) for the
tests that must hold on both databases. ``client`` is signed out; ``sign_in`` signs
a client in as one of the demo accounts through the real sign-in form.
"""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from vik.cli.demo import DEMO_ACCOUNTS, demo_password
from vik.connectors.pseudonyms import PseudonymKey
from vik.nightly import NightlyConfig, run_nightly
from vik.store.db import connect, session_scope
from vik.web import create_app
from vik.web.settings import WebSettings
from vik.web.users import ensure_user

with warnings.catch_warnings():
    # Starlette suggests httpx2 for its test client; httpx is what this project installs.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

CONFIG = Path(__file__).resolve().parents[2] / "config"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def nightly(extracts: Path, database_url: str, data_dir: Path) -> None:
    run_nightly(
        NightlyConfig(
            extracts_dir=extracts,
            database_url=database_url,
            config_dir=CONFIG,
            data_dir=data_dir,
            peildatum=DEMO_AS_OF,
            key=PseudonymKey(TEST_KEY),
        )
    )


def demo_database(extracts: Path, database_url: str, data_dir: Path) -> None:
    """The nightly run on the demo extracts, and the demo accounts of `vik demo run`, in a
    database marked as the demo's (as `vik demo run` does)."""
    from vik.store.demo import claim_for_demo

    engine = connect(database_url)
    claim_for_demo(engine, str(extracts))
    nightly(extracts, database_url, data_dir)
    with session_scope(engine) as session:
        for username, role, department, name in DEMO_ACCOUNTS:
            ensure_user(session, username, demo_password(username), role, department, name)
    engine.dispose()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium, headless, once per session (for the modules with BROWSER_MARKS)."""
    from tests.web.browser import CHROMIUM, MISSING, chromium

    if not CHROMIUM.exists():
        pytest.fail(MISSING)
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def web_db_template(demo_extracts, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("web-db")
    path = folder / "vik.db"
    url = f"sqlite:///{path}"
    demo_database(demo_extracts, url, folder / "data")
    engine = connect(url)
    with engine.connect() as connection:  # everything into the main file, so a copy is whole
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path


@pytest.fixture
def web_db(web_db_template, tmp_path) -> str:
    path = tmp_path / "vik.db"
    shutil.copyfile(web_db_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def pg_web_db(demo_extracts, tmp_path) -> str:
    """The demo on both databases: SQLite and (marked postgres) the real PostgreSQL."""
    import os

    from tests.conftest import POSTGRES_ENV, _postgres_schema_url

    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL-tests overgeslagen: zet {POSTGRES_ENV} (.ci/run doet dat)")
    generator = _postgres_schema_url(base)
    url = next(generator)
    demo_database(demo_extracts, url, tmp_path / "data")
    yield url
    next(generator, None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_web_db(request) -> str:
    """The demo database on SQLite and on PostgreSQL."""
    name = "web_db" if request.param == "sqlite" else "pg_web_db"
    return request.getfixturevalue(name)


def make_app(  # type: ignore[no-untyped-def]
    database_url: str,
    data_dir: Path | None = None,
    *,
    today: date = DEMO_AS_OF,
    config_dir: Path = CONFIG,
    **settings,
):
    """The app on a demo database; `data_dir` holds that night's lookup projection; `today`
    and `config_dir` for tests of later nights and of other configurations."""
    # The test client's requests carry Host: testserver.
    settings.setdefault("allowed_hosts", ["testserver", "localhost", "127.0.0.1"])
    return create_app(
        database_url,
        config_dir=config_dir,
        settings=WebSettings(**settings),
        today=lambda: today,
        data_dir=data_dir,
        key=PseudonymKey(TEST_KEY),
    )


@pytest.fixture(scope="session")
def web_data_dir(web_db_template) -> Path:
    """The data folder of the session's demo night: its lookup projection (read only)."""
    return web_db_template.parent / "data"


@pytest.fixture
def app(web_db):  # type: ignore[no-untyped-def]
    return make_app(web_db)


@pytest.fixture
def client(app) -> TestClient:
    with TestClient(app) as test_client:
        yield test_client


def csrf_of(page_html: str) -> str:
    match = CSRF.search(page_html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str | None = None):  # type: ignore[no-untyped-def]
    """Sign in through the form; returns the response of the POST (a redirect on success)."""
    form = client.get("/aanmelden")
    return client.post(
        "/aanmelden",
        data={
            "gebruikersnaam": username,
            "wachtwoord": password if password is not None else demo_password(username),
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )


@pytest.fixture
def signed_in(app) -> Callable[[str], TestClient]:
    """A new client signed in as the given demo account."""
    clients: list[TestClient] = []

    def factory(username: str) -> TestClient:
        test_client = TestClient(app)
        clients.append(test_client)
        response = sign_in(test_client, username)
        assert response.status_code == 303, response.text
        return test_client

    yield factory
    for test_client in clients:
        test_client.close()


def flags_where(database_url: str, **criteria) -> list:  # type: ignore[no-untyped-def]
    """Flags of the demo database matching column == value criteria, by id."""
    from sqlmodel import select

    from vik.store.models import Flag

    engine = connect(database_url)
    with session_scope(engine) as session:
        query = select(Flag)
        for column, value in criteria.items():
            query = query.where(getattr(Flag, column) == value)
        flags = list(session.exec(query.order_by(Flag.id)).all())
    engine.dispose()
    return flags


def dossier_of(database_url: str, flag) -> int:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from vik.store.models import Dossier

    engine = connect(database_url)
    with session_scope(engine) as session:
        dossier = session.exec(
            select(Dossier).where(
                Dossier.entity_type == flag.entity_type, Dossier.entity_key == flag.entity_key
            )
        ).one()
    engine.dispose()
    return dossier.id


def decisions_on(database_url: str, flag_id: int) -> dict[str, str | None]:
    """department → its current decision on the flag (departments that never decided: absent)."""
    from sqlmodel import select

    from vik.store.models import FlagDecision

    engine = connect(database_url)
    with session_scope(engine) as session:
        rows = session.exec(select(FlagDecision).where(FlagDecision.flag_id == flag_id)).all()
        result = {row.department: row.decision for row in rows}
    engine.dispose()
    return result


def loo_example(database_url: str, *, owner: str = "handhaving") -> dict[str, int]:
    """One turn of the cycle in the store, as the pages would make it: handhaving passes an
    overbewoning flag on to the LOO, the secretariat plans a meeting a week ahead and puts
    the dossier on its agenda with an integrale controle for `owner`. Returns the ids."""
    from datetime import timedelta

    from sqlmodel import select

    from vik.departments import load_departments
    from vik.followup import load_followup
    from vik.store.loo import add_agreement, add_to_agenda, plan_meeting
    from vik.store.models import DecisionSnapshot, Flag
    from vik.store.reviews import FORUMS, record_review

    departments = list(load_departments(CONFIG))
    followup = load_followup(CONFIG)
    engine = connect(database_url)
    with session_scope(engine) as session:
        flag = session.exec(
            select(Flag).where(Flag.rule_id == "overbewoning").order_by(Flag.id)
        ).first()
        review = record_review(
            session,
            flag,
            department="handhaving",
            decision="doorzetten",
            target="LOO",
            reason="Twaalf inschrijvingen: samen met Burgerzaken controleren.",
            reviewer="analist.handhaving",
            targets=FORUMS,
            today=DEMO_AS_OF,
        )
        meeting = plan_meeting(
            session,
            held_on=DEMO_AS_OF + timedelta(days=7),
            chair="J. van Dijk, burgemeester",
            departments=["ondermijning", "handhaving", "burgerzaken"],
            by="analist.ondermijning",
            known=departments,
            today=DEMO_AS_OF,
        )
        item = add_to_agenda(
            session, meeting, flag.entity_type, flag.entity_key, by="analist.ondermijning"
        )
        agreement = add_agreement(
            session,
            item,
            action="integrale_controle",
            owner=owner,
            deadline=DEMO_AS_OF + timedelta(days=30),
            description="Controle met Burgerzaken",
            by="analist.ondermijning",
            followup=followup,
            known=departments,
            today=DEMO_AS_OF,
        )
        snapshot = session.exec(
            select(DecisionSnapshot).where(DecisionSnapshot.review_id == review.id)
        ).one()
        ids = {
            "flag_id": flag.id,
            "meeting_id": meeting.id,
            "item_id": item.id,
            "agreement_id": agreement.id,
            "snapshot_id": snapshot.id,
        }
    engine.dispose()
    return ids
