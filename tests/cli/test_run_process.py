"""`vik run` as an operator runs it: a real process with its own temporary Prefect server.

- the night's INFO lines reach the console, and its log file holds JSON lines without
  personal data; its metrics are one JSON file; every file it writes is 0600, every
  folder 0700 (issues 12.6 and 11.16);
- kill -9 in the middle of a run leaves no Prefect server behind, `vik runs` shows the
  run as afgebroken and who held the lock, and the next run takes over (issue 11.5);
- a database password is never printed, logged, stored or handed to Prefect (11.11).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import psutil
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.conftest import upgraded
from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from vik.store.db import connect, session_scope
from vik.store.models import Flag, Run

ROOT = Path(__file__).resolve().parents[2]
VIK = Path(sys.executable).with_name("vik")
pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIK_", "PREFECT_")) or k == "VIK_TEST_DATABASE_URL"
    }
    env.update(
        VIK_DATA_DIR=str(data),
        VIK_CONFIG_DIR=str(ROOT / "config"),
        VIK_PSEUDONYM_KEY=TEST_KEY.decode(),
        **extra,
    )
    return env


def vik(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VIK), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=lambda: os.umask(0o022),  # a usual umask: files would be 0644
    )


def personal_values(extracts: Path) -> set[str]:
    brp = pl.read_csv(extracts / "brp.csv", infer_schema=False)
    bag = pl.read_csv(extracts / "bag.csv", infer_schema=False)
    names = brp["geslachtsnaam"].drop_nulls()
    return {
        *brp["bsn"].drop_nulls().to_list(),
        *names.filter(names.str.len_chars() >= 5).to_list(),
        *bag["straatnaam"].drop_nulls().to_list(),
    }


def test_a_real_night_logs_json_lines_without_personal_data_in_private_files(
    demo_extracts, tmp_path
):
    data = tmp_path / "var"
    env = environment(data, VIK_LOG_FORMAT="json")
    assert vik("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    night = vik(
        "run", "--extracts", str(demo_extracts), "--as-of", DEMO_AS_OF.isoformat(),
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert night.returncode == 0, night.stderr[-3000:]
    export = tmp_path / "uit" / "signalen.csv"
    exported = vik(
        "export",
        "flags",
        "--out",
        str(export),
        "--doel",
        "controle van de nachtelijke run",
        env=env,
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr

    # The night's own INFO lines reach the operator on the console.
    assert "vik.nightly - run 1 gestart, peildatum 2026-11-22" in night.stderr
    assert "vik.nightly - run 1 bron brp:" in night.stderr

    # ... and the log file, as JSON lines a SIEM can read.
    lines = [json.loads(line) for line in (data / "logs" / "vik.log").read_text().splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    night_lines = [line for line in lines if line["logger"] == "vik.nightly"]
    assert {line["level"] for line in night_lines} == {"INFO"}
    events = {line.get("event") for line in night_lines}
    assert {"run_gestart", "bron", "regel", "run_geslaagd"} <= events
    assert all(line["run_id"] == 1 for line in night_lines if "event" in line)
    brp = next(line for line in night_lines if line.get("source") == "brp")
    assert brp["rows_read"] == brp["rows_accepted"] + brp["rows_quarantined"] > 0

    # No personal data in the log, and none on the console either.
    database = f"sqlite:///{data / 'vik.db'}"
    with session_scope(connect(database)) as session:
        flags = session.exec(select(Flag)).all()
        open_flags = sum(f.status == "open" for f in flags)
        keys = {f.entity_key for f in flags}
    log_text = (data / "logs" / "vik.log").read_text() + night.stderr + night.stdout
    leaks = sorted(v for v in personal_values(demo_extracts) | keys if v in log_text)
    assert leaks == []

    # One metrics file per run: duration per step, rows per source, flags new/ended.
    metrics = json.loads((data / "metrics" / "run-1.json").read_text())
    assert metrics["status"] == "geslaagd" and metrics["duration_seconds"] > 0
    assert set(metrics["step_seconds"]) == {
        "extract", "resolve", "evaluate", "persist", "purge", "report",
    }  # fmt: skip
    assert metrics["sources"]["brp"]["rows_read"] == brp["rows_read"]
    assert metrics["flags"]["new"] == metrics["flags"]["open"] == open_flags > 0
    assert metrics["flags"]["ended"] == 0
    assert "- totaal:" in (data / "runs" / "1" / "rapport.md").read_text()

    # Everything VIK wrote is VIK's only: files 0600, folders 0700.
    written = [data, *data.rglob("*"), export.parent, export]
    assert any(p.name == "vik.db-wal" or p.name == "vik.db" for p in written)
    assert any(p.parent.name == "quarantaine" for p in written)
    modes = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in written}
    wrong = {
        path: mode
        for path, mode in modes.items()
        if mode != (oct(0o700) if (tmp_path / path).is_dir() else oct(0o600))
    }
    assert wrong == {}


def _children(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE  # dead, waiting to be reaped
    except psutil.NoSuchProcess:
        return True


def test_a_killed_run_leaves_no_prefect_server_and_shows_as_afgebroken(
    demo_extracts, tmp_path, caplog
):
    """On SQLite: the server's fate does not depend on the database, and SQLite's lock is
    the one VIK judges itself (PostgreSQL releases a dead session's lock on its own;
    tests/store/test_lock.py shows `vik runs` and `vik unlock` on both)."""
    from tests.test_nightly import config
    from vik.cli import app
    from vik.nightly import run_nightly

    data = tmp_path / "var"
    database_url = upgraded(f"sqlite:///{tmp_path / 'vik.db'}")
    env = environment(data, VIK_DATABASE_URL=database_url)
    night = subprocess.Popen(
        [str(VIK), "run", "--extracts", str(demo_extracts), "--as-of", DEMO_AS_OF.isoformat()],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = connect(database_url)
    deadline = time.monotonic() + 300
    running = None
    while running is None and night.poll() is None and time.monotonic() < deadline:
        with session_scope(engine) as session:
            running = session.exec(select(Run).where(Run.status == "bezig")).first()
        time.sleep(0.05)
    assert running is not None, "the run never showed as bezig"
    servers = [c for c in _children(night.pid) if "uvicorn" in " ".join(c.cmdline())]
    assert servers, "no Prefect server process under vik run"
    os.kill(night.pid, signal.SIGKILL)
    night.wait()

    deadline = time.monotonic() + 60
    while not all(_gone(s) for s in servers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [s.pid for s in servers if not _gone(s)] == [], "a Prefect server outlived its run"

    shown = CliRunner().invoke(app, ["runs", "--db", database_url])
    rows = [line.split()[:2] for line in shown.output.splitlines()]
    assert ["1", "afgebroken"] in rows, shown.output
    assert f"Runlock: verweesd — {socket.gethostname()} (PID {night.pid}), run 1" in shown.output

    result = run_nightly(config(demo_extracts, database_url, tmp_path))  # the next night
    assert result.status == "geslaagd"
    with session_scope(engine) as session:
        assert session.get(Run, 1).status == "afgebroken"
    assert "overgenomen: proces" in caplog.text and "bestaat niet meer" in caplog.text


@pytest.mark.postgres
def test_a_database_password_is_never_printed_logged_stored_or_given_to_prefect(
    prefect_harness, demo_extracts, postgres_url, tmp_path, monkeypatch
):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import FlowRunSort

    from vik.cli import app

    secret = "geheim-wachtwoord-123"  # trust authentication accepts any password
    url = postgres_url.replace("://postgres@", f"://postgres:{secret}@")
    assert secret in url
    data = tmp_path / "var"
    for key, value in environment(data).items():
        if key.startswith("VIK_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    outputs = [
        runner.invoke(app, ["db", "status", "--db", url]),
        runner.invoke(
            app,
            ["run", "--db", url, "--extracts", str(demo_extracts), "--as-of", "2026-11-22"],
        ),
        runner.invoke(app, ["runs", "--db", url]),
    ]
    assert [r.exit_code for r in outputs] == [0, 0, 0], outputs[1].output
    screen = "\n".join(r.output for r in outputs)
    assert "postgres:***@127.0.0.1" in screen
    assert secret not in screen

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=200)
    parameters = json.dumps([r.parameters for r in runs])
    assert "extracts_dir" in parameters and secret not in parameters

    files = [p for p in data.rglob("*") if p.is_file()]
    files += [p for p in Path(os.environ["PREFECT_HOME"]).rglob("*") if p.is_file()]
    assert [p for p in files if secret.encode() in p.read_bytes()] == []
