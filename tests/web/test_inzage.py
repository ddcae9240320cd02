"""The inzageverzoek on a crafted person: flags for two departments, a decision, a view,
informatieplicht and a purged flag all appear, in the JSON and in the PDF's text."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import polars as pl
from pypdf import PdfReader
from sqlmodel import select

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from tests.web.conftest import CONFIG, csrf_of, make_app
from tests.web.test_lookup import client_for
from vik.connectors.pseudonyms import PseudonymKey
from vik.inzage import SECTIONS
from vik.lookup.subjects import person_of_bsn
from vik.store.db import connect, session_scope
from vik.store.models import AuditLog, Dossier, Flag, RuleVersion
from vik.store.notices import record_notice
from vik.store.retention import purge
from vik.store.reviews import record_review

DECISION = "Adresonderzoek ingesteld na huisbezoek, kenmerk BZ-2026-0412 (inzagetest)."


def crafted_person(database_url: str, demo_extracts) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """A person with a flag (from the night), a betrokkenheid flag for vergunningen, a
    decision by burgerzaken, a notice and a flag purged after its term: (BSN, person key,
    the department of the betrokkenheid flag)."""
    key = PseudonymKey(TEST_KEY)
    with session_scope(connect(database_url)) as session:
        flag = session.exec(
            select(Flag).where(
                Flag.entity_type == "persoon",
                Flag.status == "open",
                Flag.rule_id == "veelverhuizer",  # burgerzaken receives it
            )
        ).first()
        person = flag.entity_key
        taken = set(
            session.exec(
                select(Flag.department).where(
                    Flag.entity_key == person, Flag.rule_id == "betrokkenheid"
                )
            ).all()
        )
        other = next(d for d in ("vergunningen", "belastingen", "oov") if d not in taken)
        betrokkenheid = session.exec(
            select(RuleVersion).where(RuleVersion.rule_id == "betrokkenheid")
        ).first()
        template = {
            "entity_type": "persoon",
            "entity_key": person,
            "severity": "laag",
            "theme": "samenwerking",
            "first_seen_run": 1,
            "last_seen_run": 1,
            "rule_version": 1,
        }
        session.add(
            Flag(
                **template,
                rule_id="betrokkenheid",
                department=other,
                rule_hash=betrokkenheid.content_hash,
                explanation="Ook Toezicht en Handhaving heeft een lopende zaak over deze persoon.",
                first_seen_on=DEMO_AS_OF,
                last_seen_on=DEMO_AS_OF,
                bewaartermijn="P6M",
                bewaartermijn_aanvang="laatste_signalering",
            )
        )
        # An old flag whose term ended: the purge deletes it and keeps only the count.
        session.add(
            Flag(
                **template,
                rule_id="damocles-vergunning",
                department="",
                rule_hash="oud",
                explanation="Oud signaal.",
                first_seen_on=date(2024, 1, 1),
                last_seen_on=date(2024, 6, 1),
                bewaartermijn="P1Y",
                bewaartermijn_aanvang="laatste_signalering",
            )
        )
        session.flush()
        assert purge(session, DEMO_AS_OF, actor="test") == {"damocles-vergunning": 1}
        record_review(
            session,
            flag,
            department="burgerzaken",
            decision="in_behandeling",
            target=None,
            reason=DECISION,
            reviewer="analist.burgerzaken",
            targets=(),
            today=DEMO_AS_OF,
        )
        record_notice(
            session,
            flag,
            informed_on=DEMO_AS_OF,
            channel="brief",
            reference="BZ-2026-0413",
            by="analist.burgerzaken",
            department="burgerzaken",
            today=DEMO_AS_OF,
        )
    brp = pl.read_csv(demo_extracts / "brp.csv", infer_schema=False)
    bsn = next(b for b in brp["bsn"].unique().to_list() if person_of_bsn(b, key) == person)
    return bsn, person, other


def test_the_inzage_report_lists_everything_on_the_person(web_db, web_data_dir, demo_extracts):
    bsn, person, other = crafted_person(web_db, demo_extracts)
    app = make_app(web_db, data_dir=web_data_dir)
    with session_scope(connect(web_db)) as session:
        dossier = session.exec(
            select(Dossier).where(Dossier.entity_type == "persoon", Dossier.entity_key == person)
        ).one()
    analist = client_for(app, "analist.burgerzaken")
    assert analist.get(f"/dossiers/{dossier.id}").status_code == 200  # a view

    officer = client_for(app, "compliance")
    form = officer.get("/inzage")
    received = DEMO_AS_OF - timedelta(days=3)
    response = officer.post(
        "/inzage",
        data={"csrf_token": csrf_of(form.text), "bsn": bsn, "ontvangen": received.isoformat()},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = officer.get(response.headers["location"])
    assert "Inzageverzoek" in page.text and bsn not in page.text
    assert "uiterlijk <strong>19-12-2026</strong>" in page.text  # one month after 19-11

    report = officer.get(response.headers["location"] + "/rapport.json").json()
    assert report["verzoek"]["uiterlijk_beantwoorden"] == "2026-12-19"
    assert "één maand" in report["verzoek"]["wettelijke_termijn"]
    assert bsn not in json.dumps(report)
    flags = {f["regel"]: f for f in report["signalen"]}
    assert "betrokkenheid" in flags and len(flags) >= 2
    departments = {d for f in report["signalen"] for d in f["afdelingen"]}
    with session_scope(connect(web_db)) as session:
        own = session.exec(select(Flag).where(Flag.entity_key == person)).all()
    assert {f.rule_id for f in own} == set(flags)  # every stored flag on the person
    assert app.state.vik.departments[other].name in departments
    assert len(departments) >= 2  # flags for two departments
    decided = [d for f in report["signalen"] for d in f["besluiten"]]
    assert [(d["afdeling"], d["besluit"], d["reden"]) for d in decided] == [
        ("Burgerzaken (BRP en adresonderzoek)", "In behandeling", DECISION)
    ]
    informed = [n for f in report["signalen"] for n in f["geinformeerd"]]
    assert informed == [
        {"op": "2026-11-22", "hoe": "Brief", "kenmerk": "BZ-2026-0413",
         "afdeling": "Burgerzaken (BRP en adresonderzoek)"}
    ]  # fmt: skip
    assert all(f["bewijs"] for f in report["signalen"] if f["regel"] != "betrokkenheid")
    assert all(f["verwijderd_op"] for f in report["signalen"])
    assert report["verwijderde_signalen"] == [
        {"regel": "damocles-vergunning", "verwijderd_op": "2026-11-22", "aantal": 1,
         "telling_bewaard_tot": "2027-11-22"}
    ]  # fmt: skip
    assert {r["bron"] for r in report["gegevens_per_bron"]} >= {"brp"}
    assert all(r["zekerheid"] is not None for r in report["gegevens_per_bron"])
    assert report["dossier"]["nummer"] == dossier.id
    seen = [(a["wie"], a["wat"]) for a in report["inzage_en_bevragingen"]]
    assert ("analist.burgerzaken", "Dossier bekeken") in seen
    assert ("analist.burgerzaken", "Besluit genomen") in seen
    assert ("compliance", "Inzageverzoek geregistreerd") in seen

    pdf = officer.get(response.headers["location"] + "/rapport.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    for section in SECTIONS:
        assert section in text, section
    for expected in ("damocles-vergunning", "BZ-2026-0413", "19-12-2026",
                     "In behandeling", "analist.burgerzaken"):  # fmt: skip
        assert expected in text, expected
    assert " ".join(DECISION.split()[:6]) in text

    with session_scope(connect(web_db)) as session:
        logged = session.exec(
            select(AuditLog).where(AuditLog.object_type == "inzageverzoek").order_by(AuditLog.id)
        ).all()
    assert [e.action for e in logged] == [
        "inzageverzoek_geregistreerd",
        "inzage_bekeken",
        "inzage_geleverd",
        "inzage_geleverd",
    ]
    assert [e.details.get("formaat") for e in logged[2:]] == ["json", "pdf"]
    assert all(e.subject == f"persoon:{person}" and e.actor == "compliance" for e in logged)
    assert all(e.purpose == "inzageverzoek (art. 15 AVG)" for e in logged)


def test_the_inzage_report_lists_what_followed_a_flag(web_db, web_data_dir, demo_extracts):
    """What the LOO did with the person's flag is data on the person too: the agenda item,
    the agreement with its integrale controle, each department's outcome and the snapshot of
    what the decider saw, each with the day it will be deleted."""
    from vik.followup import load_followup
    from vik.store.loo import (
        add_agreement,
        add_to_agenda,
        close_agreement,
        plan_meeting,
        record_check,
    )

    _, person, _ = crafted_person(web_db, demo_extracts)
    app = make_app(web_db, data_dir=web_data_dir)
    departments = app.state.vik.departments
    followup = load_followup(CONFIG, departments)
    with session_scope(connect(web_db)) as session:
        flag = session.exec(
            select(Flag).where(Flag.entity_key == person, Flag.rule_id == "veelverhuizer")
        ).one()
        record_review(
            session,
            flag,
            department="burgerzaken",
            decision="doorzetten",
            target="LOO",
            reason="Bespreken in het LOO: vier verhuizingen in een jaar (inzagetest).",
            reviewer="analist.burgerzaken",
            targets=("LOO",),
            today=DEMO_AS_OF,
        )
        meeting = plan_meeting(
            session,
            held_on=DEMO_AS_OF,
            chair="M. Jansen, burgemeester",
            departments=["burgerzaken", "ondermijning"],
            by="analist.ondermijning",
            known=departments,
            today=DEMO_AS_OF,
        )
        item = add_to_agenda(session, meeting, "persoon", person, by="analist.ondermijning")
        agreement = add_agreement(
            session,
            item,
            action="integrale_controle",
            owner="burgerzaken",
            deadline=DEMO_AS_OF + timedelta(days=14),
            description=None,
            by="analist.ondermijning",
            followup=followup,
            known=departments,
            today=DEMO_AS_OF,
        )
        record_check(
            session,
            agreement,
            check_on=DEMO_AS_OF + timedelta(days=3),
            departments=["burgerzaken", "ondermijning"],
            findings="Twee bewoners ingeschreven die er niet wonen (inzagetest).",
            by="analist.burgerzaken",
            known=departments,
            today=DEMO_AS_OF + timedelta(days=3),
        )
        close_agreement(
            session,
            agreement,
            item,
            department="burgerzaken",
            result="bevestigd",
            category=followup.uitkomstcategorieen[next(iter(followup.uitkomstcategorieen))][0],
            decided_on=DEMO_AS_OF + timedelta(days=4),
            reason="Inschrijvingen gecorrigeerd na adresonderzoek (inzagetest).",
            by="analist.burgerzaken",
            followup=followup,
            today=DEMO_AS_OF + timedelta(days=4),
        )

    officer = client_for(app, "compliance")
    form = officer.get("/inzage")
    response = officer.post(
        "/inzage",
        data={
            "csrf_token": csrf_of(form.text),
            "bsn": crafted_bsn(web_db, demo_extracts, person),
            "ontvangen": DEMO_AS_OF.isoformat(),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    report = officer.get(response.headers["location"] + "/rapport.json").json()
    (veelverhuizer,) = [f for f in report["signalen"] if f["regel"] == "veelverhuizer"]
    (outcome,) = veelverhuizer["uitkomsten"]
    assert (outcome["afdeling"], outcome["uitkomst"]) == (
        "Burgerzaken (BRP en adresonderzoek)",
        "Bevestigd",
    )
    assert outcome["verwijderd"] and "inzagetest" in outcome["reden"]
    assert len(veelverhuizer["momentopnamen"]) == 2  # one per decision
    assert all(m["verwijderd"] for m in veelverhuizer["momentopnamen"])
    (loo,) = report["lokaal_ondermijningsoverleg"]
    assert loo["overleg_op"] == DEMO_AS_OF.isoformat() and loo["verwijderd"]
    (afspraak,) = loo["afspraken"]
    assert afspraak["status"] == "afgerond"
    assert "niet wonen" in afspraak["integrale_controle"]["bevindingen"]

    pdf = officer.get(response.headers["location"] + "/rapport.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "lokaal ondermijningsoverleg",
        "Bevestigd",
        "integrale",
        "wat de beslisser zag",
    ):
        assert expected.lower() in text.lower(), expected


def crafted_bsn(database_url: str, demo_extracts, person: str) -> str:  # type: ignore[no-untyped-def]
    brp = pl.read_csv(demo_extracts / "brp.csv", infer_schema=False)
    return next(
        b
        for b in brp["bsn"].unique().to_list()
        if person_of_bsn(b, PseudonymKey(TEST_KEY)) == person
    )
