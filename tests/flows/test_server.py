"""The night as operators run it: a real Prefect server, `vik serve`, and a process worker
serving the deployment of config/prefect.yaml.

Each test starts a flow run through Prefect's API, waits for it to complete, and checks what
an operator checks next: `vik runs`, the flags in the database, Prefect's own CLI (`prefect
deployment ls`, `prefect flow-run logs`), and that the server's scheduler has put the next
night at 02:00 Europe/Amsterdam. Every command runs in a folder outside the checkout.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from tests.conftest import POSTGRES_ENV, _postgres_schema_url
from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from tests.flows.conftest import PrefectServer, expected_start
from tests.processes import ROOT, command, run, started, tail, wait_until
from vik.flows.nightly import POOL_DEPLOYMENT, SERVE_DEPLOYMENT, nightly_flow
from vik.settings import Settings
from vik.store.db import connect, session_scope
from vik.store.models import Flag, Run

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FLOW = nightly_flow.name
# A night on the small demo municipality takes seconds; a busy 2-core machine needs more.
RUN_TIMEOUT = 300


def _next_night_is_at_two(server: PrefectServer, deployment_id: str) -> None:
    """The server's scheduler (not the test) created the coming night's run at 02:00."""
    scheduled = wait_until(
        lambda: server.scheduled_runs(deployment_id),
        "de planner van de server maakte de volgende nacht",
        120,
        1,
        server.log_file,
    )
    first = expected_start(scheduled[0]).astimezone(AMSTERDAM)
    now = datetime.now(AMSTERDAM)
    assert (first.hour, first.minute) == (2, 0), first
    assert now < first <= now + timedelta(days=1, hours=1), first


def _start_night(server: PrefectServer, deployment_id: str) -> str:
    flow_run = server.post(
        f"/deployments/{deployment_id}/create_flow_run",
        {"parameters": {"peildatum": DEMO_AS_OF.isoformat()}},
    )
    return flow_run["id"]


def _check_the_night(
    server: PrefectServer,
    env: dict[str, str],
    cwd: Path,
    flow_run_id: str,
    database_url: str,
    list_deployments: bool = False,
) -> None:
    """What an operator looks at after a night: `vik runs`, the flags, Prefect's CLI."""
    runs = run([command("vik"), "runs"], env, cwd).stdout
    rows = [line.split() for line in runs.splitlines() if DEMO_AS_OF.isoformat() in line]
    assert len(rows) == 1 and rows[0][1] == "geslaagd", runs
    open_flags = int(rows[0][5])
    with session_scope(connect(database_url)) as session:
        stored = session.exec(select(func.count()).select_from(Flag)).one()
        night = session.exec(select(Run)).one()
    assert open_flags == stored > 0
    assert (night.status, night.peildatum) == ("geslaagd", DEMO_AS_OF)

    # Prefect's own CLI answers (it gave 422 errors with FastAPI 0.151+).
    client_env = {**env, "PREFECT_HOME": str(server.client_home), "COLUMNS": "200"}
    logs: list[str] = []

    def logged() -> bool:
        # The run's log lines reach the server in batches, shortly after the run itself.
        logs.append(
            run([command("prefect"), "flow-run", "logs", flow_run_id], client_env, cwd).stdout
        )
        return f"run {night.id} geslaagd" in logs[-1]

    try:
        wait_until(logged, "de logregels van de run in `prefect flow-run logs`", 60, 2)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{logs[-1]}") from None
    if list_deployments:
        listing = run([command("prefect"), "deployment", "ls"], client_env, cwd).stdout
        assert FLOW in listing


@pytest.fixture
def night_database(tmp_path) -> Iterator[str | None]:
    """PostgreSQL (a schema of its own) when the suite has it, as in production; else None,
    which leaves VIK on SQLite in its data folder."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        yield None
        return
    yield from _postgres_schema_url(base)


def test_vik_serve_runs_a_night_started_through_the_api_and_plans_the_next_at_two(
    prefect_server, demo_extracts, tmp_path
):
    key_file = tmp_path / "pseudoniem.key"
    key_file.write_bytes(TEST_KEY)
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    env = prefect_server.env(
        VIK_DATA_DIR=tmp_path / "var",
        VIK_CONFIG_DIR=ROOT / "config",
        VIK_PSEUDONYM_KEY_FILE=key_file,
    )
    database_url = Settings(data_dir=tmp_path / "var").resolved_database_url()
    run([command("vik"), "db", "upgrade"], env, elsewhere)

    log = tmp_path / "serve.log"
    with started([command("vik"), "serve", "--extracts", demo_extracts], env, log, elsewhere):
        deployment = wait_until(
            lambda: prefect_server.deployment(FLOW, SERVE_DEPLOYMENT),
            "vik serve maakte zijn deployment",
            120,
            1,
            log,
        )
        _next_night_is_at_two(prefect_server, deployment["id"])
        flow_run_id = _start_night(prefect_server, deployment["id"])
        finished = prefect_server.finished_run(flow_run_id, RUN_TIMEOUT, log)
        assert finished["state"]["type"] == "COMPLETED", tail(log)
        # While `vik serve` still runs: the run's process sends its last log lines on exit.
        _check_the_night(prefect_server, env, elsewhere, flow_run_id, database_url)


def test_a_process_worker_runs_the_night_deployed_from_prefect_yaml(
    prefect_server, demo_extracts, tmp_path, night_database
):
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    home = tmp_path / "vik"
    run([command("vik"), "init", home], prefect_server.env(), elsewhere)
    settings = dict(
        line.split("=", 1)
        for line in (home / "vik.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert settings["VIK_HOME"] == str(home)
    if night_database:
        settings["VIK_DATABASE_URL"] = night_database
    # The operator's shell: VIK's settings (from vik.env) and the Prefect server.
    operator = prefect_server.env(
        **settings, VIK_EXTRACTS_DIR=demo_extracts, PREFECT_HOME=prefect_server.client_home
    )
    run([command("vik"), "db", "upgrade"], operator, elsewhere)
    prefect = command("prefect")
    run(
        [prefect, "work-pool", "create", "vik", "--type", "process", "--overwrite"],
        operator,
        elsewhere,
    )
    prefect_yaml = home / "config" / "prefect.yaml"
    run(
        [prefect, "--no-prompt", "deploy", "--all", "--prefect-file", prefect_yaml],
        operator,
        elsewhere,
    )

    deployment = prefect_server.deployment(FLOW, POOL_DEPLOYMENT)
    assert deployment is not None
    # Code from the installed package, not from a folder saved at deploy time.
    assert deployment["entrypoint"] == "vik.flows.nightly:nightly_flow"
    assert deployment["pull_steps"] == []
    assert deployment["job_variables"]["env"]["VIK_HOME"] == str(home)
    assert deployment["parameters"]["extracts_dir"] == str(demo_extracts)
    _next_night_is_at_two(prefect_server, deployment["id"])

    # The worker's own environment has no VIK settings: the deployment hands them over.
    worker_env = prefect_server.env(PREFECT_HOME=tmp_path / "worker-home")
    log = tmp_path / "worker.log"
    worker = [prefect, "worker", "start", "--pool", "vik", "--type", "process"]
    with started(worker, worker_env, log, tmp_path / "werkmap"):
        flow_run_id = _start_night(prefect_server, deployment["id"])
        finished = prefect_server.finished_run(flow_run_id, RUN_TIMEOUT, log)
        assert finished["state"]["type"] == "COMPLETED", tail(log)
        database_url = night_database or Settings(home=home).resolved_database_url()
        _check_the_night(
            prefect_server, operator, elsewhere, flow_run_id, database_url, list_deployments=True
        )
