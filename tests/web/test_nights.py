"""Across nights of changed extracts: a "geen actie" comes back when the situation got worse,
and what the decider saw stays as it was, its hash verifying."""

from __future__ import annotations

import csv
import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from tests.web.conftest import (
    CONFIG,
    csrf_of,
    decisions_on,
    dossier_of,
    flags_where,
    make_app,
    sign_in,
)
from vik.connectors.pseudonyms import PseudonymKey
from vik.nightly import NightlyConfig, run_nightly
from vik.store.db import connect, session_scope
from vik.store.models import DecisionSnapshot
from vik.store.snapshots import verify

NO_ACTION = "Gezin met inwonende familie; adres bekend, geen aanwijzing voor fraude."


def _bsns(existing: set[str], count: int) -> list[str]:
    """New 9-digit numbers that pass the elfproef, as the BRP would deliver them."""
    found, number = [], 800_000_000
    while len(found) < count:
        number += 1
        digits = str(number)
        total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
        if (total - int(digits[8])) % 11 == 0 and digits not in existing:
            found.append(digits)
    return found


def night_extracts(source: Path, target: Path, day: date, moved_in: dict[str, int]) -> Path:
    """The demo extracts as delivered on `day`: every file dated that evening, and for each
    address in `moved_in` that many more residents registered there (new BRP rows)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("truth"))
    brp = target / "brp.csv"
    with brp.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames or [], list(reader)
    bsns = iter(_bsns({r["bsn"] for r in rows}, sum(moved_in.values())))
    added = []
    for address, count in moved_in.items():
        resident = next(
            r
            for r in rows
            if r["nummeraanduiding_id"] == address
            and r["functie_adres"] == "W"
            and not r["datum_einde_adreshouding"]
        )
        for index in range(count):
            added.append(
                {
                    **resident,
                    "record_id": f"brp-{day:%m%d}{index:04d}",
                    "bsn": next(bsns),
                    "voornamen": f"Nieuw{index}",
                    "geboortedatum": f"199{index % 10}0101",
                    "datum_aanvang_adreshouding": f"{day - timedelta(days=3):%Y%m%d}",
                }
            )
    with brp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows + added)
    evening = datetime.combine(day, datetime.min.time()).replace(hour=20).timestamp()
    for path in target.iterdir():
        os.utime(path, (evening, evening))
    return target


def run_night(extracts: Path, database_url: str, data_dir: Path, day: date) -> dict:
    result = run_nightly(
        NightlyConfig(
            extracts_dir=extracts,
            database_url=database_url,
            config_dir=CONFIG,
            data_dir=data_dir,
            peildatum=day,
            key=PseudonymKey(TEST_KEY),
        )
    )
    return result.flag_counts


def app_on(database_url: str, day: date):  # type: ignore[no-untyped-def]
    return make_app(database_url, today=day)


def decide(client: TestClient, flag_id: int, decision: str, reason: str) -> None:
    csrf = csrf_of(client.get("/signalen").text)
    response = client.post(
        f"/signalen/{flag_id}/besluit",
        data={"csrf_token": csrf, "besluit": decision, "reden": reason},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_a_geen_actie_is_back_in_the_queue_when_inschrijvingen_rise(
    web_db, demo_extracts, tmp_path
):
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    decided_at = flag.values["inschrijvingen"]
    app = app_on(web_db, DEMO_AS_OF)
    with TestClient(app) as burgerzaken, TestClient(app) as handhaving:
        sign_in(burgerzaken, "analist.burgerzaken")
        sign_in(handhaving, "analist.handhaving")
        decide(burgerzaken, flag.id, "geen_actie", NO_ACTION)
        decide(handhaving, flag.id, "in_behandeling", "Handhaving kijkt naar de bewoning.")

    # Night 2: new extracts, someone moves in elsewhere; this address is as it was.
    other = flags_where(web_db, rule_id="overbewoning")[1].entity_key
    day2 = DEMO_AS_OF + timedelta(days=1)
    extracts = night_extracts(demo_extracts, tmp_path / "n2", day2, {other: 1})
    assert run_night(extracts, web_db, tmp_path / "data", day2)["opnieuw_te_beoordelen"] == 0
    assert decisions_on(web_db, flag.id)["burgerzaken"] == "geen_actie"

    # Night 3: two more people registered at the address decided on.
    day3 = DEMO_AS_OF + timedelta(days=2)
    extracts = night_extracts(demo_extracts, tmp_path / "n3", day3, {flag.entity_key: 2})
    assert run_night(extracts, web_db, tmp_path / "data", day3)["opnieuw_te_beoordelen"] == 1
    assert decisions_on(web_db, flag.id) == {"burgerzaken": None, "handhaving": "in_behandeling"}
    with TestClient(app_on(web_db, day3)) as burgerzaken:
        sign_in(burgerzaken, "analist.burgerzaken")
        queue = burgerzaken.get("/signalen?status=te_beoordelen&regel=overbewoning").text
        row = queue[queue.index(f'#signaal-{flag.id}"') :].split("</tr>")[0]
        assert "heropend" in row
        page = burgerzaken.get(f"/dossiers/{dossier_of(web_db, flag)}").text
        reason = (
            f"Opnieuw te beoordelen: inschrijvingen steeg van {decided_at} naar "
            f"{decided_at + 2} (besloten bij {decided_at}); nieuwe bronrecords sinds het "
            "besluit: brp 2."
        )
        assert reason in page
        assert "nachtelijke run" in page and NO_ACTION in page  # the history says why
    with TestClient(app_on(web_db, day3)) as handhaving:
        sign_in(handhaving, "analist.handhaving")
        queue = handhaving.get("/signalen?status=in_behandeling&regel=overbewoning").text
        assert f'#signaal-{flag.id}"' in queue


def test_a_past_decisions_snapshot_survives_two_nights_unchanged(web_db, demo_extracts, tmp_path):
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    with TestClient(app_on(web_db, DEMO_AS_OF)) as burgerzaken:
        sign_in(burgerzaken, "analist.burgerzaken")
        decide(burgerzaken, flag.id, "geen_actie", NO_ACTION)
    with session_scope(connect(web_db)) as session:
        (before,) = session.exec(select(DecisionSnapshot)).all()
    for offset in (1, 2):  # two more nights, with a resident more each night
        day = DEMO_AS_OF + timedelta(days=offset)
        extracts = night_extracts(
            demo_extracts, tmp_path / f"n{offset}", day, {flag.entity_key: offset}
        )
        run_night(extracts, web_db, tmp_path / "data", day)
    (now,) = flags_where(web_db, id=flag.id)
    assert now.explanation != flag.explanation  # the flag itself moved on
    with session_scope(connect(web_db)) as session:
        (after,) = session.exec(select(DecisionSnapshot)).all()
    assert after.content == before.content and after.content_hash == before.content_hash
    assert verify(after)
    assert after.content["uitleg"] == flag.explanation
    assert {e["extractdatum"] for e in after.content["bewijs"]} == {DEMO_AS_OF.isoformat()}
    day = DEMO_AS_OF + timedelta(days=2)
    with TestClient(app_on(web_db, day)) as burgerzaken:
        sign_in(burgerzaken, "analist.burgerzaken")
        page = burgerzaken.get(f"/momentopnamen/{after.id}").text
        assert "Onveranderd: de sha256 van de inhoud klopt" in page
        assert flag.explanation in page and now.explanation not in page
