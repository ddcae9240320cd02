"""`vik demo run` only in a database it made: a real one is refused before anything is
written, so its disabled accounts stay disabled and keep their own passwords."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.web.conftest import CONFIG
from vik.cli import app
from vik.store.db import connect, migrate, session_scope
from vik.store.models import Run, WebUser
from vik.store.runs import start_run
from vik.web.users import authenticate, ensure_user


def vik(*args: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env={"VIK_CONFIG_DIR": str(CONFIG), **env})


def test_vik_demo_run_refuses_a_database_it_did_not_make(database_url, tmp_path):
    """A municipality's database, with a real and a disabled account named like the
    demo's: `vik demo run` with VIK_DATABASE_URL pointing at it refuses, and nothing in
    it (accounts, passwords, runs) or on disk changes."""
    env = {"VIK_DATA_DIR": str(tmp_path / "var"), "VIK_DATABASE_URL": database_url}
    for name in ("analist.handhaving", "beheer"):
        added = vik(
            "users", "add", name, "--rol", "analist", "--afdeling", "handhaving",
            "--naam", "Echte Analist", env={**env, "VIK_WACHTWOORD": "een echt geheim wachtwoord"},
        ) if name != "beheer" else vik(
            "users", "add", name, "--rol", "beheer", "--naam", "Echte Beheerder",
            env={**env, "VIK_WACHTWOORD": "een echt geheim wachtwoord"},
        )  # fmt: skip
        assert added.exit_code == 0, added.output
    assert vik("users", "disable", "analist.handhaving", env=env).exit_code == 0

    result = vik("demo", "run", "--addresses", "300", env=env)
    assert result.exit_code == 1
    assert "niet door `vik demo run` gemaakt" in result.output
    assert "VIK_DATA_DIR" in result.output
    assert "Traceback" not in result.output

    engine = connect(database_url)
    with session_scope(engine) as session:
        users = {u.username: u for u in session.exec(select(WebUser)).all()}
        assert set(users) == {"analist.handhaving", "beheer"}
        assert users["analist.handhaving"].active is False
        assert session.exec(select(Run)).all() == []
        assert session.exec(select(Run)).all() == []  # nor a marker (checked below)
        with pytest.raises(Exception, match="Onbekende gebruikersnaam"):
            authenticate(session, "beheer", "beheer-demo")
        tables = set(session.connection().dialect.get_table_names(session.connection()))
    engine.dispose()
    assert "demo_marker" not in tables or not _marked(database_url)
    assert not (tmp_path / "var" / "demo").exists()  # no extracts, no demo key


def _marked(database_url: str) -> bool:
    from vik.store.models import DemoMarker

    with session_scope(connect(database_url)) as session:
        return session.exec(select(DemoMarker)).first() is not None


def test_the_demo_claims_an_empty_database_and_only_that(database_url):
    from vik.store.demo import claim_for_demo

    engine = connect(database_url)
    assert claim_for_demo(engine, "var/demo/extracts") == "nieuw"
    assert claim_for_demo(engine, "var/demo/extracts") == "demo"
    with session_scope(engine) as session:
        ensure_user(session, "beheer", "beheer-demo", "beheer", None, "Beheer (demo)")
    engine.dispose()


def test_an_unmarked_database_that_only_held_the_demo_is_recognised(database_url):
    from vik.store.demo import claim_for_demo

    """A demo database from before the marker: runs only on the demo's extracts and only
    demo accounts. One run on other extracts, and it is not the demo's."""
    engine = connect(database_url)
    migrate(engine)
    start_run(engine, date(2026, 11, 22), "var/demo/extracts")
    assert claim_for_demo(engine, "var/demo/extracts", ["beheer"]) == "oude demo"
    engine.dispose()


def test_a_database_with_a_real_run_is_not_the_demos(database_url):
    from vik.store.demo import NotADemoDatabase, claim_for_demo

    engine = connect(database_url)
    migrate(engine)
    start_run(engine, date(2026, 11, 22), "/data/extracten/vanavond")
    with pytest.raises(NotADemoDatabase, match="eigen, lege database"):
        claim_for_demo(engine, "var/demo/extracts", ["beheer"])
    with session_scope(engine) as session, pytest.raises(NotADemoDatabase):
        ensure_user(session, "beheer", "beheer-demo", "beheer", None, "Beheer (demo)")
    engine.dispose()


def test_the_demo_claims_a_database_in_a_data_folder_not_made_yet(tmp_path):
    """A fresh machine (scripts/demo): var/ does not exist yet; the demo makes it."""
    from vik.store.demo import claim_for_demo

    engine = connect(f"sqlite:///{tmp_path / 'var' / 'vik.db'}")
    assert claim_for_demo(engine, "var/demo/extracts") == "nieuw"
    assert (tmp_path / "var" / "vik.db").is_file()
    engine.dispose()
