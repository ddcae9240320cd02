"""A clean install: the built wheel in a fresh virtual environment, used from a folder
outside the checkout, as an operator installs and runs VIK.

`pip install` resolves the dependencies afresh (the pins in pyproject.toml are what an
operator gets); then `vik init`, `vik db upgrade`, `vik run`, `vik runs`, `vik users add`
and `vik web` run from that environment, and nothing lands in the folder they start in.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import WHEEL_PREPARATION
from tests.demo_data import DEMO_AS_OF
from tests.processes import ROOT, clean_env, command, free_port, run, started, tail, wait_until
from tests.web.conftest import csrf_of
from tests.wheel import Preparation

pytestmark = [pytest.mark.install, pytest.mark.slow]

PASSWORD = "wheel-test-wachtwoord-met-lengte-2026"


@pytest.fixture(scope="module")
def installed(request, tmp_path_factory) -> Iterator[Path]:
    """The bin folder of a fresh venv with the wheel built from this checkout installed:
    prepared in the background since collection (tests/conftest.py), or now."""
    preparation: Preparation | None = request.config.stash.get(WHEEL_PREPARATION, None)
    if preparation is None:  # this module was not collected with the session
        preparation = Preparation.start(tmp_path_factory.mktemp("wheel"))
    try:
        yield preparation.bin_dir()
    finally:
        preparation.discard()


def test_the_wheel_installs_and_runs_a_night_from_any_folder(installed, demo_extracts, tmp_path):
    elsewhere = tmp_path / "ergens"
    elsewhere.mkdir()
    env = clean_env(HOME=tmp_path / "gebruiker")
    vik = command("vik", installed)

    # The package in the fresh venv, not this checkout.
    where = run(
        [installed / "python", "-c", "import vik.flows.nightly; print(vik.__file__)"],
        env,
        elsewhere,
    )
    assert where.stdout.startswith(str(installed.parent)), where.stdout

    home = tmp_path / "vik"
    run([vik, "init", home], env, elsewhere)
    # Everything of the starting configuration, and the sources.yaml it generates.
    assert sorted(p.name for p in (home / "config").iterdir()) == sorted(
        {p.name for p in (ROOT / "config").iterdir()} | {"sources.yaml"}
    )
    assert sorted(p.name for p in (home / "config" / "rules").glob("*.yaml")) == sorted(
        p.name for p in (ROOT / "config" / "rules").glob("*.yaml")
    )
    settings = dict(
        line.split("=", 1)
        for line in (home / "vik.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    env = clean_env(HOME=tmp_path / "gebruiker", VIK_EXTRACTS_DIR=demo_extracts, **settings)

    run([vik, "db", "upgrade"], env, elsewhere)
    night = run([vik, "run", "--as-of", DEMO_AS_OF.isoformat()], env, elsewhere)
    assert "Run 1: geslaagd" in night.stdout
    runs = run([vik, "runs"], env, elsewhere).stdout
    (row,) = [line.split() for line in runs.splitlines() if line.strip().startswith("1 ")]
    assert row[1] == "geslaagd" and int(row[5]) > 0, runs
    assert (home / "var" / "runs" / "1" / "rapport.md").is_file()

    account = ["analist.ondermijning", "--rol", "analist", "--afdeling", "ondermijning"]
    run(
        [vik, "users", "add", *account, "--naam", "Analist Wheeltest"],
        {**env, "VIK_WACHTWOORD": PASSWORD},
        elsewhere,
    )
    port = free_port()
    log = tmp_path / "web.log"
    base = f"http://127.0.0.1:{port}"
    with started([vik, "web", "--port", str(port)], env, log, elsewhere) as web:

        def up() -> bool:
            assert web.poll() is None, tail(log)
            try:
                return httpx.get(f"{base}/aanmelden", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, "vik web antwoordt", 60, 0.3, log)
        with httpx.Client(base_url=base) as client:
            form = client.get("/aanmelden")
            client.post(
                "/aanmelden",
                data={
                    "gebruikersnaam": "analist.ondermijning",
                    "wachtwoord": PASSWORD,
                    "csrf_token": csrf_of(form.text),
                },
            )
            queue = client.get("/signalen")
    assert queue.status_code == 200, tail(log)
    assert "Signalen" in queue.text

    # Everything went to the home folder; nothing to the folder the commands started in.
    assert list(elsewhere.iterdir()) == []


def test_without_configuration_the_installed_vik_says_how_to_make_one(installed, tmp_path):
    """No VIK_HOME and no `vik init`: the default home is empty, and `vik run` refuses at
    once, saying what to do, instead of reading the folder it happens to start in."""
    elsewhere = tmp_path / "ergens"
    (elsewhere / "config").mkdir(parents=True)  # a config folder here must not be used
    env = clean_env(HOME=tmp_path / "gebruiker", VIK_PSEUDONYM_KEY="k" * 40)
    result = subprocess.run(
        [command("vik", installed), "run"],
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    default_home = tmp_path / "gebruiker" / ".local" / "share" / "vik"
    assert f"De configuratiemap {default_home / 'config'} bestaat niet" in result.stderr
    assert "vik init" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
