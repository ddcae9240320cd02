"""`vik users`, `vik web` and `vik export algoritmeregister` from the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.web.conftest import CONFIG, csrf_of
from vik.cli import app
from vik.store.db import connect, session_scope
from vik.store.models import AuditLog

ROOT = Path(__file__).resolve().parents[2]


def vik(*args: str, input: str | None = None, env: dict | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app, list(args), input=input, env={"VIK_CONFIG_DIR": str(CONFIG), **(env or {})}
    )


@pytest.fixture(autouse=True)
def data_dir(monkeypatch, tmp_path):
    """VIK's own files (its log) in the test's folder, not in the checkout's var/."""
    monkeypatch.setenv("VIK_DATA_DIR", str(tmp_path / "var"))


def test_add_list_passwd_disable_enable(tmp_path):
    db = f"sqlite:///{tmp_path / 'vik.db'}"
    assert vik("db", "upgrade", "--db", db).exit_code == 0
    added = vik(
        "users", "add", "analist.zorg", "--rol", "analist", "--afdeling", "zorg",
        "--naam", "Z. Analist", "--db", db, input="een lang wachtwoord\neen lang wachtwoord\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Gebruiker analist.zorg aangemaakt: analist van Sociaal Domein" in added.output
    listed = vik("users", "list", "--db", db)
    assert "analist.zorg" in listed.output and "actief" in listed.output
    assert "een lang wachtwoord" not in listed.output
    changed = vik(
        "users",
        "passwd",
        "analist.zorg",
        "--db",
        db,
        env={"VIK_WACHTWOORD": "nog een lang wachtwoord"},
    )
    assert changed.exit_code == 0, changed.output
    assert vik("users", "disable", "analist.zorg", "--db", db).exit_code == 0
    assert "uitgeschakeld" in vik("users", "list", "--db", db).output
    assert vik("users", "enable", "analist.zorg", "--db", db).exit_code == 0
    with session_scope(connect(db)) as session:
        actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()]
    assert actions == [
        "goedkeuringen_ingelezen",  # vik db upgrade: the shipped rules' approvals
        "gebruiker_aangemaakt",
        "wachtwoord_gewijzigd",
        "gebruiker_uitgeschakeld",
        "gebruiker_ingeschakeld",
    ]


def test_user_mistakes_get_clear_dutch_messages(tmp_path):
    db = f"sqlite:///{tmp_path / 'vik.db'}"
    assert vik("db", "upgrade", "--db", db).exit_code == 0
    unknown = vik("users", "passwd", "niemand", "--db", db)
    assert unknown.exit_code == 1
    assert "Gebruiker 'niemand' bestaat niet" in unknown.output
    assert "vik users list" in unknown.output
    department = vik(
        "users", "add", "a.b", "--rol", "analist", "--afdeling", "politie", "--naam", "A", "--db", db
    )  # fmt: skip
    assert department.exit_code == 1
    assert "Afdeling 'politie' bestaat niet" in department.output
    assert "burgerzaken" in department.output
    missing = vik("users", "add", "a.b", "--rol", "analist", "--naam", "A", "--db", db)
    assert "Een analist hoort bij een afdeling" in missing.output
    short = vik(
        "users", "add", "a.b", "--rol", "compliance", "--naam", "A", "--db", db,
        env={"VIK_WACHTWOORD": "kort"},
    )  # fmt: skip
    assert short.exit_code == 1
    assert "te kort" in short.output
    role = vik("users", "add", "a.b", "--rol", "baas", "--naam", "A", "--db", db)
    assert "Onbekende rol 'baas'" in role.output
    assert "Traceback" not in short.output + role.output


def test_departments_come_from_the_configuration():
    result = vik("users", "departments")
    assert result.exit_code == 0
    assert "handhaving-ondermijning@demogemeente.nl" in result.output
    assert "departments.yaml" in result.output


def test_export_algoritmeregister_writes_one_json_per_rule(tmp_path):
    out = tmp_path / "register"
    result = vik("export", "algoritmeregister", "--out", str(out), "--organisatie", "Gemeente Test")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.glob("*.json") if not p.name.startswith("uitkomsten"))
    assert files == sorted(f"{p.stem}.json" for p in (CONFIG / "rules").glob("*.yaml"))
    document = json.loads((out / "overbewoning.json").read_text(encoding="utf-8"))
    assert document["organization"] == "Gemeente Test"
    assert document["standard_version"] == "1.0.0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_vik_web_serves_the_app_and_keeps_queries_and_paths_out_of_its_log(web_db):
    """The real `vik web` process: sign in, open pages with personal data in the query
    string and the path; its log names routes, never what was in the URL."""
    port = _free_port()
    env = {**os.environ, "VIK_CONFIG_DIR": str(CONFIG), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from vik.cli import main; main()",
            "web",
            "--port",
            str(port),
            "--db",
            web_db,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/aanmelden", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        with httpx.Client(base_url=base) as client:
            form = client.get("/aanmelden")
            client.post(
                "/aanmelden",
                data={
                    "gebruikersnaam": "analist.handhaving",
                    "wachtwoord": "analist.handhaving-demo",
                    "csrf_token": csrf_of(form.text),
                },
            )
            assert client.get("/signalen").status_code == 200
            client.get("/signalen", params={"adres": "Kerkstraat 12", "naam": "Jansen"})
            client.get("/dossiers/Kerkstraat%2012%20Jansen")
            client.get("/dossiers/1", params={"bsn": "123456782"})
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    log = out + err
    assert "VIK web op http://127.0.0.1" in out
    assert "GET /signalen 200" in log
    assert "GET /dossiers/{dossier_id}" in log
    for secret in ("Kerkstraat", "Jansen", "123456782", "adres=", "bsn"):
        assert secret not in log, secret
