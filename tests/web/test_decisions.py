"""Each department its own decision, reason, snooze and history; of another at most that
it is involved, where the betrokkenheid rule allows; what the decider saw; outcomes."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.demo_data import DEMO_AS_OF
from tests.web.conftest import (
    csrf_of,
    decisions_on,
    dossier_of,
    flags_where,
    make_app,
    sign_in,
)
from tests.web.test_dossiers import audit
from vik.store.db import connect, session_scope
from vik.store.models import DecisionSnapshot
from vik.web.users import add_user

REFERRAL = "Twaalf inschrijvingen; met Burgerzaken en het LOO bespreken (handhaving)."
NO_ACTION = "Adres bekend bij Burgerzaken, inschrijvingen net gecontroleerd."


def post(client: TestClient, flag_id: int, what: str, **data: str):  # type: ignore[no-untyped-def]
    csrf = csrf_of(client.get("/signalen").text)
    return client.post(
        f"/signalen/{flag_id}/{what}", data={"csrf_token": csrf, **data}, follow_redirects=False
    )


def test_refer_then_geen_actie_by_another_department_leaves_the_referral(any_web_db):
    """The scenario of issue 14: Handhaving refers a flag to the LOO, Burgerzaken then
    decides "geen actie" on the same flag; the referral stays on the LOO agenda."""
    flag = flags_where(any_web_db, rule_id="overbewoning")[0]
    app = make_app(any_web_db)
    with (
        TestClient(app) as handhaving,
        TestClient(app) as burgerzaken,
        TestClient(app) as ondermijning,
    ):
        sign_in(handhaving, "analist.handhaving")
        sign_in(burgerzaken, "analist.burgerzaken")
        sign_in(ondermijning, "analist.ondermijning")
        refer = post(
            handhaving, flag.id, "besluit", besluit="doorzetten", naar="LOO", reden=REFERRAL
        )
        assert refer.status_code == 303
        none = post(burgerzaken, flag.id, "besluit", besluit="geen_actie", reden=NO_ACTION)
        assert none.status_code == 303
        assert decisions_on(any_web_db, flag.id) == {
            "handhaving": "doorzetten",
            "burgerzaken": "geen_actie",
        }
        # Handhaving's agenda (page and spreadsheet) still carries its referral ...
        own = handhaving.get("/loo").text
        assert REFERRAL in own and flag.explanation in own
        sheet = openpyxl.load_workbook(io.BytesIO(handhaving.get("/loo/agenda.xlsx").content))[
            "LOO-agenda"
        ]
        assert [row[8].value for row in sheet.iter_rows(min_row=2)] == [REFERRAL]
        # ... and so does the LOO's inbox at the secretariat.
        assert REFERRAL in ondermijning.get("/loo").text
        # Burgerzaken passed nothing on: its agenda and spreadsheet are empty, and
        # nowhere does it read Handhaving's reason.
        theirs = burgerzaken.get("/loo").text
        assert REFERRAL not in theirs and "Nog niets op de agenda" in theirs
        sheet = openpyxl.load_workbook(io.BytesIO(burgerzaken.get("/loo/agenda.xlsx").content))[
            "LOO-agenda"
        ]
        assert sheet.max_row == 1
        dossier = burgerzaken.get(f"/dossiers/{dossier_of(any_web_db, flag)}").text
        assert REFERRAL not in dossier and NO_ACTION in dossier
        assert "Analist Toezicht en Handhaving" not in dossier
        # Handhaving's dossier shows its own decision, not Burgerzaken's.
        dossier = handhaving.get(f"/dossiers/{dossier_of(any_web_db, flag)}").text
        assert REFERRAL in dossier and NO_ACTION not in dossier


def test_a_decision_or_snooze_of_one_department_leaves_the_others_queue_alone(any_web_db):
    flag = flags_where(any_web_db, rule_id="overbewoning")[0]
    other = flags_where(any_web_db, rule_id="overbewoning")[1]
    app = make_app(any_web_db)
    with TestClient(app) as handhaving, TestClient(app) as burgerzaken:
        sign_in(handhaving, "analist.handhaving")
        sign_in(burgerzaken, "analist.burgerzaken")
        post(handhaving, flag.id, "besluit", besluit="geen_actie", reden=NO_ACTION)
        until = (DEMO_AS_OF + timedelta(days=20)).isoformat()
        post(handhaving, other.id, "uitstel", tot=until, reden="Wacht op het huisbezoek.")
        queue = handhaving.get("/signalen?regel=overbewoning").text
        assert f'#signaal-{flag.id}"' not in queue and f'#signaal-{other.id}"' not in queue
        # Burgerzaken decided nothing and snoozed nothing: both wait for its decision.
        queue = burgerzaken.get("/signalen?regel=overbewoning").text
        assert f'#signaal-{flag.id}"' in queue and f'#signaal-{other.id}"' in queue
        page = burgerzaken.get(f"/dossiers/{dossier_of(any_web_db, other)}").text
        assert "Wacht op het huisbezoek." not in page and "uitgesteld tot" not in page


def test_involvement_is_shown_only_where_the_betrokkenheid_rule_allows(app, signed_in, web_db):
    """meldingen-cluster goes to oov, handhaving and ondermijning. The betrokkenheid rule
    lets handhaving and oov know of each other, not ondermijning."""
    flag = flags_where(web_db, rule_id="meldingen-cluster")[0]
    handhaving = signed_in("analist.handhaving")
    reason = "Handhaving gaat langs met de wijkagent (in behandeling)."
    assert (
        post(handhaving, flag.id, "besluit", besluit="in_behandeling", reden=reason).status_code
        == 303
    )
    with session_scope(connect(web_db)) as session:
        add_user(session, "analist.oov", "oov-wachtwoord-1", "analist", "oov", "OOV", actor="test")
    with TestClient(app) as oov:
        sign_in(oov, "analist.oov", "oov-wachtwoord-1")
        page = oov.get(f"/dossiers/{dossier_of(web_db, flag)}").text
        card = page[page.index(f'id="signaal-{flag.id}"') :].split("</article>")[0]
        assert (
            "Ook betrokken: Toezicht en Handhaving (handhaving-ondermijning@demogemeente.nl)"
            in card
        )
        assert (
            reason not in page
            and "In behandeling" not in card.split("<form")[0].split("Besluit")[0]
        )
    page = signed_in("analist.ondermijning").get(f"/dossiers/{dossier_of(web_db, flag)}").text
    assert "Ook betrokken" not in page and reason not in page


def test_what_the_decider_saw_is_kept_and_shown_to_that_department(signed_in, web_db):
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    burgerzaken = signed_in("analist.burgerzaken")
    post(burgerzaken, flag.id, "besluit", besluit="geen_actie", reden=NO_ACTION)
    page = burgerzaken.get(f"/dossiers/{dossier_of(web_db, flag)}").text
    (link,) = re.findall(r'href="(/momentopnamen/\d+)">wat zag de beslisser', page)
    shown = burgerzaken.get(link).text
    assert "Onveranderd: de sha256 van de inhoud klopt" in shown
    assert NO_ACTION in shown and flag.explanation in shown
    with session_scope(connect(web_db)) as session:
        snapshot = session.exec(select(DecisionSnapshot)).one()
    assert snapshot.content_hash in shown
    (entry,) = audit(web_db, "momentopname_bekeken")
    assert (entry.actor, entry.object_id) == ("analist.burgerzaken", str(snapshot.id))
    assert entry.purpose  # why it was opened
    assert signed_in("analist.handhaving").get(link).status_code == 404


def test_a_department_records_the_outcome_of_its_own_handling(signed_in, web_db):
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    burgerzaken = signed_in("analist.burgerzaken")
    outcome = {
        "uitkomst": "bevestigd",
        "datum": DEMO_AS_OF.isoformat(),
        "reden": "Adresonderzoek: vier mensen woonden er niet.",
    }
    refused = post(
        burgerzaken, flag.id, "uitkomst", categorie="inschrijving gecorrigeerd", **outcome
    )
    assert refused.status_code == 400 and "Leg eerst een besluit vast" in refused.text
    post(burgerzaken, flag.id, "besluit", besluit="in_behandeling", reden="Adresonderzoek gestart.")
    no_category = post(burgerzaken, flag.id, "uitkomst", **outcome)
    assert no_category.status_code == 400
    assert "Kies bij een bevestigde uitkomst een categorie" in no_category.text
    done = post(burgerzaken, flag.id, "uitkomst", categorie="inschrijving gecorrigeerd", **outcome)
    assert done.status_code == 303
    page = burgerzaken.get(done.headers["location"]).text
    assert "Uitkomst vastgelegd." in page and "inschrijving gecorrigeerd" in page
    (entry,) = audit(web_db, "uitkomst")
    assert entry.details["afdeling"] == "burgerzaken" and entry.purpose is None
    register = signed_in("compliance").get("/register/overbewoning").text
    assert "100% (1 van 1; 95%-interval 21–100%)" in register
