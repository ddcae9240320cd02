"""The nightly run without Prefect: idempotent, atomic per step, one at a time, guarded."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlmodel import select

import vik.nightly as nightly
from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from vik.connectors.pseudonyms import PseudonymKey
from vik.errors import RunLockedError, StepFailed
from vik.nightly import STEPS, NightlyConfig, run_nightly
from vik.store.db import connect, session_scope
from vik.store.lock import run_lock
from vik.store.models import AuditLog, Dossier, Flag, FlagEvidence, Link, Run

CONFIG = Path(__file__).resolve().parents[1] / "config"


def config(extracts: Path, database_url: str, data_dir: Path, **kwargs) -> NightlyConfig:
    return NightlyConfig(
        extracts_dir=extracts,
        database_url=database_url,
        config_dir=CONFIG,
        data_dir=data_dir,
        peildatum=kwargs.pop("peildatum", DEMO_AS_OF),
        key=PseudonymKey(TEST_KEY),
        **kwargs,
    )


def snapshot(database_url: str) -> dict:
    engine = connect(database_url)
    with session_scope(engine) as session:
        flags = session.exec(select(Flag)).all()
        return {
            "flags": sorted(
                (f.rule_id, f.entity_type, f.entity_key, f.department, f.status, f.explanation)
                for f in flags
            ),
            "first_seen": sorted(
                (f.rule_id, f.entity_key, f.department, f.first_seen_run) for f in flags
            ),
            "evidence": len(session.exec(select(FlagEvidence)).all()),
            "dossiers": sorted(
                (d.entity_type, d.entity_key, d.priority)
                for d in session.exec(select(Dossier)).all()
            ),
            "links": len(session.exec(select(Link)).all()),
        }


def test_run_stores_flags_dossiers_links_and_a_report(demo_extracts, database_url, tmp_path):
    result = run_nightly(config(demo_extracts, database_url, tmp_path))
    assert result.status == "geslaagd"
    assert result.flag_counts["nieuw"] > 0
    assert result.report_path.is_file()
    assert "## Regels" in result.report_path.read_text(encoding="utf-8")
    assert not list(result.report_path.parent.glob("*.tmp"))
    state = snapshot(database_url)
    assert state["dossiers"] and state["links"] > 1000
    engine = connect(database_url)
    with session_scope(engine) as session:
        run = session.exec(select(Run)).one()
        assert run.status == "geslaagd"
        assert set(run.step_seconds) == set(STEPS)
        assert run.source_counts["brp"]["rows_read"] > 0
        assert {o["rule_id"] for o in run.rule_outcomes} >= {"overbewoning", "betrokkenheid"}
        assert run.wijk_counts


def test_same_extracts_twice_give_the_same_flags(demo_extracts, database_url, tmp_path):
    first = run_nightly(config(demo_extracts, database_url, tmp_path))
    before = snapshot(database_url)
    second = run_nightly(config(demo_extracts, database_url, tmp_path))
    after = snapshot(database_url)
    assert second.flag_counts["nieuw"] == 0
    assert second.flag_counts["vervallen"] == 0
    assert second.flag_counts["open"] == first.flag_counts["open"]
    assert after == before


@pytest.mark.parametrize("step", STEPS)
def test_failure_in_any_step_leaves_the_last_good_run_untouched(
    demo_extracts, database_url, tmp_path, monkeypatch, step
):
    run_nightly(config(demo_extracts, database_url, tmp_path))
    good = snapshot(database_url)

    def boom(*args, **kwargs):
        raise RuntimeError(f"ingespoten fout in {step}")

    target = {
        "extract": "extract_source",
        "resolve": "resolve_step",
        "evaluate": "evaluate_step",
        "persist": "persist_step",
        "report": "write_report",
        "purge": "purge_step",
    }[step]
    monkeypatch.setattr(nightly, target, boom)
    with pytest.raises(StepFailed) as raised:
        run_nightly(config(demo_extracts, database_url, tmp_path, peildatum=date(2026, 12, 1)))
    assert raised.value.step == step
    assert snapshot(database_url) == good
    engine = connect(database_url)
    with session_scope(engine) as session:
        failed = session.exec(select(Run).order_by(Run.id.desc())).first()
        assert (failed.status, failed.failed_step) == ("mislukt", step)
        assert f"ingespoten fout in {step}" in failed.error
    assert not (tmp_path / "runs" / str(failed.id) / "rapport.md").exists()


def test_a_second_run_while_one_is_in_progress_is_refused(demo_extracts, database_url, tmp_path):
    engine = connect(database_url)
    from vik.store.db import migrate

    migrate(engine)
    with run_lock(engine, "al bezig"), pytest.raises(StepFailed) as refused:
        run_nightly(config(demo_extracts, database_url, tmp_path))
    assert refused.value.step == "start"
    assert isinstance(refused.value.cause, RunLockedError)
    assert "Er loopt al een run" in str(refused.value.cause)
    # The refused night shows in `vik runs` as failed before it began.
    with session_scope(engine) as session:
        (run,) = session.exec(select(Run)).all()
    assert (run.status, run.failed_step, run.id) == ("mislukt", "start", refused.value.run_id)


def test_sharply_shrunk_extract_stops_the_run_unless_accepted(
    demo_extracts, database_url, tmp_path
):
    run_nightly(config(demo_extracts, database_url, tmp_path))
    good = snapshot(database_url)
    shrunk = tmp_path / "shrunk"
    shutil.copytree(demo_extracts, shrunk)
    brp = pl.read_csv(shrunk / "brp.csv", infer_schema=False)
    brp.head(brp.height // 3).write_csv(shrunk / "brp.csv")
    with pytest.raises(StepFailed) as raised:
        run_nightly(config(shrunk, database_url, tmp_path))
    assert raised.value.step == "extract"
    assert "--accept-shrink brp" in str(raised.value)
    assert snapshot(database_url) == good
    accepted = run_nightly(config(shrunk, database_url, tmp_path, accept_shrink=("brp",)))
    assert accepted.status == "geslaagd"


def test_logs_carry_counts_not_people(demo_extracts, database_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    run_nightly(config(demo_extracts, database_url, tmp_path))
    text = caplog.text
    brp = pl.read_csv(demo_extracts / "brp.csv", infer_schema=False)
    for column in ("bsn", "geslachtsnaam", "straatnaam"):
        for value in brp[column].drop_nulls().unique().to_list():
            if len(value) >= 5:
                assert value not in text, f"{column} in log"
    engine = connect(database_url)
    with session_scope(engine) as session:
        for flag in session.exec(select(Flag)).all():
            assert flag.entity_key not in text


def test_the_purge_step_also_clears_what_only_served_deleted_flags(
    demo_extracts, database_url, tmp_path
):
    from vik.store.models import LinkJudgement, Snooze
    from vik.store.retention import ENDED_SNOOZES, ORPHAN_JUDGEMENTS

    run_nightly(config(demo_extracts, database_url, tmp_path))
    engine = connect(database_url)
    with session_scope(engine) as session:
        session.add(
            Snooze(
                rule_id="overbewoning",
                entity_type="adres",
                entity_key="WEG",
                until=date(2026, 1, 1),
                reason="uitgesteld",
                by="analist",
                department="handhaving",
            )
        )
        session.add(
            LinkJudgement(
                source="vergunningen",
                record_key="BESTAAT-NIET",
                entity_type="persoon",
                entity_id="P1",
                verdict="is_niet",
                reason="naamgenoot",
                by="analist",
            )
        )
    result = run_nightly(config(demo_extracts, database_url, tmp_path))
    with session_scope(engine) as session:
        run = session.get(Run, result.run_id)
        assert run.purged == {ENDED_SNOOZES: 1, ORPHAN_JUDGEMENTS: 1}
        assert session.exec(select(Snooze)).all() == []
        assert session.exec(select(LinkJudgement)).all() == []
    assert f"{ENDED_SNOOZES}: 1 verwijderd" in result.report_path.read_text(encoding="utf-8")


# --- retention does not wait for a good night (issue 11.6) ----------------------------------

BESLUIT_RULES = ("damocles-vergunning", "thuiszorg-cluster")  # term runs from the decision


def _decided_long_ago(database_url: str) -> int:
    """Flags of the rules whose term runs from the decision, decided in 2020: past term."""
    engine = connect(database_url)
    with session_scope(engine) as session:
        flags = session.exec(select(Flag).where(Flag.rule_id.in_(BESLUIT_RULES))).all()
        for flag in flags:
            flag.decided_on = date(2020, 1, 1)  # the latest decision of any department
            session.add(flag)
    return len(flags)


def _open_in_database(database_url: str) -> int:
    with session_scope(connect(database_url)) as session:
        return len(session.exec(select(Flag).where(Flag.status == "open")).all())


def test_the_report_counts_what_the_database_holds_after_the_purge(
    demo_extracts, database_url, tmp_path
):
    run_nightly(config(demo_extracts, database_url, tmp_path))
    assert _decided_long_ago(database_url) > 0
    result = run_nightly(config(demo_extracts, database_url, tmp_path))
    with session_scope(connect(database_url)) as session:
        run = session.get(Run, result.run_id)
        assert set(BESLUIT_RULES) & set(run.purged)
        dossiers = len(session.exec(select(Dossier)).all())
    assert result.flag_counts["open"] == _open_in_database(database_url)
    assert result.flag_counts["dossiers"] == dossiers
    report = json.loads(result.report_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert report["flags"]["open"] == _open_in_database(database_url)
    assert f"- open: {_open_in_database(database_url)}" in result.report_path.read_text()


def test_a_night_that_fails_after_ingest_still_purges(
    demo_extracts, database_url, tmp_path, monkeypatch
):
    run_nightly(config(demo_extracts, database_url, tmp_path))
    expired = _decided_long_ago(database_url)
    before = _open_in_database(database_url)

    def boom(*args):
        raise RuntimeError("ingespoten fout")

    monkeypatch.setattr(nightly, "evaluate_step", boom)
    with pytest.raises(StepFailed):
        run_nightly(config(demo_extracts, database_url, tmp_path))
    assert _open_in_database(database_url) == before - expired
    engine = connect(database_url)
    with session_scope(engine) as session:
        failed = session.exec(select(Run).order_by(Run.id.desc())).first()
        assert failed.status == "mislukt"
        assert sum(failed.purged[rule] for rule in BESLUIT_RULES if rule in failed.purged) == (
            expired
        )
        gone = {(d.entity_type, d.entity_key) for d in session.exec(select(Dossier)).all()}
        open_keys = {
            (f.entity_type, f.entity_key)
            for f in session.exec(select(Flag).where(Flag.status == "open")).all()
        }
        assert gone == open_keys  # no dossier (with its details) outlives its last flag
        assert session.exec(
            select(AuditLog).where(AuditLog.action == "bewaartermijn_verwijderd")
        ).all()


def test_vik_purge_purges_on_its_own(demo_extracts, database_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from vik.cli import app

    run_nightly(config(demo_extracts, database_url, tmp_path))
    expired = _decided_long_ago(database_url)
    before = _open_in_database(database_url)
    monkeypatch.setenv("VIK_CONFIG_DIR", str(CONFIG))
    monkeypatch.setenv("VIK_DATA_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["purge", "--db", database_url])
    assert result.exit_code == 0, result.output
    assert "damocles-vergunning:" in result.output and "signalen" in result.output
    assert _open_in_database(database_url) == before - expired
    again = CliRunner().invoke(app, ["purge", "--db", database_url])
    assert "Niets over zijn bewaartermijn" in again.output
    with session_scope(connect(database_url)) as session:
        actors = {a.actor for a in session.exec(select(AuditLog)).all()}
    assert any(actor.startswith("vik purge (") for actor in actors)
    # A purge while a night holds the run lock waits for that night: refused, not mixed in.
    with run_lock(connect(database_url), "nacht"):
        busy = CliRunner().invoke(app, ["purge", "--db", database_url])
    assert busy.exit_code == 1 and "Er loopt al een run" in busy.output
