"""The LOO agenda: only decided flags, as a spreadsheet and as a printable page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl

from tests.demo_data import DEMO_AS_OF, DEMO_DAY
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


# --- the LOO cycle ------------------------------------------------------------------------


def form_post(client, path: str, data: dict, page: str = "/loo"):  # type: ignore[no-untyped-def]
    csrf = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_the_secretariat_runs_a_meeting_and_the_owner_closes_its_action(signed_in, web_db):
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    handhaving = signed_in("analist.handhaving")
    ondermijning = signed_in("analist.ondermijning")
    burgerzaken = signed_in("analist.burgerzaken")
    pass_on(handhaving, flag, reason="Overbewoning: samen met Burgerzaken controleren.")
    # Only the secretariat plans meetings.
    day = (DEMO_AS_OF + timedelta(days=7)).isoformat()
    meeting_form = {"datum": day, "voorzitter": "J. van Dijk, burgemeester"}
    forbidden = form_post(
        handhaving,
        "/loo/overleggen",
        {**meeting_form, "afdelingen": ["handhaving", "ondermijning"]},
    )
    assert forbidden.status_code == 403
    few = form_post(
        ondermijning, "/loo/overleggen", {**meeting_form, "afdelingen": ["ondermijning"]}
    )
    assert few.status_code == 400 and "ten minste twee deelnemende afdelingen" in few.text
    planned = form_post(
        ondermijning,
        "/loo/overleggen",
        {**meeting_form, "afdelingen": ["ondermijning", "handhaving"]},
    )
    assert planned.status_code == 303
    meeting = planned.headers["location"].split("?")[0]
    meeting_id = int(meeting.rsplit("/", 1)[1])
    inbox = ondermijning.get("/loo").text
    assert "Overbewoning: samen met Burgerzaken controleren." in inbox
    agenda = form_post(
        ondermijning,
        "/loo/agenderen",
        {"overleg": str(meeting_id), "dossier": str(dossier_of(web_db, flag))},
    )
    assert agenda.status_code == 303
    page = ondermijning.get(meeting).text
    assert flag.explanation in page and "aangedragen door Toezicht en Handhaving" in page
    item_id = re.search(r'id="punt-(\d+)"', page).group(1)
    agreed = form_post(
        ondermijning,
        f"{meeting}/punten/{item_id}/afspraken",
        {
            "actie": "integrale_controle",
            "eigenaar": "handhaving",
            "uiterlijk": (DEMO_AS_OF + timedelta(days=30)).isoformat(),
            "toelichting": "Met Burgerzaken langs.",
        },
        page=meeting,
    )
    assert agreed.status_code == 303
    # Burgerzaken does not take part: the meeting is not there for it.
    assert burgerzaken.get(meeting).status_code == 404
    # Handhaving sees its action, records the controle and closes it.
    own = handhaving.get("/loo").text
    action = re.search(r'href="(/loo/acties/\d+)">Integrale controle', own).group(1)
    assert burgerzaken.get(action).status_code == 404
    not_yet = form_post(
        handhaving,
        f"{action}/uitkomst",
        {
            "uitkomst": "bevestigd",
            "categorie": "overtreding vastgesteld",
            "datum": DEMO_AS_OF.isoformat(),
            "reden": "Overbewoning vastgesteld.",
        },
        page=action,
    )
    assert not_yet.status_code == 400 and "Leg eerst de integrale controle vast" in not_yet.text
    checked = form_post(
        handhaving,
        f"{action}/controle",
        {
            "datum": DEMO_AS_OF.isoformat(),
            "afdelingen": ["handhaving", "burgerzaken"],
            "bevindingen": "Veertien bewoners, brandveiligheid onvoldoende.",
        },
        page=action,
    )
    assert checked.status_code == 303
    closed = form_post(
        handhaving,
        f"{action}/uitkomst",
        {
            "uitkomst": "bevestigd",
            "categorie": "overtreding vastgesteld",
            "datum": DEMO_AS_OF.isoformat(),
            "reden": "Overbewoning vastgesteld bij de controle.",
        },
        page=action,
    )
    assert closed.status_code == 303
    shown = handhaving.get(closed.headers["location"]).text
    assert "Bevestigd" in shown and "overtreding vastgesteld" in shown
    # The minutes, printable and as a spreadsheet, carry the controle and the outcome.
    printed = handhaving.get(f"{meeting}/verslag").text
    assert "Integrale controle" in printed and "Veertien bewoners" in printed
    assert "<form" not in printed
    book = openpyxl.load_workbook(io.BytesIO(handhaving.get(f"{meeting}/verslag.xlsx").content))
    (row,) = [[c.value for c in r] for r in book["Verslag"].iter_rows(min_row=2)]
    assert row[6] == "Integrale controle" and row[8] == "Toezicht en Handhaving"
    assert (row[10], row[11], row[12]) == ("afgerond", "Bevestigd", "overtreding vastgesteld")
    (check,) = [[c.value for c in r] for r in book["Integrale controles"].iter_rows(min_row=2)]
    assert check[4] == "Toezicht en Handhaving, Burgerzaken (BRP en adresonderzoek)"
    for action_name in (
        "loo_overleg_gepland",
        "loo_geagendeerd",
        "loo_afspraak",
        "integrale_controle",
        "loo_afspraak_afgerond",
        "loo_verslag_afgedrukt",
        "loo_verslag_gedownload",
    ):
        assert audit(web_db, action_name), action_name
    (download,) = audit(web_db, "loo_verslag_gedownload")
    assert download.actor == "analist.handhaving" and download.purpose


def test_an_overdue_action_is_visible_to_its_owner(web_db):
    from fastapi.testclient import TestClient

    from tests.web.conftest import loo_example, make_app, sign_in

    loo_example(web_db)  # an integrale controle for handhaving, due in 30 days
    later = make_app(web_db, today=DEMO_AS_OF + timedelta(days=31))
    with TestClient(later) as client:
        sign_in(client, "analist.handhaving")
        page = client.get("/loo").text
        actions = page[
            page.index('id="acties"') : page.index("</section>", page.index('id="acties"'))
        ]
        assert '<tr class="alert">' in actions and "te laat" in actions
    with TestClient(later) as client:
        sign_in(client, "analist.burgerzaken")
        assert "Uw afdeling heeft geen acties uit het LOO." in client.get("/loo").text


def test_the_agenda_holds_what_the_loo_put_on_it_without_anothers_reason(signed_in, web_db):
    from tests.web.conftest import loo_example

    burgerzaken = signed_in("analist.burgerzaken")
    loo_example(web_db)  # handhaving's referral, on a meeting burgerzaken takes part in
    page = burgerzaken.get("/loo").text
    coming = page[page.index('id="agenda"') :]
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    assert flag.explanation in coming and "aangedragen door Toezicht en Handhaving" in coming
    assert "Twaalf inschrijvingen: samen met Burgerzaken controleren." not in page
    sheet = openpyxl.load_workbook(io.BytesIO(burgerzaken.get("/loo/agenda.xlsx").content))[
        "LOO-agenda"
    ]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [(r[5], r[8], r[11]) for r in rows] == [
        (flag.explanation, None, "Toezicht en Handhaving")
    ]
