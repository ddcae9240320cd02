"""The flag queue: a department sees only its rules' flags, sorted by dossier priority."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.demo_data import DEMO_AS_OF, DEMO_DAY
from tests.web.conftest import csrf_of, flags_where
from vik.flags.priority import PriorityWeights
from vik.web._queue import visible_priority

ROW = re.compile(
    r'<tr class="(open|vervallen)">\s*<td class="num">([\d,]+)</td>\s*<td><a href="([^"]+)"'
)


def rows(html: str) -> list[tuple[float, str]]:
    return [(float(p.replace(",", ".")), href) for _, p, href in ROW.findall(html)]


def visible_flags(database_url: str, department: str) -> list:  # type: ignore[no-untyped-def]
    return [
        f
        for f in flags_where(database_url)
        if department in (f.recipients or []) and f.department in ("", department)
    ]


def test_a_department_sees_exactly_the_flags_of_rules_that_name_it(signed_in, web_db):
    for username, department in (
        ("analist.handhaving", "handhaving"),
        ("analist.burgerzaken", "burgerzaken"),
        ("analist.ondermijning", "ondermijning"),
    ):
        page = signed_in(username).get("/signalen?status=alle").text
        expected = visible_flags(web_db, department)
        assert f"{len(expected)} signalen in" in page
        shown = {int(m) for m in re.findall(r"#signaal-(\d+)", page)}
        assert shown == {f.id for f in expected}, username
    assert visible_flags(web_db, "handhaving") != visible_flags(web_db, "burgerzaken")


def test_the_queue_is_sorted_by_dossier_priority(signed_in):
    page = signed_in("analist.ondermijning").get("/signalen").text
    priorities = [p for p, _ in rows(page)]
    assert len(priorities) > 10
    assert priorities == sorted(priorities, reverse=True)
    assert priorities[0] > priorities[-1]


def test_filter_by_rule_theme_status_and_date(signed_in):
    client = signed_in("analist.handhaving")
    overbewoning = client.get("/signalen?regel=overbewoning").text
    assert "3 signalen in 3 dossiers" in overbewoning
    assert "ingeschreven bewoners op" not in overbewoning  # overbewoning-per-persoon
    theme = client.get("/signalen?thema=zorgfraude").text
    assert "3 signalen" in theme and "thuiszorgbedrijven" in theme
    future = (DEMO_AS_OF + timedelta(days=1)).isoformat()
    assert "0 signalen in 0 dossiers" in client.get(f"/signalen?vanaf={future}").text
    today = DEMO_AS_OF.isoformat()
    assert "0 signalen" not in client.get(f"/signalen?vanaf={today}&tot={today}").text
    assert "0 signalen in 0 dossiers" in client.get("/signalen?status=geen_actie").text


def test_an_unreadable_filter_says_what_to_type(signed_in):
    response = signed_in("analist.handhaving").get(f"/signalen?vanaf={DEMO_DAY}")
    assert response.status_code == 400
    assert "gebruik jjjj-mm-dd" in response.text


def test_decided_flags_leave_the_default_queue_and_show_under_their_status(signed_in, web_db):
    client = signed_in("analist.handhaving")
    flag = flags_where(web_db, rule_id="briefbusfirma")[0]
    csrf = csrf_of(client.get("/signalen").text)
    client.post(
        f"/signalen/{flag.id}/besluit",
        data={
            "csrf_token": csrf,
            "besluit": "geen_actie",
            "reden": "Bekend adres van een accountant.",
        },
    )
    assert f'#signaal-{flag.id}"' not in client.get("/signalen").text
    assert f'#signaal-{flag.id}"' in client.get("/signalen?status=geen_actie").text


def test_a_snoozed_betrokkenheid_flag_stays_in_the_other_departments_queue(app, signed_in, web_db):
    """betrokkenheid flags exist per department; handhaving's snooze is its own."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import sign_in

    ours = flags_where(web_db, rule_id="betrokkenheid", department="handhaving")[0]
    theirs = flags_where(
        web_db, rule_id="betrokkenheid", department="oov", entity_key=ours.entity_key
    )[0]
    handhaving = signed_in("analist.handhaving")
    csrf = csrf_of(handhaving.get("/signalen").text)
    until = (DEMO_AS_OF + timedelta(days=30)).isoformat()
    response = handhaving.post(
        f"/signalen/{ours.id}/uitstel",
        data={"csrf_token": csrf, "tot": until, "reden": "Eerst het gesprek met OOV afwachten."},
    )
    assert response.status_code == 200
    assert f'#signaal-{ours.id}"' not in handhaving.get("/signalen").text
    assert "uitgesteld tot 22-12-2026" in handhaving.get("/signalen?status=uitgesteld").text
    # An oov analist account, made the way `vik users add` does.
    from vik.store.db import connect, session_scope
    from vik.web.users import add_user

    with session_scope(connect(web_db)) as session:
        add_user(session, "analist.oov", "oov-wachtwoord-1", "analist", "oov", "OOV", actor="test")
    with TestClient(app) as oov:
        sign_in(oov, "analist.oov", "oov-wachtwoord-1")
        assert f'#signaal-{theirs.id}"' in oov.get("/signalen").text


def test_priority_counts_only_what_the_department_sees():
    breakdown = [
        {"signaal": "overbewoning", "aantal": 1, "gewicht": 3.0, "punten": 3.0},
        {"signaal": "thuiszorg-cluster", "aantal": 1, "gewicht": 3.0, "punten": 3.0},
        {"signaal": "meldingen", "aantal": 2, "gewicht": 1.0, "punten": 2.0},
        {"signaal": "themabonus", "aantal": 1, "gewicht": 2.0, "punten": 2.0},
    ]
    weights = PriorityWeights()
    everything, _ = visible_priority(
        breakdown, {"overbewoning": "adreskwaliteit", "thuiszorg-cluster": "zorgfraude"}, weights
    )
    assert everything == 10
    burgerzaken, lines = visible_priority(breakdown, {"overbewoning": "adreskwaliteit"}, weights)
    assert burgerzaken == 5  # no thuiszorg signal, no theme bonus: nothing hints at it
    assert [line.signal for line in lines] == ["overbewoning", "meldingen"]
