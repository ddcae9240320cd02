"""`vik run` as an operator meets it: what it creates, what it refuses at once, what it prints
when the night fails (VIK's message; the traceback in the run's log file), and that every
failure, also one before the night begins, shows in `vik runs`.

The commands run as real processes: Prefect writes to the process's own console, which is
what the operator sees.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from tests.processes import ROOT, clean_env, command
from vik.cli import app

CONFIG = ROOT / "config"


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def vik(
    *args: str | Path,
    env: dict[str, str],
    cwd: Path,
    prefix: list[str] | None = None,
    own_process: bool = False,
) -> Result:
    """`vik ARGS` with exactly the settings in env, started in cwd.

    In its own process when Prefect is involved (Prefect writes to the process's console)
    or a prefix must wrap it; else in this one, which is the same code without the cost
    of starting Python (what runs before Prefect starts prints through typer alone)."""
    if own_process or prefix:
        done = subprocess.run(
            [*(prefix or []), command("vik"), *map(str, args)],
            env=clean_env(**env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return Result(done.returncode, done.stdout, done.stderr)
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("VIK_")}
    with chdir(cwd):
        result = CliRunner().invoke(app, list(map(str, args)), env={**unset, **env})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def place(tmp_path) -> Path:
    """A folder outside the checkout to start commands in."""
    folder = tmp_path / "ergens"
    folder.mkdir()
    return folder


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "pseudoniem.key"
    path.write_bytes(TEST_KEY)
    return path


def settings(data: Path, key_file: Path | None, **more: str | Path) -> dict[str, str]:
    values: dict[str, str | Path] = {"VIK_DATA_DIR": data, "VIK_CONFIG_DIR": CONFIG, **more}
    if key_file is not None:
        values["VIK_PSEUDONYM_KEY_FILE"] = key_file
    return {k: str(v) for k, v in values.items()}


@contextmanager
def read_only(*paths: Path) -> Iterator[list[str]]:
    """A command prefix under which paths are read-only for VIK, as for a user without rights.

    As root (who may write anywhere) through a read-only bind mount in a mount namespace of
    the command's own; otherwise by taking away the write permission."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(modes[p] & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield []
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"]).returncode:
        pytest.skip("geen unshare -m: een alleen-lezen map is als root niet na te bootsen")
    mounts = " && ".join(
        f"mount --bind '{p}' '{p}' && mount -o remount,ro,bind '{p}' '{p}'" for p in paths
    )
    yield ["unshare", "-m", "sh", "-c", f'{mounts} && exec "$@"', "sh"]


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]


@pytest.mark.prefect
def test_a_first_night_creates_its_folders_and_a_failure_prints_vik_message_not_prefect_traceback(
    tmp_path, place, key_file
):
    data = tmp_path / "nog" / "niet" / "aangemaakt" / "var"
    empty = tmp_path / "leeg"
    empty.mkdir()
    env = settings(data, key_file)

    def night() -> Result:
        return vik(
            "run",
            "--extracts",
            empty,
            "--as-of",
            DEMO_AS_OF.isoformat(),
            env=env,
            cwd=place,
            own_process=True,
        )

    # Without a database: refused at once, saying what to run (no database is created).
    refused = night()
    assert refused.returncode == 1
    assert stat.S_IMODE(data.stat().st_mode) == 0o700  # created, VIK's own
    assert "De run kon niet beginnen: Er is geen database" in refused.stderr
    assert "vik db upgrade" in refused.stderr
    no_traceback(refused)
    assert not (data / "vik.db").exists()

    assert vik("db", "upgrade", env=env, cwd=place).returncode == 0
    result = night()
    assert result.returncode == 1
    log_file = data / "runs" / "1" / "run.log"
    assert "De run is mislukt in stap 'extract': brp: geen extract gevonden" in result.stderr
    assert "Vastgelegd als run 1; zie `vik runs`." in result.stderr
    assert f"Volledige foutmelding: {log_file}" in result.stderr
    no_traceback(result)
    # The traceback is kept, readable by VIK's user only.
    kept = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in kept and "ExtractError" in kept
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600

    runs = vik("runs", env=env, cwd=place)
    row = next(line.split() for line in runs.stdout.splitlines() if line.strip().startswith("1 "))
    assert (row[1], row[2]) == ("mislukt", DEMO_AS_OF.isoformat()) and "extract" in row
    assert list(place.iterdir()) == []  # nothing in the folder the command started in


@pytest.mark.parametrize(
    ("missing", "message", "error"),
    [
        ("key", "Geen sleutel voor BSN-pseudoniemen", "PseudonymKeyError"),
        ("config", "De configuratiemap", "ConfigError"),
    ],
)
def test_a_night_that_cannot_begin_is_refused_at_once_and_shows_in_vik_runs(
    tmp_path, place, key_file, missing, message, error
):
    data = tmp_path / "var"
    env = settings(data, key_file)
    assert vik("db", "upgrade", env=env, cwd=place).returncode == 0
    if missing == "key":
        env = settings(data, None)
    else:
        env = settings(data, key_file, VIK_CONFIG_DIR=tmp_path / "geen-config")

    result = vik("run", "--as-of", DEMO_AS_OF.isoformat(), env=env, cwd=place)
    assert result.returncode == 1
    assert f"De run kon niet beginnen: {message}" in result.stderr
    assert "Vastgelegd als run 1; zie `vik runs`." in result.stderr
    no_traceback(result)
    assert not (data / "prefect").exists()  # refused before Prefect started

    runs = vik("runs", env=env, cwd=place).stdout
    row = next(line for line in runs.splitlines() if line.strip().startswith("1 "))
    assert "mislukt" in row and " start " in row and error in row


def test_an_unreachable_database_is_refused_at_once_and_kept_in_the_data_folder(
    tmp_path, place, key_file
):
    data = tmp_path / "var"
    nobody_listens = "postgresql://vik@127.0.0.1:9/vik"
    env = settings(data, key_file, VIK_DATABASE_URL=nobody_listens)
    result = vik("run", "--as-of", DEMO_AS_OF.isoformat(), env=env, cwd=place)

    assert result.returncode == 1
    assert "De run kon niet beginnen: Database niet bereikbaar" in result.stderr
    fallback = data / "runs" / "niet-vastgelegd.jsonl"
    assert f"hij staat in {fallback}" in result.stderr
    no_traceback(result)
    (entry,) = [json.loads(line) for line in fallback.read_text().splitlines()]
    assert entry["step"] == "start" and entry["peildatum"] == DEMO_AS_OF.isoformat()
    assert stat.S_IMODE(fallback.stat().st_mode) == 0o600

    # `vik runs` shows it, and then says the database cannot be reached.
    runs = vik("runs", env=env, cwd=place)
    assert "Runs die de database niet kon vastleggen" in runs.stdout
    assert "StoreError: Database niet bereikbaar" in runs.stdout
    assert runs.returncode == 1 and "niet bereikbaar" in runs.stderr
    no_traceback(runs)


def test_a_read_only_data_folder_is_refused_at_once_and_recorded_in_the_database(
    tmp_path, place, key_file
):
    data = tmp_path / "var"
    data.mkdir()
    database = f"sqlite:///{tmp_path / 'db' / 'vik.db'}"
    env = settings(data, key_file, VIK_DATABASE_URL=database)
    assert vik("db", "upgrade", env=env, cwd=place).returncode == 0

    with read_only(data) as prefix:
        result = vik("run", env=env, cwd=place, prefix=prefix)
    assert result.returncode == 1
    assert f"De run kon niet beginnen: VIK kan niet schrijven in de datamap {data}" in (
        result.stderr
    )
    assert "Vastgelegd als run 1" in result.stderr
    no_traceback(result)
    runs = vik("runs", env=env, cwd=place).stdout
    assert "DataDirError" in runs


def test_a_read_only_database_is_refused_at_once_and_kept_in_the_data_folder(
    tmp_path, place, key_file
):
    data = tmp_path / "var"
    env = settings(data, key_file)
    assert vik("db", "upgrade", env=env, cwd=place).returncode == 0

    with read_only(data / "vik.db") as prefix:
        result = vik("run", env=env, cwd=place, prefix=prefix)
    assert result.returncode == 1
    assert f"De run kon niet beginnen: VIK kan de database {data / 'vik.db'} niet schrijven" in (
        result.stderr
    )
    assert "niet-vastgelegd.jsonl" in result.stderr
    no_traceback(result)
    assert "DataDirError" in vik("runs", env=env, cwd=place).stdout


def test_a_data_folder_that_cannot_exist_says_so_and_that_nothing_recorded_it(
    tmp_path, place, key_file
):
    not_a_folder = tmp_path / "bestand"
    not_a_folder.write_text("")
    env = settings(not_a_folder / "var", key_file)
    result = vik("run", env=env, cwd=place)
    assert result.returncode == 1
    assert "VIK kan niet schrijven in de datamap" in result.stderr
    assert "kon nergens worden vastgelegd" in result.stderr
    no_traceback(result)


def test_a_bad_peildatum_is_a_message(tmp_path, place, key_file):
    result = vik("run", "--as-of", "2026-13-01", env=settings(tmp_path, key_file), cwd=place)
    assert result.returncode == 1
    assert "Ongeldige peildatum bij --as-of: '2026-13-01'. Schrijf jjjj-mm-dd" in result.stderr
    no_traceback(result)


@pytest.mark.prefect
def test_prefect_that_cannot_start_is_recorded_with_where_to_look(tmp_path, place, key_file):
    data = tmp_path / "var"
    env = settings(data, key_file)
    assert vik("db", "upgrade", env=env, cwd=place).returncode == 0
    # Prefect's temporary server gets no time to start.
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "1"
    result = vik("run", "--as-of", DEMO_AS_OF.isoformat(), env=env, cwd=place, own_process=True)

    assert result.returncode == 1
    assert "De run kon niet beginnen: RuntimeError: Timed out" in result.stderr
    assert "Vastgelegd als run 1; zie `vik runs`." in result.stderr
    assert f"Volledige foutmelding: {data / 'runs' / '1' / 'run.log'}" in result.stderr
    no_traceback(result)
    runs = vik("runs", env=env, cwd=place).stdout
    row = next(line for line in runs.splitlines() if line.strip().startswith("1 "))
    assert "mislukt" in row and "start" in row and "RuntimeError" in row


@pytest.mark.postgres
def test_a_read_only_postgresql_user_is_refused_at_once(tmp_path, place, key_file):
    import uuid

    import psycopg

    from tests.conftest import POSTGRES_ENV, _postgres_schema_url

    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL-tests overgeslagen: zet {POSTGRES_ENV}")
    urls = _postgres_schema_url(base)
    owner_url = next(urls)
    data = tmp_path / "var"
    assert (
        vik(
            "db", "upgrade", env=settings(data, key_file, VIK_DATABASE_URL=owner_url), cwd=place
        ).returncode
        == 0
    )
    schema = owner_url.rsplit("search_path%3D", 1)[1]
    reader = f"vik_lezer_{uuid.uuid4().hex[:8]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE ROLE "{reader}" LOGIN')
        connection.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{reader}"')
        connection.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{reader}"')
    try:
        reader_url = owner_url.replace("://postgres@", f"://{reader}@")
        env = settings(data, key_file, VIK_DATABASE_URL=reader_url)
        result = vik("run", env=env, cwd=place)
        assert result.returncode == 1
        assert "mag de tabellen van VIK lezen maar niet schrijven" in result.stderr
        assert "niet-vastgelegd.jsonl" in result.stderr  # the database could not take it
        no_traceback(result)
        assert not (data / "prefect").exists()
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP OWNED BY "{reader}"')
            connection.execute(f'DROP ROLE "{reader}"')
        next(urls, None)
