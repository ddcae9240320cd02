"""What the audit log must also hold: views of lists that show personal data (the flag
queue, the LOO agenda and its spreadsheet, the access log itself), and refused or
not-found requests for other departments' ids, so that probing shows."""

from __future__ import annotations

from sqlmodel import select

from tests.web.conftest import csrf_of, dossier_of, flags_where
from vik.store.db import connect, session_scope
from vik.store.models import AuditLog

# The app runs on the demo date; the entries are written at the real time.
ALL_TIME = "vanaf=2000-01-01&tot=2100-12-31"


def entries(database_url: str, action: str) -> list[AuditLog]:
    with session_scope(connect(database_url)) as session:
        return list(
            session.exec(
                select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
            ).all()
        )


def test_lists_that_show_personal_data_are_in_the_audit_log(signed_in, web_db):
    analist = signed_in("analist.ondermijning")
    queue = analist.get("/signalen")
    assert queue.status_code == 200
    (seen,) = entries(web_db, "signalen_bekeken")
    assert seen.actor == "analist.ondermijning"
    assert seen.details["afdeling"] == "ondermijning"
    assert len(seen.details["signalen"]) > 10  # which flags were on the screen
    analist.get("/loo")
    analist.get("/loo/agenda.xlsx")
    assert [e.actor for e in entries(web_db, "loo_agenda_bekeken")] == ["analist.ondermijning"]
    assert len(entries(web_db, "loo_agenda_gedownload")) == 1
    officer = signed_in("compliance")
    log = officer.get(f"/toegangslog?{ALL_TIME}")
    assert log.status_code == 200
    (read,) = entries(web_db, "toegangslog_bekeken")
    assert read.actor == "compliance" and read.details["regels"] > 0


def test_probing_other_departments_ids_is_logged_as_refused_or_not_found(signed_in, web_db):
    """Handhaving asks for a flag and a dossier of burgerzaken (veelverhuizer), for a
    flag that does not exist, and for a page of another role: the same 404 / 403 as
    before, and each try in the log, the compliance officer's access log included."""
    theirs = flags_where(web_db, rule_id="veelverhuizer")[0]
    dossier = dossier_of(web_db, theirs)
    client = signed_in("analist.handhaving")
    csrf = csrf_of(client.get("/signalen").text)
    assert client.get(f"/signalen/{theirs.id}").status_code == 404
    assert client.get(f"/dossiers/{dossier}").status_code == 404
    assert client.get("/signalen/999999").status_code == 404
    assert client.get("/dossiers/99999999999999999999").status_code == 404
    decided = client.post(
        f"/signalen/{theirs.id}/besluit",
        data={"csrf_token": csrf, "besluit": "geen_actie", "reden": "Toch maar proberen."},
    )
    assert decided.status_code == 404
    assert client.get("/toegangslog").status_code == 403
    refused = entries(web_db, "toegang_geweigerd")
    assert [(e.actor, e.object_type, e.object_id) for e in refused] == [
        ("analist.handhaving", "signaal", str(theirs.id)),
        ("analist.handhaving", "dossier", str(dossier)),
        ("analist.handhaving", "signaal", str(theirs.id)),
        ("analist.handhaving", None, None),
    ]
    assert refused[0].details["reden"] == "andere afdeling"
    assert refused[2].details["route"] == "/signalen/{flag_id}/besluit"
    assert refused[3].details == {
        "route": "/toegangslog",
        "methode": "GET",
        "reden": "rol",
        "afdeling": "handhaving",
    }
    missing = entries(web_db, "niet_gevonden")
    assert [(e.object_type, e.object_id) for e in missing] == [("signaal", "999999"), (None, None)]
    assert missing[1].details["route"] == "/dossiers/{dossier_id}"
    log = signed_in("compliance").get(f"/toegangslog?{ALL_TIME}").text
    assert "Toegang geweigerd (andere afdeling of rol)" in log
    assert "Gevraagd maar niet gevonden" in log
