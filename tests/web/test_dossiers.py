"""The dossier page: explanation, values, rule version and doelbinding, evidence, links;
decisions, snoozes, person details behind a purpose, and link judgements for the matcher."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlmodel import select
from typer.testing import CliRunner

from tests.demo_data import DEMO_AS_OF, DEMO_DAY
from tests.web.conftest import (
    csrf_of,
    decisions_on,
    dossier_of,
    flags_where,
    make_app,
    nightly,
    sign_in,
)
from vik.cli import app as cli
from vik.store.db import alembic_config, connect, session_scope
from vik.store.models import AuditLog, FlagEvidence, Link, LinkJudgement, Review, Snooze


def audit(database_url: str, action: str) -> list[AuditLog]:
    with session_scope(connect(database_url)) as session:
        return list(
            session.exec(
                select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
            ).all()
        )


def test_dossier_shows_why_each_flag_was_raised(signed_in, web_db):
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    page = signed_in("analist.burgerzaken").get(f"/dossiers/{dossier_of(web_db, flag)}").text
    assert flag.explanation in page
    assert "<th>inschrijvingen</th><td>" in page  # the evaluated values
    assert f"versie {flag.rule_version}" in page and flag.rule_hash[:12] in page
    assert "Onjuiste adresregistraties en overbewoning vroeg signaleren" in page  # doel
    assert "Wet BRP art. 2.8" in page  # grondslag
    assert "Volledige doelbinding" in page and "DPIA-VIK-2026-01" in page
    with session_scope(connect(web_db)) as session:
        evidence = session.exec(select(FlagEvidence).where(FlagEvidence.flag_id == flag.id)).all()
    assert evidence
    for item in evidence:
        assert f"<code>{item.record_key}</code>" in page
    assert DEMO_DAY in page  # extract date
    links = page[page.index('id="koppelingen"') :]
    for item in evidence:  # each evidence record with its link to this address
        assert f"<code>{item.record_key}</code>" in links
    assert "adres: dit dossier" in links
    assert "persoon:" not in links  # the rule reads no person links: none are shown


def test_links_stored_before_the_one_vocabulary_still_show_on_the_dossier(signed_in, web_db):
    """A database whose links say address/person/company (before migration 0008), after
    `vik db upgrade`: the dossier shows its links as before."""
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    engine = connect(web_db)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007_gov")
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT DISTINCT entity_type FROM link")).scalars())
    assert stored == {"address", "person", "company"}
    upgraded = CliRunner().invoke(cli, ["db", "upgrade", "--db", web_db])
    assert upgraded.exit_code == 0, upgraded.output
    page = signed_in("analist.burgerzaken").get(f"/dossiers/{dossier_of(web_db, flag)}").text
    links = page[page.index('id="koppelingen"') :]
    assert "adres: dit dossier" in links
    with session_scope(engine) as session:
        evidence = session.exec(select(FlagEvidence).where(FlagEvidence.flag_id == flag.id)).all()
    assert evidence
    for item in evidence:
        assert f"<code>{item.record_key}</code>" in links


def test_a_decision_needs_a_reason_and_is_recorded_with_the_reviewer(any_web_db):
    flag = flags_where(any_web_db, rule_id="overbewoning")[0]
    dossier = dossier_of(any_web_db, flag)
    with TestClient(make_app(any_web_db)) as client:
        sign_in(client, "analist.burgerzaken")
        csrf = csrf_of(client.get(f"/dossiers/{dossier}").text)
        missing = client.post(
            f"/signalen/{flag.id}/besluit",
            data={"csrf_token": csrf, "besluit": "doorzetten", "naar": "LOO", "reden": "ok"},
        )
        assert missing.status_code == 400
        assert "Geef een reden van minstens 10 tekens" in missing.text
        no_target = client.post(
            f"/signalen/{flag.id}/besluit",
            data={"csrf_token": csrf, "besluit": "doorzetten", "reden": "Twaalf inschrijvingen."},
        )
        assert no_target.status_code == 400
        assert "Kies bij doorzetten waarheen" in no_target.text
        assert "Twaalf inschrijvingen." in no_target.text  # what was typed is kept
        assert decisions_on(any_web_db, flag.id) == {}
        done = client.post(
            f"/signalen/{flag.id}/besluit",
            data={
                "csrf_token": csrf,
                "besluit": "doorzetten",
                "naar": "LOO",
                "reden": "Twaalf inschrijvingen op 100 m²: adresonderzoek en bespreken in het LOO.",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/dossiers/{dossier}?melding=besluit#signaal-{flag.id}"
        page = client.get(done.headers["location"]).text
        assert "Besluit vastgelegd." in page
        assert (
            "Analist Burgerzaken (demo) (analist.burgerzaken): <strong>Doorgezet</strong>" in page
        )
    assert decisions_on(any_web_db, flag.id) == {"burgerzaken": "doorzetten"}
    with session_scope(connect(any_web_db)) as session:
        review = session.exec(select(Review).where(Review.flag_id == flag.id)).one()
    assert (review.reviewer, review.target) == ("analist.burgerzaken", "LOO")
    (entry,) = audit(any_web_db, "besluit")
    assert entry.actor == "analist.burgerzaken"
    assert entry.object_id == str(flag.id)
    # The append-only log refers to the review and keeps no free text of its own: the
    # reason goes when the flag's bewaartermijn ends.
    assert entry.purpose is None
    assert entry.details == {
        "besluit": "doorzetten",
        "naar": "LOO",
        "regel": "overbewoning",
        "afdeling": "burgerzaken",
        "review": review.id,
        "momentopname": entry.details["momentopname"],
    }
    assert review.reason.startswith("Twaalf inschrijvingen")


def test_pass_on_only_to_a_department_the_doelbinding_names(signed_in, web_db):
    """thuiszorg-cluster goes to zorg, handhaving and ondermijning: not to burgerzaken."""
    flag = flags_where(web_db, rule_id="thuiszorg-cluster")[0]
    client = signed_in("analist.handhaving")
    page = client.get(f"/dossiers/{dossier_of(web_db, flag)}").text
    form = page[page.index(f'action="/signalen/{flag.id}/besluit"') :].split("</form>")[0]
    assert '<option value="zorg">' in form and '<option value="LOO">' in form
    assert '<option value="burgerzaken">' not in form
    assert '<option value="handhaving">' not in form  # not to itself
    csrf = csrf_of(page)
    refused = client.post(
        f"/signalen/{flag.id}/besluit",
        data={
            "csrf_token": csrf,
            "besluit": "doorzetten",
            "naar": "burgerzaken",
            "reden": "Burgerzaken zou het ook moeten weten.",
        },
    )
    assert refused.status_code == 400
    assert "Doorzetten naar 'burgerzaken' kan niet" in html.unescape(refused.text)
    client.post(
        f"/signalen/{flag.id}/besluit",
        data={
            "csrf_token": csrf,
            "besluit": "doorzetten",
            "naar": "zorg",
            "reden": "Zorgfraude: Sociaal Domein neemt het over.",
        },
    )
    page = client.get(f"/dossiers/{dossier_of(web_db, flag)}").text
    assert "naar Sociaal Domein (Wmo en zorgtoezicht)" in page


def test_snooze_needs_a_future_date_and_a_reason(signed_in, web_db):
    flag = flags_where(web_db, rule_id="meldingen-cluster")[0]
    client = signed_in("analist.handhaving")
    csrf = csrf_of(client.get("/signalen").text)
    past = client.post(
        f"/signalen/{flag.id}/uitstel",
        data={"csrf_token": csrf, "tot": DEMO_AS_OF.isoformat(), "reden": "Wacht op huisbezoek."},
    )
    assert past.status_code == 400
    assert "moet na vandaag liggen" in past.text
    garbled = client.post(
        f"/signalen/{flag.id}/uitstel",
        data={"csrf_token": csrf, "tot": "volgende week", "reden": "Wacht op huisbezoek."},
    )
    assert "gebruik jjjj-mm-dd" in garbled.text
    until = DEMO_AS_OF + timedelta(days=14)
    client.post(
        f"/signalen/{flag.id}/uitstel",
        data={"csrf_token": csrf, "tot": until.isoformat(), "reden": "Wacht op huisbezoek."},
    )
    with session_scope(connect(web_db)) as session:
        snooze = session.exec(select(Snooze)).one()
    assert (snooze.rule_id, snooze.until, snooze.by) == (
        "meldingen-cluster",
        until,
        "analist.handhaving",
    )
    (entry,) = audit(web_db, "uitgesteld")
    assert (entry.purpose, entry.details["uitstel"]) == (None, snooze.id)
    page = client.get(f"/dossiers/{dossier_of(web_db, flag)}").text
    assert "uitgesteld tot 06-12-2026" in page


def test_a_vervallen_flag_takes_no_new_decision(signed_in, web_db):
    flag = flags_where(web_db, rule_id="veelverhuizer")[0]
    with session_scope(connect(web_db)) as session:
        from vik.store.models import Flag

        session.execute(update(Flag).where(Flag.id == flag.id).values(status="vervallen"))
    client = signed_in("analist.burgerzaken")
    page = client.get(f"/dossiers/{dossier_of(web_db, flag)}").text
    assert f'action="/signalen/{flag.id}/besluit"' not in page
    response = client.post(
        f"/signalen/{flag.id}/besluit",
        data={"csrf_token": csrf_of(page), "besluit": "geen_actie", "reden": "Te laat, toch."},
    )
    assert response.status_code == 400
    assert "Dit signaal is vervallen" in response.text


def test_person_details_only_after_a_stated_purpose(signed_in, web_db):
    flag = flags_where(web_db, rule_id="veelverhuizer")[0]
    dossier = dossier_of(web_db, flag)
    with session_scope(connect(web_db)) as session:
        from vik.store.models import Dossier

        name = session.get(Dossier, dossier).details["naam"]
    client = signed_in("analist.burgerzaken")
    page = client.get(f"/dossiers/{dossier}").text
    assert name not in page
    assert "Doel van de inzage" in page
    (viewed,) = audit(web_db, "persoonsdossier_bekeken")
    assert (viewed.actor, viewed.object_id) == ("analist.burgerzaken", str(dossier))
    refused = client.post(
        f"/dossiers/{dossier}/persoonsgegevens", data={"csrf_token": csrf_of(page), "doel": ""}
    )
    assert refused.status_code == 400
    assert "Geef een doel van minstens 10 tekens" in refused.text
    assert name not in refused.text
    assert audit(web_db, "persoonsgegevens_ingezien") == []
    shown = client.post(
        f"/dossiers/{dossier}/persoonsgegevens",
        data={"csrf_token": csrf_of(page), "doel": "Adresonderzoek na vier verhuizingen"},
    )
    assert shown.status_code == 200
    assert name in shown.text
    (entry,) = audit(web_db, "persoonsgegevens_ingezien")
    assert (entry.actor, entry.object_id, entry.purpose) == (
        "analist.burgerzaken",
        str(dossier),
        "Adresonderzoek na vier verhuizingen",
    )


def test_betrokkenheid_shows_only_that_another_department_is_involved(signed_in, web_db):
    ours = flags_where(web_db, rule_id="betrokkenheid", department="handhaving")[0]
    theirs = flags_where(
        web_db, rule_id="betrokkenheid", department="oov", entity_key=ours.entity_key
    )[0]
    page = signed_in("analist.handhaving").get(f"/dossiers/{dossier_of(web_db, ours)}").text
    assert "Ook Openbare Orde en Veiligheid heeft een lopende zaak" in page
    assert "oov-ondermijning@demogemeente.nl" in page
    with session_scope(connect(web_db)) as session:
        their_records = [
            e.record_key
            for e in session.exec(
                select(FlagEvidence).where(FlagEvidence.flag_id == theirs.id)
            ).all()
        ]
    assert their_records
    for record_key in their_records:
        assert record_key not in page  # not even in the links: only the contact point


def _possible_link(database_url: str):  # type: ignore[no-untyped-def]
    """Make one evidence link of a damocles person flag `mogelijk`, as the matcher writes a
    link it is unsure of (the small demo happens to have none on a flagged entity)."""
    flag = flags_where(database_url, rule_id="damocles-vergunning", entity_type="persoon")[0]
    with session_scope(connect(database_url)) as session:
        evidence = session.exec(
            select(FlagEvidence).where(
                FlagEvidence.flag_id == flag.id, FlagEvidence.source == "handhaving"
            )
        ).first()
        link = session.exec(
            select(Link).where(
                Link.source == evidence.source,
                Link.record_key == evidence.record_key,
                Link.entity_type == "persoon",
            )
        ).one()
        link.status, link.confidence, link.reason = "mogelijk", 0.8, "onder de drempel"
        session.add(link)
    return flag, link


def test_a_possible_link_is_marked_and_a_rejection_feeds_the_matcher(
    signed_in, web_db, demo_extracts, tmp_path
):
    flag, link = _possible_link(web_db)
    dossier = dossier_of(web_db, flag)
    client = signed_in("analist.ondermijning")
    page = client.get(f"/dossiers/{dossier}").text
    assert '<span class="tag possible">mogelijk</span>' in page
    action = f"/dossiers/{dossier}/koppelingen/{link.id}"
    assert f'action="{action}"' in page
    missing = client.post(action, data={"csrf_token": csrf_of(page), "oordeel": "is_niet"})
    assert missing.status_code == 400 and "Geef een reden" in missing.text
    done = client.post(
        action,
        data={
            "csrf_token": csrf_of(page),
            "oordeel": "is_niet",
            "reden": "Andere persoon: geboortedatum in het dossier wijkt af.",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    with session_scope(connect(web_db)) as session:
        judgement = session.exec(select(LinkJudgement)).one()
    assert (judgement.record_key, judgement.entity_id, judgement.verdict, judgement.by) == (
        link.record_key,
        link.entity_id,
        "is_niet",
        "analist.ondermijning",
    )
    (entry,) = audit(web_db, "koppeling_beoordeeld")
    assert (entry.purpose, entry.object_id) == (None, str(judgement.id))
    assert judgement.reason.startswith("Andere persoon")
    # The next night, the matcher obeys the analist.
    nightly(demo_extracts, web_db, tmp_path / "data")
    with session_scope(connect(web_db)) as session:
        after = session.exec(
            select(Link).where(
                Link.source == link.source,
                Link.record_key == link.record_key,
                Link.entity_type == "persoon",
            )
        ).one()
    assert after.entity_id != link.entity_id


def test_a_confirmation_makes_the_link_certain_the_next_night(
    signed_in, web_db, demo_extracts, tmp_path
):
    flag, link = _possible_link(web_db)
    dossier = dossier_of(web_db, flag)
    client = signed_in("analist.ondermijning")
    page = client.get(f"/dossiers/{dossier}").text
    client.post(
        f"/dossiers/{dossier}/koppelingen/{link.id}",
        data={
            "csrf_token": csrf_of(page),
            "oordeel": "is",
            "reden": "Zelfde persoon, gecontroleerd.",
        },
    )
    assert (
        "Bevestigd: dit record hoort bij deze entiteit door"
        in client.get(f"/dossiers/{dossier}").text
    )
    nightly(demo_extracts, web_db, tmp_path / "data")
    with session_scope(connect(web_db)) as session:
        after = session.exec(
            select(Link).where(
                Link.source == link.source,
                Link.record_key == link.record_key,
                Link.entity_type == "persoon",
            )
        ).one()
    assert (after.entity_id, after.status, after.method) == (link.entity_id, "zeker", "oordeel")


def test_a_link_outside_the_dossier_cannot_be_judged(signed_in, web_db):
    _flag, link = _possible_link(web_db)
    other = flags_where(web_db, rule_id="overbewoning")[0]
    client = signed_in("analist.ondermijning")
    page = client.get(f"/dossiers/{dossier_of(web_db, other)}").text
    response = client.post(
        f"/dossiers/{dossier_of(web_db, other)}/koppelingen/{link.id}",
        data={"csrf_token": csrf_of(page), "oordeel": "is", "reden": "Via een ander dossier."},
    )
    assert response.status_code == 404
    with session_scope(connect(web_db)) as session:
        assert session.exec(select(LinkJudgement)).all() == []


def test_flag_link_from_the_queue_opens_its_dossier(signed_in, web_db):
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    response = signed_in("analist.handhaving").get(f"/signalen/{flag.id}", follow_redirects=False)
    assert response.status_code == 303
    assert re.fullmatch(rf"/dossiers/\d+#signaal-{flag.id}", response.headers["location"])


def _possible_link_to(database_url: str, source: str, entity_key: str) -> Link:
    """A link of a `source` record to this person, made `mogelijk` (as the matcher does
    below its threshold)."""
    with session_scope(connect(database_url)) as session:
        link = session.exec(
            select(Link).where(
                Link.source == source, Link.entity_type == "persoon", Link.status == "zeker"
            )
        ).first()
        assert link is not None, source
        link.status, link.entity_id, link.confidence = "mogelijk", entity_key, 0.8
        link.reason = "onder de drempel"
        session.add(link)
    return link


def test_a_department_judges_only_links_of_sources_its_own_doelbinding_covers(signed_in, web_db):
    """Handhaving sees a betrokkenheid flag on a person whom belastingen also has a
    matter about. A possible belastingen link to that person is not shown to handhaving
    and cannot be judged by it (its rules do not cover belastingen); a possible link of
    its own source (handhaving) is shown and can be judged."""
    flag = flags_where(
        web_db, rule_id="betrokkenheid", department="handhaving", entity_type="persoon"
    )[0]
    dossier = dossier_of(web_db, flag)
    theirs = _possible_link_to(web_db, "belastingen", flag.entity_key)
    ours = _possible_link_to(web_db, "handhaving", flag.entity_key)
    client = signed_in("analist.handhaving")
    page = client.get(f"/dossiers/{dossier}").text
    assert f"/koppelingen/{ours.id}" in page
    assert f"/koppelingen/{theirs.id}" not in page
    assert theirs.record_key not in page
    refused = client.post(
        f"/dossiers/{dossier}/koppelingen/{theirs.id}",
        data={"csrf_token": csrf_of(page), "oordeel": "is_niet", "reden": "Niet dezelfde persoon."},
    )
    assert refused.status_code == 404
    judged = client.post(
        f"/dossiers/{dossier}/koppelingen/{ours.id}",
        data={"csrf_token": csrf_of(page), "oordeel": "is", "reden": "Zelfde persoon, nagekeken."},
        follow_redirects=False,
    )
    assert judged.status_code == 303
    with session_scope(connect(web_db)) as session:
        judgements = session.exec(select(LinkJudgement)).all()
    assert [(j.source, j.record_key) for j in judgements] == [("handhaving", ours.record_key)]
