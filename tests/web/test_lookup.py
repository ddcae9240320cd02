"""Bevraging on the demo night: refusal, hit/no-hit, content, candidates, audit, no trace.

The reference for content is independent of the lookup: the demo extracts ingested and
resolved again, filtered on the subject and projected to the purpose's columns.
"""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select
from typer.testing import CliRunner

from tests.conftest import upgraded
from tests.extracts import TEST_KEY
from tests.web.conftest import CONFIG, csrf_of, make_app, sign_in
from vik.cli import app as cli
from vik.connectors.pseudonyms import PseudonymKey
from vik.lookup.purposes import load_purposes
from vik.rules import load_context
from vik.store.db import connect, session_scope
from vik.store.models import AuditLog, Dossier, Flag, Link

REASON = "Melding buurtbewoner over bewoning, zaak BZ-2026-7781"


@pytest.fixture(scope="module")
def resolved(demo_extracts):  # type: ignore[no-untyped-def]
    from vik.pipeline import ingest_and_resolve

    _, result = ingest_and_resolve(demo_extracts, CONFIG, PseudonymKey(TEST_KEY))
    return result


@pytest.fixture
def lookup_app(web_db, web_data_dir):  # type: ignore[no-untyped-def]
    return make_app(web_db, data_dir=web_data_dir)


def client_for(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    assert sign_in(client, username).status_code == 303
    return client


def search(client: TestClient, **form: str):  # type: ignore[no-untyped-def]
    csrf = csrf_of(client.get("/zoeken").text)
    return client.post("/zoeken", data={"csrf_token": csrf, **form})


def audit(database_url: str) -> list[AuditLog]:
    with session_scope(connect(database_url)) as session:
        return list(session.exec(select(AuditLog).order_by(AuditLog.id)).all())


def busy_address(database_url: str) -> str:
    """A nummeraanduiding with an open overbewoning flag (many residents)."""
    with session_scope(connect(database_url)) as session:
        flag = session.exec(
            select(Flag).where(Flag.rule_id == "overbewoning", Flag.status == "open")
        ).first()
        return flag.entity_key


def run_cli(web_db, web_data_dir, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VIK_CONFIG_DIR", str(CONFIG))
    monkeypatch.setenv("VIK_DATA_DIR", str(web_data_dir))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    return CliRunner().invoke(cli, ["zoek", *args, "--db", web_db])


def test_a_purpose_the_department_does_not_have_is_refused_and_logged(
    web_db, web_data_dir, monkeypatch
):
    result = run_cli(
        web_db, web_data_dir, monkeypatch,
        "adres", "Kerkstraat 2", "--doel", "adresonderzoek", "--reden", REASON,
        "--gebruiker", "analist.handhaving",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "De afdeling handhaving mag niet zoeken voor een adres voor het doel " in result.output
    assert "Toegestane doelen voor een adres: handhavingsonderzoek" in result.output
    refused = [e for e in audit(web_db) if e.action == "bevraging_geweigerd"]
    assert [(e.actor, e.purpose, e.subject) for e in refused] == [
        ("analist.handhaving", "adresonderzoek", None)
    ]
    assert refused[0].details["reden"] == REASON


def test_hit_no_hit_shows_presence_only_and_content_is_the_purpose_projection(
    web_db, web_data_dir, monkeypatch, resolved
):
    address = busy_address(web_db)
    result = run_cli(
        web_db, web_data_dir, monkeypatch,
        "adres", address, "--doel", "adresonderzoek", "--reden", REASON,
        "--gebruiker", "analist.burgerzaken", "--inhoud", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    # Step 1: per source an object with exactly bron and hit; per department booleans and
    # a contact where there is a hit; no counts, dates or content anywhere.
    assert set(answer) == {"stap", "onderwerp", "bronnen", "afdelingen", "open_signalen", "inhoud"}
    assert all(set(s) == {"bron", "hit"} for s in answer["bronnen"])
    assert all(isinstance(s["hit"], bool) for s in answer["bronnen"])
    with session_scope(connect(web_db)) as session:
        linked = set(
            session.exec(
                select(Link.source).where(
                    Link.entity_type == "adres", Link.entity_id == address, Link.status == "zeker"
                )
            ).all()
        )
    assert {s["bron"] for s in answer["bronnen"] if s["hit"]} == linked
    departments = {d["afdeling"]: d for d in answer["afdelingen"]}
    assert departments["burgerzaken"]["hit"] and departments["burgerzaken"]["open_signalen"]
    assert departments["burgerzaken"]["contact"] == "adresonderzoek@demogemeente.nl"
    assert not departments["zorg"]["hit"] and departments["zorg"]["contact"] is None
    assert answer["open_signalen"] is True
    for department in answer["afdelingen"]:
        assert set(department) == {"afdeling", "naam", "hit", "open_signalen", "contact"}

    # Step 2: exactly the purpose's sources and columns, exactly the linked records.
    purpose = load_purposes(CONFIG, load_context(CONFIG))["adresonderzoek"]
    content = answer["inhoud"]
    assert [s["bron"] for s in content["bronnen"]] == ["brp", "bag"]
    for source in content["bronnen"]:
        columns = list(purpose.fields_of(source["bron"]))
        assert source["kolommen"] == columns
        expected = (
            resolved.frames[source["bron"]]
            .filter(pl.col("nummeraanduiding_id") == address)
            .sort("record_key")
            .select(columns)
        )
        got = pl.DataFrame(source["records"], schema=expected.schema, orient="row")
        assert got.equals(expected), source["bron"]
        assert all(set(r) == set(columns) for r in source["records"])
    assert len(content["bronnen"][0]["records"]) >= 12  # the residents overbewoning counted
    assert set(content["niet_in_doel"]) == {
        "kvk",
        "belastingen",
        "vergunningen",
        "handhaving",
        "meldingen",
    }

    # Every step in the audit log, with user, purpose, reason and subject.
    steps = [e for e in audit(web_db) if e.action.startswith("bevraging_")]
    assert [e.action for e in steps] == ["bevraging_hit_no_hit", "bevraging_inhoud"]
    for entry in steps:
        assert entry.actor == "analist.burgerzaken"
        assert entry.purpose == "adresonderzoek"
        assert entry.details["reden"] == REASON
        assert entry.details["afdeling"] == "burgerzaken"
        assert entry.subject == f"adres:{address}"
    assert steps[1].details["bronnen"] == {s["bron"]: len(s["records"]) for s in content["bronnen"]}


def test_the_os_user_needs_a_department_and_is_logged_as_such(web_db, web_data_dir, monkeypatch):
    monkeypatch.setenv("USER", "beheerder7")
    monkeypatch.setenv("LOGNAME", "beheerder7")
    base = ("adres", busy_address(web_db), "--doel", "adresonderzoek", "--reden", REASON)
    result = run_cli(web_db, web_data_dir, monkeypatch, *base)
    assert result.exit_code == 1 and "--afdeling" in result.output
    result = run_cli(web_db, web_data_dir, monkeypatch, *base, "--afdeling", "burgerzaken")
    assert result.exit_code == 0, result.output
    assert "Stap 1 · hit/no-hit per bron" in result.output
    assert [e.actor for e in audit(web_db) if e.action == "bevraging_hit_no_hit"] == ["beheerder7"]


def test_an_address_that_cannot_be_pinned_down_gives_candidates_not_a_guess(
    lookup_app, web_db, web_data_dir
):
    bag = pl.read_parquet(next((web_data_dir / "bevraging").iterdir()) / "adressen.parquet")
    # A number the BAG has only with letters (12A, 12B, no plain 12): typed without one.
    lettered = (
        bag.group_by("b_straatnaam", "nr", "b_postcode")
        .agg((pl.col("b_suffix") == "").any().alias("plain"), pl.len().alias("n"))
        .filter(~pl.col("plain") & (pl.col("n") >= 2))
        .sort("b_straatnaam", "nr")
    )
    street, number, postcode = lettered.row(0)[:3]
    client = client_for(lookup_app, "analist.burgerzaken")
    page = search(
        client, soort="adres", adres=f"{street} {number}, {postcode}", doel="adresonderzoek",
        reden=REASON,
    )  # fmt: skip
    assert page.status_code == 200
    assert "Niet eenduidig: kies" in page.text and "VIK kiest niet zelf" in page.text
    shown = re.findall(r'name="kies" value="adres:(\d{16})"', page.text)
    expected = bag.filter(
        (pl.col("b_straatnaam") == street) & (pl.col("nr") == number)
        & (pl.col("b_postcode") == postcode)
    )["nummeraanduiding_id"]  # fmt: skip
    assert sorted(shown) == sorted(expected.to_list())
    assert "Stap 1" not in page.text  # nothing about any of them yet
    entries = audit(web_db)
    assert [e.action for e in entries if e.action.startswith("bevraging_")] == [
        "bevraging_gezocht",
        *["bevraging_kandidaat"] * len(shown),
    ]
    # Choosing one is step 1 for that address.
    csrf = csrf_of(page.text)
    chosen = client.post(
        "/zoeken",
        data={"csrf_token": csrf, "soort": "adres", "kies": f"adres:{shown[0]}",
              "doel": "adresonderzoek", "reden": REASON},
    )  # fmt: skip
    assert "Stap 1 · hit/no-hit" in chosen.text and f"adres:{shown[0]}" in chosen.text


def test_two_persons_with_the_same_name_and_birth_date_are_candidates(tmp_path):
    """A crafted municipality: a second Ayşe Öztürk born in 1980 at another address."""
    from tests.extracts import BRP_ROWS, BSN_A, BSN_C, ROWS, write_extract
    from tests.web.conftest import nightly
    from vik.lookup.bevraging import LookupRequest
    from vik.lookup.service import Lookups, Query

    twin = {**BRP_ROWS[0], "record_id": "brp-3", "bsn": BSN_C, "huisnummer": "14",
            "huisletter": None}  # fmt: skip
    extracts = tmp_path / "extracts"
    for source, rows in ROWS.items():
        write_extract(extracts, source, [*rows, twin] if source == "brp" else rows)
    url = upgraded(f"sqlite:///{tmp_path / 'vik.db'}")
    nightly(extracts, url, tmp_path / "data")
    lookups = Lookups.from_config(CONFIG, data_dir=tmp_path / "data", key=PseudonymKey(TEST_KEY))
    request = LookupRequest("t", "ondermijning", "ondermijningsbeeld", REASON, "web")
    with session_scope(connect(url)) as session:
        found = lookups.find(
            session, request, Query.person(naam="Ayşe Öztürk", geboortedatum="1980-00-00")
        )
        assert found.subject is None
        assert len(found.candidates) == 2
        assert "2 personen met deze geboortedatum" in found.reason
        # By BSN there is no doubt.
        by_bsn = lookups.find(session, request, Query.person(bsn=BSN_A))
        assert by_bsn.subject is not None
        assert by_bsn.subject.ref in {c.subject.ref for c in found.candidates}
        session.commit()
        logged = session.exec(
            select(AuditLog)
            .where(AuditLog.action != "goedkeuringen_ingelezen")  # the night's setup
            .order_by(AuditLog.id)
        ).all()
    assert [e.action for e in logged] == [
        "bevraging_gezocht",
        "bevraging_kandidaat",
        "bevraging_kandidaat",
    ]
    assert all(BSN_A not in json.dumps(e.details) for e in logged)


def test_a_lookup_leaves_no_trace_on_another_departments_pages(lookup_app, web_db):
    address = busy_address(web_db)
    with session_scope(connect(web_db)) as session:
        before = (
            session.exec(select(func.count()).select_from(Flag)).one(),
            session.exec(select(func.count()).select_from(Dossier)).one(),
        )
        dossier = session.exec(
            select(Dossier).where(Dossier.entity_type == "adres", Dossier.entity_key == address)
        ).one()
    other = client_for(lookup_app, "analist.ondermijning")
    pages_before = {p: other.get(p).text for p in ("/signalen", "/loo", f"/dossiers/{dossier.id}")}

    burgerzaken = client_for(lookup_app, "analist.burgerzaken")
    step1 = search(burgerzaken, soort="adres", adres=address, doel="adresonderzoek", reden=REASON)
    assert "Stap 1 · hit/no-hit" in step1.text
    step2 = burgerzaken.post(
        "/zoeken/inhoud",
        data={"csrf_token": csrf_of(step1.text), "onderwerp": f"adres:{address}",
              "doel": "adresonderzoek", "reden": REASON},
    )  # fmt: skip
    assert "Stap 2 · inhoud" in step2.text

    with session_scope(connect(web_db)) as session:
        after = (
            session.exec(select(func.count()).select_from(Flag)).one(),
            session.exec(select(func.count()).select_from(Dossier)).one(),
        )
    assert after == before  # no flag, no dossier
    for path, text in pages_before.items():
        now = other.get(path).text
        assert REASON not in now and "bevraging" not in now.lower()
        # The pages are the same, but for the CSRF token and times they print.
        strip = re.compile(r'value="[^"]{30,}"|\d{2}:\d{2}')
        assert strip.sub("", now) == strip.sub("", text), path


def test_step_2_is_refused_for_a_purpose_that_does_not_cover_the_subject(lookup_app, web_db):
    client = client_for(lookup_app, "analist.handhaving")
    page = client.get("/zoeken?soort=persoon")
    response = client.post(
        "/zoeken/inhoud",
        data={"csrf_token": csrf_of(page.text), "onderwerp": "persoon:P" + "0" * 20,
              "doel": "handhavingsonderzoek", "reden": REASON},
    )  # fmt: skip
    assert response.status_code == 400
    assert "mag niet zoeken voor een persoon" in response.text
    assert not [e for e in audit(web_db) if e.action == "bevraging_inhoud"]


def test_the_compliance_register_shows_the_purposes(lookup_app):
    page = client_for(lookup_app, "compliance").get("/register").text
    purposes = page[page.index('id="doelen"') :]
    for key in ("adresonderzoek", "handhavingsonderzoek", "ondermijningsbeeld"):
        assert f'id="doel-{key}"' in purposes
    assert "Wet BRP art. 2.8 en 2.9" in " ".join(purposes.split())
    assert "brp</strong>: geslachtsnaam, voorvoegsel, voornamen" in purposes
