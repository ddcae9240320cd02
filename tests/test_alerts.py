"""Alerts reach functioneel beheer by e-mail and webhook: a failed night, a night that did
not start, a held-back source, and what `vik bewaking` finds in the morning.

The receivers are real: an SMTP server (aiosmtpd) and an HTTP webhook on localhost.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlmodel import select
from typer.testing import CliRunner

import vik.nightly as nightly
from tests.alert_sinks import MAIL_TO
from tests.extracts import TEST_KEY
from tests.test_nightly import config
from vik.alerts import Alerter
from vik.cli import app
from vik.errors import RunLockedError, StepFailed
from vik.nightly import run_nightly
from vik.store.db import connect, migrate, session_scope
from vik.store.lock import run_lock
from vik.store.models import Run, RunStatus, utcnow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def data_dir(monkeypatch, tmp_path):
    """The commands' logs go to a data folder of the test's own."""
    monkeypatch.setenv("VIK_DATA_DIR", str(tmp_path / "var"))


def test_a_failed_night_is_mailed_and_posted(demo_extracts, database_url, tmp_path, alert_sinks):
    def boom(*args):
        raise RuntimeError("Jansen, Dorpsstraat 1")  # an unexpected error quoting data

    run_nightly(config(demo_extracts, database_url, tmp_path))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nightly, "resolve_step", boom)
        with pytest.raises(StepFailed):
            run_nightly(
                config(demo_extracts, database_url, tmp_path, alerts=Alerter(alert_sinks.urls))
            )
    received = alert_sinks.wait_for(2)
    assert sorted(r.channel for r in received) == ["mail", "webhook"]
    assert MAIL_TO in alert_sinks.recipients
    for alert in received:
        assert alert.subject == "VIK: nachtelijke run 2 mislukt"
        assert "mislukt in stap 'resolve'" in alert.body
        assert "RuntimeError" in alert.body
        assert "Jansen" not in alert.body and "Dorpsstraat" not in alert.body


def test_a_source_held_back_by_the_shrink_guard_is_reported(
    demo_extracts, database_url, tmp_path, alert_sinks
):
    run_nightly(config(demo_extracts, database_url, tmp_path))
    shrunk = tmp_path / "shrunk"
    shutil.copytree(demo_extracts, shrunk)
    brp = pl.read_csv(shrunk / "brp.csv", infer_schema=False)
    brp.head(brp.height // 3).write_csv(shrunk / "brp.csv")
    with pytest.raises(StepFailed):
        run_nightly(config(shrunk, database_url, tmp_path, alerts=Alerter(alert_sinks.urls)))
    received = alert_sinks.wait_for(2)
    assert len(received) == 2
    for alert in received:
        assert "Tegengehouden bronnen" in alert.body
        assert "- brp: brp.csv: " in alert.body and "rijen geaccepteerd" in alert.body
        assert "--accept-shrink brp" in alert.body


def test_a_night_refused_by_the_lock_reports_that_it_did_not_start(
    demo_extracts, database_url, tmp_path, alert_sinks
):
    engine = connect(database_url)
    with run_lock(engine, "een hangende run"), pytest.raises(StepFailed) as refused:
        run_nightly(config(demo_extracts, database_url, tmp_path, alerts=Alerter(alert_sinks.urls)))
    assert refused.value.step == "start" and isinstance(refused.value.cause, RunLockedError)
    received = alert_sinks.wait_for(2)
    assert {r.subject for r in received} == {"VIK: nachtelijke run niet gestart"}
    assert all("Er loopt al een run" in r.body for r in received)


def test_a_served_night_on_a_database_to_upgrade_reports_that_it_did_not_start(
    demo_extracts, empty_database_url, tmp_path, alert_sinks
):
    """As a Prefect worker runs it: the flow itself finds the database behind."""
    from vik.errors import SchemaError

    migrate(connect(empty_database_url), "0001")
    with pytest.raises(StepFailed) as refused:
        run_nightly(
            config(demo_extracts, empty_database_url, tmp_path, alerts=Alerter(alert_sinks.urls))
        )
    assert refused.value.step == "start" and isinstance(refused.value.cause, SchemaError)
    received = alert_sinks.wait_for(2)
    assert {r.subject for r in received} == {"VIK: nachtelijke run niet gestart"}
    assert all("heeft versie 0001" in r.body and "vik db upgrade" in r.body for r in received)


def test_an_undeliverable_alert_does_not_hide_the_night_s_own_failure(
    demo_extracts, database_url, tmp_path
):
    dead = "json://127.0.0.1:9/vik"  # nothing listens on the discard port
    empty = tmp_path / "leeg"
    empty.mkdir()
    with pytest.raises(StepFailed) as failure:
        run_nightly(config(empty, database_url, tmp_path, alerts=Alerter(dead)))
    assert failure.value.step == "extract"


def _cli(*args: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env={"VIK_CONFIG_DIR": str(ROOT / "config"), **env})


def test_vik_bewaking_reports_a_night_that_did_not_start(
    demo_extracts, database_url, tmp_path, alert_sinks
):
    env = {"VIK_ALERT_URLS": alert_sinks.urls}
    never = _cli("bewaking", "--db", database_url, env=env)
    assert never.exit_code == 1
    assert "nog nooit een nachtelijke run gedraaid" in never.output
    assert "Gemeld aan functioneel beheer" in never.output

    run_nightly(config(demo_extracts, database_url, tmp_path))
    fine = _cli("bewaking", "--db", database_url, env=env)
    assert fine.exit_code == 0, fine.output
    assert "De nacht is goed verlopen" in fine.output
    assert len(alert_sinks.wait_for(2)) == 2  # only the first check alerted

    # Two days later nothing has run: the cron job did not start the night.
    engine = connect(database_url)
    with session_scope(engine) as session:
        run = session.exec(select(Run)).one()
        run.started_at = utcnow() - timedelta(hours=50)
        run.finished_at = utcnow() - timedelta(hours=49)
        session.add(run)
    stale = _cli("bewaking", "--db", database_url, env=env)
    assert stale.exit_code == 1
    assert "De nachtelijke run is niet gestart: de laatste run (1)" in stale.output
    assert "De laatste geslaagde run (1)" in stale.output
    received = alert_sinks.wait_for(4)[2:]
    assert sorted(r.channel for r in received) == ["mail", "webhook"]
    assert all(r.subject == "VIK: de nacht is niet goed verlopen" for r in received)
    assert all("niet gestart" in r.body for r in received)


def test_vik_bewaking_reports_a_killed_run(database_url, tmp_path, alert_sinks):
    engine = connect(database_url)
    with session_scope(engine) as session:  # a run whose process died: no lock holds it
        session.add(Run(peildatum=utcnow().date(), extracts_dir="x", status=RunStatus.BEZIG))
    result = _cli("bewaking", "--db", database_url, env={"VIK_ALERT_URLS": alert_sinks.urls})
    assert result.exit_code == 1
    assert "Run 1" in result.output and "is afgebroken" in result.output
    assert all("afgebroken" in r.body for r in alert_sinks.wait_for(2))


def test_vik_bewaking_reports_a_database_it_cannot_use(empty_database_url, alert_sinks):
    result = _cli("bewaking", "--db", empty_database_url, env={"VIK_ALERT_URLS": alert_sinks.urls})
    assert result.exit_code == 1
    assert "vik db upgrade" in result.output
    assert len(alert_sinks.wait_for(2)) == 2


def test_vik_run_on_a_database_it_cannot_use_reports_a_night_that_did_not_start(
    empty_database_url, tmp_path, alert_sinks
):
    engine = connect(empty_database_url)
    migrate(engine, "0001")
    result = _cli(
        "run",
        "--db",
        empty_database_url,
        env={
            "VIK_ALERT_URLS": alert_sinks.urls,
            "VIK_DATA_DIR": str(tmp_path / "var"),
            "VIK_PSEUDONYM_KEY": TEST_KEY.decode(),
        },
    )
    assert result.exit_code == 1
    received = alert_sinks.wait_for(2)
    assert {r.subject for r in received} == {"VIK: nachtelijke run niet gestart"}
    assert all("vik db upgrade" in r.body for r in received)


def test_vik_bewaking_test_sends_a_test_alert(alert_sinks):
    result = _cli("bewaking", "--test", env={"VIK_ALERT_URLS": alert_sinks.urls})
    assert result.exit_code == 0, result.output
    assert {r.subject for r in alert_sinks.wait_for(2)} == {"VIK: testmelding"}
    unset = _cli("bewaking", "--test", env={"VIK_ALERT_URLS": ""})
    assert unset.exit_code == 1
    assert "VIK_ALERT_URLS" in unset.output
