"""The nightly Prefect flow: a real (ephemeral) Prefect run, the 02:00 schedule, clean logs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.sorting import TaskRunSort
from sqlmodel import select

from tests.conftest import upgraded
from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from vik.store.db import connect, session_scope
from vik.store.models import Flag, Run

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.prefect


@pytest.fixture
def vik_env(monkeypatch, tmp_path) -> str:
    """VIK's settings for a flow run; returns the (upgraded) database's URL, which the
    flow takes from VIK_DATABASE_URL, never from a parameter."""
    monkeypatch.setenv("VIK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("VIK_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    database = upgraded(f"sqlite:///{tmp_path / 'vik.db'}")
    monkeypatch.setenv("VIK_DATABASE_URL", database)
    return database


def test_the_flow_runs_the_night_and_stores_flags(prefect_harness, vik_env, demo_extracts, logged):
    from vik.flows.nightly import nightly_flow

    database = vik_env
    result = nightly_flow(extracts_dir=str(demo_extracts), peildatum=DEMO_AS_OF)
    assert result["status"] == "geslaagd"
    assert Path(result["report"]).is_file()
    with session_scope(connect(database)) as session:
        run = session.exec(select(Run)).one()
        flags = session.exec(select(Flag)).all()
    assert run.status == "geslaagd" and run.id == result["run_id"]
    assert set(run.step_seconds) == {"extract", "resolve", "evaluate", "persist", "report", "purge"}
    assert len(flags) == result["flags"]["open"] > 0

    # Prefect ran the steps as tasks: their runs are in the log, with run ids and counts.
    messages = [r.getMessage() for r in logged.records]
    assert any(f"run {run.id} geslaagd" in m for m in messages)
    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[result["prefect_flow_run_id"]])),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
            limit=100,
        )
    steps = [t.name.rsplit("-", 1)[0] for t in task_runs]
    assert steps.count("vik-extract") == 7  # one task per source
    assert {"vik-resolve", "vik-evaluate", "vik-persist", "vik-purge", "vik-report"} <= set(steps)
    assert all(t.state.is_completed() for t in task_runs)

    # Logs carry counts, rule ids and run ids; never names, addresses or pseudonyms.
    brp = pl.read_csv(demo_extracts / "brp.csv", infer_schema=False)
    bag = pl.read_csv(demo_extracts / "bag.csv", infer_schema=False)
    personal = {
        *brp["bsn"].to_list(),
        *brp["geslachtsnaam"]
        .drop_nulls()
        .filter(brp["geslachtsnaam"].str.len_chars() >= 5)
        .to_list(),
        *bag["straatnaam"].drop_nulls().to_list(),
    }
    logged = "\n".join(messages)
    assert [p for p in personal if p in logged] == []
    with session_scope(connect(database)) as session:
        pseudonyms = {
            f.entity_key[1:] for f in session.exec(select(Flag)) if f.entity_type == "persoon"
        }
    assert pseudonyms and not [p for p in pseudonyms if p in logged]


def test_a_failing_night_is_reported_and_leaves_no_half_results(prefect_harness, vik_env, tmp_path):
    from vik.errors import StepFailed
    from vik.flows.nightly import nightly_flow

    database = vik_env
    empty = tmp_path / "leeg"
    empty.mkdir()
    with pytest.raises(StepFailed) as failure:
        nightly_flow(extracts_dir=str(empty), peildatum=DEMO_AS_OF)
    assert failure.value.step == "extract"
    with session_scope(connect(database)) as session:
        run = session.exec(select(Run)).one()
        assert (run.status, run.failed_step) == ("mislukt", "extract")
        assert session.exec(select(Flag)).all() == []


def test_the_deployment_runs_at_two_in_amsterdam():
    from vik.flows.nightly import (
        POOL_DEPLOYMENT,
        SCHEDULE_CRON,
        SCHEDULE_TIMEZONE,
        SERVE_DEPLOYMENT,
    )

    assert (SCHEDULE_CRON, SCHEDULE_TIMEZONE) == ("0 2 * * *", "Europe/Amsterdam")
    deployment = yaml.safe_load((ROOT / "config" / "prefect.yaml").read_text())["deployments"][0]
    assert deployment["name"] == POOL_DEPLOYMENT != SERVE_DEPLOYMENT
    assert deployment["entrypoint"] == "vik.flows.nightly:nightly_flow"
    assert deployment["schedules"] == [{"cron": SCHEDULE_CRON, "timezone": SCHEDULE_TIMEZONE}]


def test_a_run_prefect_fails_before_vik_code_runs_is_recorded_too(prefect_harness, vik_env):
    """A served or deployed run whose parameters Prefect cannot take fails before the night
    begins; the flow's failure hook records it, so `vik runs` shows every failed night."""
    from vik.flows.nightly import nightly_flow

    database = vik_env
    with pytest.raises(Exception, match="peildatum"):
        nightly_flow(peildatum="de dertiende maand")  # type: ignore[arg-type]
    with session_scope(connect(database)) as session:
        run = session.exec(select(Run)).one()
    assert (run.status, run.failed_step) == ("mislukt", "start")
    assert "Prefect kon de run" in run.error and "peildatum" in run.error
