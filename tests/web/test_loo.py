"""The LOO agenda: only decided flags, as a spreadsheet and as a printable page."""

from __future__ import annotations

import io

import openpyxl

from tests.demo_data import DEMO_DAY
from tests.web.conftest import csrf_of, dossier_of, flags_where
from tests.web.test_dossiers import audit


def pass_on(client, flag, target: str = "LOO", reason: str = "Bespreken in het LOO van dinsdag."):  # type: ignore[no-untyped-def]
    csrf = csrf_of(client.get("/signalen").text)
    response = client.post(
        f"/signalen/{flag.id}/besluit",
        data={"csrf_token": csrf, "besluit": "doorzetten", "naar": target, "reden": reason},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_nothing_is_on_the_agenda_without_a_decision(signed_in):
    client = signed_in("analist.ondermijning")
    assert "Nog niets op de agenda" in client.get("/loo").text
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/loo/agenda.xlsx").content))["LOO-agenda"]
    assert sheet.max_row == 1  # headers only


def test_agenda_lists_flags_passed_on_to_the_loo_by_priority(signed_in, web_db):
    client = signed_in("analist.ondermijning")
    high = flags_where(web_db, rule_id="overbewoning")[0]
    low = flags_where(web_db, rule_id="veelverhuizer")[0]
    elsewhere = flags_where(web_db, rule_id="briefbusfirma")[0]
    pass_on(client, low, reason="Vier verhuizingen in een jaar, bespreken.")
    pass_on(client, high, reason="Overbewoning: adresonderzoek afstemmen in het LOO.")
    pass_on(client, elsewhere, target="DTO/RIEC", reason="Brievenbusfirma's: naar het RIEC.")
    page = client.get("/loo").text
    assert page.index(high.explanation) < page.index(low.explanation)
    assert elsewhere.explanation not in page
    assert "Overbewoning: adresonderzoek afstemmen in het LOO." in page
    assert "Analist Team Ondermijning (demo)" in page

    response = client.get("/loo/agenda.xlsx")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert 'filename="loo-agenda-' in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["LOO-agenda"]
    header = [cell.value for cell in sheet[1]]
    assert header[:6] == ["Nr", "Dossier", "Wijk", "Prioriteit", "Signaal", "Uitleg"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[0] for row in rows] == [1, 2]
    assert rows[0][5] == high.explanation
    assert rows[0][8] == "Overbewoning: adresonderzoek afstemmen in het LOO."
    assert rows[0][6] == "Analist Team Ondermijning (demo)"
    assert DEMO_DAY in rows[0][9]  # sources with their extract date
    about = {row[0].value: row[1].value for row in book["Toelichting"].iter_rows()}
    assert about["Afdeling"] == "Team Ondermijning (voorbereiding LOO)"
    assert "Vertrouwelijk" in about
    (download,) = audit(web_db, "loo_agenda_gedownload")
    assert download.details["dossiers"] == [dossier_of(web_db, high), dossier_of(web_db, low)]
    assert sorted(download.details["signalen"]) == sorted([high.id, low.id])


def test_printable_agenda(signed_in, web_db):
    client = signed_in("analist.ondermijning")
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    pass_on(client, flag)
    page = client.get("/loo/afdrukken").text
    assert "Agenda lokaal ondermijningsoverleg" in page
    assert "1. " in page and flag.explanation in page
    assert "<form" not in page  # nothing to click on paper
    assert "@media print" in client.get("/static/vik.css").text
    assert audit(web_db, "loo_agenda_afgedrukt")


def test_agenda_of_one_department_holds_only_its_flags(signed_in, web_db):
    ondermijning = signed_in("analist.ondermijning")
    flag = flags_where(web_db, rule_id="veelverhuizer")[0]  # not a handhaving rule
    pass_on(ondermijning, flag)
    handhaving = signed_in("analist.handhaving").get("/loo").text
    assert flag.explanation not in handhaving
    assert f"/dossiers/{dossier_of(web_db, flag)}" not in handhaving
