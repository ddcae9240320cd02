"""Migrations on purpose: `vik db upgrade` and `vik db status` migrate and tell; every other
command refuses a database that is missing, behind or ahead, saying what to run and which
versions each side has; concurrent upgrades wait for each other; reading creates nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.command import downgrade as alembic_downgrade
from sqlalchemy import inspect, text
from sqlmodel import select
from typer.testing import CliRunner

from tests.extracts import TEST_KEY
from vik.cli import app
from vik.connectors.model import EntityType
from vik.store.db import (
    SchemaState,
    alembic_config,
    code_revision,
    connect,
    migrate,
    schema_version,
    session_scope,
)
from vik.store.models import Link, LinkJudgement

ROOT = Path(__file__).resolve().parents[2]
HEAD = code_revision()


@pytest.fixture(autouse=True)
def settings(monkeypatch, tmp_path):
    monkeypatch.setenv("VIK_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("VIK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    monkeypatch.delenv("VIK_DATABASE_URL", raising=False)


def vik(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


# Commands that work on the database, each with the arguments it needs besides --db.
COMMANDS = [
    ("runs",),
    ("users", "list"),
    ("export", "flags", "--out", "signalen.csv", "--doel", "controle van de signalen"),
    ("run", "--extracts", "."),
    ("purge",),
    ("unlock", "--ja"),
]


def test_every_command_refuses_a_database_that_is_behind(empty_database_url, tmp_path):
    migrate(connect(empty_database_url), "0002")
    for command in COMMANDS:
        result = vik(*command, "--db", empty_database_url)
        assert result.exit_code == 1, (command, result.output)
        assert f"heeft versie 0002; deze VIK verwacht versie {HEAD}" in result.output, command
        assert "vik db upgrade" in result.output, command
        assert "Traceback" not in result.output
    assert schema_version(connect(empty_database_url)).database == "0002"  # nothing migrated


def test_an_older_vik_on_a_newer_database_says_so(database_url):
    engine = connect(database_url)
    with engine.begin() as connection:  # as a later VIK would leave it
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_later'"))
    for command in [*COMMANDS, ("db", "upgrade")]:
        result = vik(*command, "--db", database_url)
        assert result.exit_code == 1, (command, result.output)
        assert "heeft versie 0099_later, nieuwer dan deze VIK kent" in result.output, command
        assert f"(versie {HEAD})" in result.output
        assert "niet bereikbaar" not in result.output


def test_db_status_and_upgrade(empty_database_url):
    before = vik("db", "status", "--db", empty_database_url)
    assert before.exit_code == 1
    assert "0001: initial schema" in before.output and f"{HEAD}:" in before.output
    assert "vik db upgrade" in before.output
    upgraded = vik("db", "upgrade", "--db", empty_database_url)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"bijgewerkt van versie geen (nieuw) naar {HEAD}" in upgraded.output
    after = vik("db", "status", "--db", empty_database_url)
    assert after.exit_code == 0, after.output
    assert "actueel" in after.output and "Nog uit te voeren" not in after.output
    again = vik("db", "upgrade", "--db", empty_database_url)
    assert f"al actueel (versie {HEAD})" in again.output


def test_a_password_in_the_url_is_never_printed(tmp_path):
    url = "postgresql://vik:geheim-wachtwoord@127.0.0.1:1/vik"
    for command in (("db", "status"), ("db", "upgrade"), ("runs",)):
        result = vik(*command, "--db", url)
        assert result.exit_code == 1
        assert "geheim-wachtwoord" not in result.output
        assert "vik:***@127.0.0.1" in result.output


def test_concurrent_vik_db_upgrades_wait_for_each_other(empty_database_url, tmp_path):
    """Three `vik db upgrade` processes on one fresh database, started at the same moment:
    all succeed, one creates the schema and two find it current. (Without the lock,
    PostgreSQL failed some with UniqueViolation on pg_type_typname_nsp_index.)"""
    script = (  # import VIK, say so, wait for the start signal, upgrade
        "import sys, time, pathlib; from vik.cli import app; "
        "ready, go = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]); ready.touch(); "
        "[time.sleep(0.01) for _ in iter(lambda: go.exists(), True)]; "
        "app(['db', 'upgrade', '--db', sys.argv[3]])"
    )
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                script,
                str(tmp_path / f"ready-{i}"),
                str(go),
                empty_database_url,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(3)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()  # all three start together
    try:
        outputs = [p.communicate(timeout=180)[0] for p in processes]
    finally:
        for process in processes:
            process.kill()
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    assert sum("bijgewerkt van versie geen (nieuw)" in o for o in outputs) == 1, outputs
    assert sum("al actueel" in o for o in outputs) == 2
    engine = connect(empty_database_url)
    assert schema_version(engine).state is SchemaState.CURRENT
    assert {"run", "flag", "web_user", "run_lock"} <= set(inspect(engine).get_table_names())


def test_reading_commands_create_no_database(tmp_path, monkeypatch):
    """Without VIK_DATABASE_URL the default is SQLite in the data folder: a command that
    only reads must say there is none, not create an empty one."""
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "var"
    for command in (
        ("runs",),
        ("users", "list"),
        ("export", "flags", "--out", "signalen.csv", "--doel", "controle van de signalen"),
        ("export", "links", "--out", "koppelingen.csv", "--doel", "controle van de koppelingen"),
        ("db", "status"),
        ("bewaking",),
        ("unlock", "--ja"),
    ):
        result = vik(*command)
        assert result.exit_code == 1, (command, result.output)
        assert f"Er is geen database op {data / 'vik.db'}" in result.output, command
        assert "vik db upgrade" in result.output
        assert not (data / "vik.db").exists(), command
    assert not list(tmp_path.glob("*.csv"))


def downgrade(url: str, revision: str) -> None:
    engine = connect(url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic_downgrade(config, revision)


def stored_entity_types(url: str) -> dict[str, list[str]]:
    with connect(url).connect() as connection:
        return {
            table: connection.execute(text(f"SELECT entity_type FROM {table} ORDER BY id"))
            .scalars()
            .all()
            for table in ("link", "link_judgement")
        }


def test_links_stored_in_english_read_as_adres_persoon_bedrijf(empty_database_url):
    """Before 0008 links and link judgements said address/person/company where flags say
    adres/persoon/bedrijf: `vik db upgrade` rewrites them, and the downgrade writes back."""
    engine = connect(empty_database_url)
    migrate(engine, "0007_gov")
    with engine.begin() as connection:
        for number, (entity_type, status) in enumerate(
            [("address", "zeker"), ("person", "mogelijk"), ("company", "geen")]
        ):
            connection.execute(
                text(
                    "INSERT INTO link (source, record_key, entity_type, entity_id, status, "
                    "run_id) VALUES ('meldingen', :key, :type, 'E1', :status, 1)"
                ),
                {"key": f"m{number}", "type": entity_type, "status": status},
            )
        connection.execute(
            text(
                "INSERT INTO link_judgement (source, record_key, entity_type, entity_id, "
                "verdict, reason, by, at) VALUES ('meldingen', 'm1', 'person', 'E1', "
                "'is_niet', 'een andere persoon', 'analist', CURRENT_TIMESTAMP)"
            )
        )
    english = {"link": ["address", "person", "company"], "link_judgement": ["person"]}
    assert stored_entity_types(empty_database_url) == english

    upgraded = vik("db", "upgrade", "--db", empty_database_url)
    assert upgraded.exit_code == 0, upgraded.output
    assert stored_entity_types(empty_database_url) == {
        "link": ["adres", "persoon", "bedrijf"],
        "link_judgement": ["persoon"],
    }
    with session_scope(engine) as session:
        links = session.exec(select(Link).order_by(Link.id)).all()
        judgement = session.exec(select(LinkJudgement)).one()
        persons = session.exec(select(Link).where(Link.entity_type == EntityType.PERSOON)).all()
    assert [link.entity_type for link in links] == list(EntityType)
    assert judgement.entity_type is EntityType.PERSOON
    assert [link.record_key for link in persons] == ["m1"]

    downgrade(empty_database_url, "0007_gov")
    assert stored_entity_types(empty_database_url) == english
