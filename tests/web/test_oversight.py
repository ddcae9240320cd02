"""Retention status and the access log, as the compliance officer sees them."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from tests.demo_data import DEMO_DAY
from tests.web.conftest import csrf_of, dossier_of, flags_where, make_app, sign_in
from vik.connectors.pseudonyms import PseudonymKey
from vik.nightly import NightlyConfig, run_nightly
from vik.store.models import utcnow
from vik.web._oversight import local_day

LATER = date(2027, 6, 1)  # past the P6M term of betrokkenheid and meldingen-cluster


def retention_row(page: str, rule_id: str) -> list[str]:
    row = page[page.index(f"<code>{rule_id}</code>") :].split("</tr>")[0]
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)


def test_retention_shows_what_is_due_and_what_each_night_deleted(web_db, demo_extracts, tmp_path):
    from tests.extracts import TEST_KEY
    from tests.web.conftest import CONFIG

    with TestClient(make_app(web_db)) as client:
        sign_in(client, "compliance")
        now = client.get("/bewaartermijnen").text
    term, starts, stored, due, _soon, next_expiry = retention_row(now, "meldingen-cluster")
    assert (term, starts, stored, due, next_expiry) == (
        "P6M",
        "laatste signalering",
        "3",
        "0",
        "22-05-2027",
    )

    with TestClient(_app_on(web_db, LATER)) as client:
        sign_in(client, "compliance")
        before = client.get("/bewaartermijnen").text
        assert retention_row(before, "meldingen-cluster")[3] == "3"  # all three past their term
        assert retention_row(before, "overbewoning")[3] == "0"  # P1Y: not yet
        run_nightly(
            NightlyConfig(
                extracts_dir=demo_extracts,
                database_url=web_db,
                config_dir=CONFIG,
                data_dir=tmp_path / "data",
                peildatum=LATER,
                key=PseudonymKey(TEST_KEY),
            )
        )
        after = client.get("/bewaartermijnen").text
    nights = after[after.index("Verwijderd per nacht") :]
    assert re.search(
        r"<td>01-06-2027</td><td class=\"num\">5</td><td>betrokkenheid: 2, meldingen-cluster: 3</td>",
        nights,
    )
    assert re.search(rf"<td>{DEMO_DAY}</td><td class=\"num\">0</td><td>niets</td>", nights)
    assert "<code>meldingen-cluster</code>" not in after  # nothing of it is kept any more


def _app_on(database_url: str, day: date):  # type: ignore[no-untyped-def]
    from tests.web.conftest import CONFIG
    from vik.web import create_app
    from vik.web.settings import WebSettings

    return create_app(
        database_url,
        config_dir=CONFIG,
        settings=WebSettings(allowed_hosts=["testserver"]),
        today=lambda: day,
    )


def _window() -> str:
    today = local_day(utcnow()).isoformat()
    return f"/toegangslog?vanaf={today}&tot={today}"


def test_access_log_shows_who_did_what_when_and_why(signed_in, web_db):
    analist = signed_in("analist.burgerzaken")
    flag = flags_where(web_db, rule_id="veelverhuizer")[0]
    dossier = dossier_of(web_db, flag)
    page = analist.get(f"/dossiers/{dossier}").text
    analist.post(
        f"/dossiers/{dossier}/persoonsgegevens",
        data={"csrf_token": csrf_of(page), "doel": "Adresonderzoek voorbereiden"},
    )
    analist.post(
        f"/signalen/{flag.id}/besluit",
        data={
            "csrf_token": csrf_of(page),
            "besluit": "in_behandeling",
            "reden": "Huisbezoek gepland.",
        },
    )
    log = signed_in("compliance").get(_window()).text
    assert "Persoonsgegevens ingezien" in log and "Adresonderzoek voorbereiden" in log
    assert "Besluit" in log and "Huisbezoek gepland." in log
    assert "Analist Burgerzaken (demo)" in log
    assert f"dossier {dossier}" in log and f"signaal {flag.id}" in log
    assert "Ongebruikelijke inzage" not in log
    only = signed_in("compliance").get(_window() + "&actie=besluit").text
    table = only[only.index("<h2>Log</h2>") :]
    assert "Huisbezoek gepland." in table and "Adresonderzoek voorbereiden" not in table


def test_many_people_level_views_in_a_day_are_highlighted(web_db):
    app = make_app(web_db, unusual_views_per_day=3)
    person_dossiers = sorted(
        {dossier_of(web_db, f) for f in flags_where(web_db, rule_id="veelverhuizer")}
    )
    with TestClient(app) as analist, TestClient(app) as officer:
        sign_in(analist, "analist.burgerzaken")
        sign_in(officer, "compliance")
        for dossier in person_dossiers:  # three views: not yet unusual
            analist.get(f"/dossiers/{dossier}")
        assert "Ongebruikelijke inzage" not in officer.get(_window()).text
        page = analist.get(f"/dossiers/{person_dossiers[0]}").text  # the fourth
        assert "Persoon" in page
        log = officer.get(_window()).text
    assert "Ongebruikelijke inzage" in log
    assert "(analist.burgerzaken): 4 inzages op persoonsniveau" in log
    assert log.count('<tr class="alert">') >= 4 + 1  # the four entries and the day's count


def test_an_unreadable_date_in_the_access_log_says_what_to_type(signed_in):
    response = signed_in("compliance").get("/toegangslog?vanaf=gisteren")
    assert response.status_code == 400
    assert "jjjj-mm-dd" in response.text


def test_a_decision_reason_goes_with_its_flag_and_the_log_says_so(
    signed_in, web_db, demo_extracts, tmp_path
):
    from tests.extracts import TEST_KEY
    from tests.web.conftest import CONFIG
    from vik.web._oversight import REASON_GONE

    analist = signed_in("analist.handhaving")
    flag = flags_where(web_db, rule_id="meldingen-cluster")[0]  # P6M: gone by LATER
    page = analist.get(f"/dossiers/{dossier_of(web_db, flag)}").text
    reason = "Buurtbewoner noemde een naam; niets aan de hand."
    analist.post(
        f"/signalen/{flag.id}/besluit",
        data={"csrf_token": csrf_of(page), "besluit": "geen_actie", "reden": reason},
    )
    run_nightly(
        NightlyConfig(
            extracts_dir=demo_extracts,
            database_url=web_db,
            config_dir=CONFIG,
            data_dir=tmp_path / "data",
            peildatum=LATER,
            key=PseudonymKey(TEST_KEY),
        )
    )
    with TestClient(_app_on(web_db, LATER)) as client:
        sign_in(client, "compliance")
        log = client.get(_window() + "&actie=besluit").text
    table = log[log.index("<h2>Log</h2>") :]
    assert "Analist Toezicht en Handhaving (demo)" in table  # who decided stays
    assert reason not in table and REASON_GONE in table  # what they wrote went with the flag
