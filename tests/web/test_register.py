"""The rule register: doelbinding, versions, approval, activity, and practice per rule."""

from __future__ import annotations

import re

from sqlalchemy import update

from tests.demo_data import DEMO_DAY
from tests.web.conftest import CONFIG, csrf_of, flags_where, nightly
from vik.store.db import connect, session_scope
from vik.store.models import RuleEvaluation, Run
from vik.web._register import wijk_spread

RULES = sorted(p.stem for p in (CONFIG / "rules").glob("*.yaml"))


def test_register_lists_every_rule_with_approval_and_recipients(signed_in):
    page = signed_in("compliance").get("/register").text
    for rule_id in RULES:
        assert f'href="/register/{rule_id}"' in page
    assert "Veel inschrijvingen op een kleine woning" in page
    assert "M. de Boer, teamleider Burgerzaken" in page
    recipients = "Burgerzaken (BRP en adresonderzoek), Toezicht en Handhaving, Team Ondermijning"
    assert recipients in page  # overbewoning's ontvangers, in the rule file's order
    assert "draait niet" not in page  # every demo rule may run


def test_rule_page_has_the_full_doelbinding_and_version_history(signed_in):
    page = signed_in("compliance").get("/register/overbewoning").text
    for text in (
        "art. 6 lid 1 sub e AVG",  # grondslag
        "https://wetten.overheid.nl/jci1.3:c:BWBR0033715",
        "Onjuiste adresregistraties",  # doel
        "Ingeschrevenen op het adres",  # betrokkenen
        "P1Y",  # bewaartermijn
        "DPIA-VIK-2026-01",
        "FG-ADV-2026-007",
        "Teamleider Burgerzaken",  # eigenaar
        "Het signaal telt alleen het aantal inschrijvingen",  # proportionaliteit
        "Deze regel mag draaien",
    ):
        assert text in page, text
    versions = page[page.index("<h2>Versies</h2>") : page.index("<h2>In de praktijk</h2>")]
    assert "M. de Boer, teamleider Burgerzaken" in versions  # who approved this version
    assert "15-09-2026" in versions  # when
    assert "Besluit college 2026-0915-04" in versions
    assert DEMO_DAY in versions  # active since the demo's night


def test_hits_per_night_and_onbeslist(signed_in, web_db, demo_extracts, tmp_path):
    nightly(demo_extracts, web_db, tmp_path / "data")  # a second night
    with session_scope(connect(web_db)) as session:
        session.execute(
            update(RuleEvaluation)
            .where(RuleEvaluation.rule_id == "overbewoning", RuleEvaluation.run_id == 2)
            .values(undecided=7)
        )
    page = signed_in("compliance").get("/register/overbewoning").text
    nights = page[page.index("<h2>Per nacht</h2>") :]
    rows = re.findall(
        r"<tr><td class=\"num\">(\d+)</td><td>([\d-]+)</td>.*?<td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>",
        nights,
    )
    assert [(run, hits, undecided) for run, _, hits, undecided in rows] == [
        ("2", "3", "7"),
        ("1", "3", "0"),
    ]


def test_decisions_give_the_triage_which_is_not_called_precision(signed_in, web_db):
    analist = signed_in("analist.burgerzaken")
    csrf = csrf_of(analist.get("/signalen").text)
    flags = flags_where(web_db, rule_id="overbewoning")
    for flag, decision in zip(flags, ["doorzetten", "doorzetten", "geen_actie"], strict=True):
        analist.post(
            f"/signalen/{flag.id}/besluit",
            data={
                "csrf_token": csrf,
                "besluit": decision,
                "naar": "LOO",
                "reden": "Beoordeeld na controle van de BRP.",
            },
        )
    compliance = signed_in("compliance")
    page = compliance.get("/register/overbewoning").text
    assert '<tr><th>Doorgezet</th><td class="num">2</td></tr>' in page
    assert '<tr><th>Geen actie</th><td class="num">1</td></tr>' in page
    assert '<tr><th>Aandeel doorgezet</th><td class="num">67%</td></tr>' in page
    # Passing a signal on says nothing about whether it was right: no outcomes yet.
    assert '<td class="num precision">geen uitkomsten</td>' in page
    register = compliance.get("/register").text
    row = register[register.index('href="/register/overbewoning"') :].split("</tr>")[0]
    assert "2 / 1 / 0" in row and "67%" in row
    assert "geen uitkomsten" in row


def test_a_rule_that_lands_on_one_neighbourhood_stands_out(signed_in, web_db):
    # A municipality where wijk 1573 has few dwellings, but four of the ten
    # overbewoning-per-persoon hits.
    with session_scope(connect(web_db)) as session:
        session.execute(update(Run).values(wijk_counts={"1573": 10, "1575": 89, "1578": 88}))
    client = signed_in("compliance")
    page = client.get("/register/overbewoning-per-persoon").text
    spread = page[page.index("Spreiding over de wijken") :]
    assert re.search(r'<tr class="alert"><td>1573 <span class="tag alert">valt op</span>', spread)
    assert "1575 <span" not in spread
    register = client.get("/register").text
    row = register[register.index('href="/register/overbewoning-per-persoon"') :].split("</tr>")[0]
    assert "valt op" in row


def test_wijk_spread_compares_shares_of_hits_and_dwellings():
    rows = {r.wijk: r for r in wijk_spread({"1": 6, "2": 1, None: 1}, {"1": 100, "2": 900})}
    assert rows["1"].stands_out  # 75% of the hits on 10% of the dwellings
    assert not rows["2"].stands_out
    assert rows["onbekend"].hits == 1 and not rows["onbekend"].stands_out
    even = wijk_spread({"1": 3, "2": 27}, {"1": 100, "2": 900})
    assert not any(r.stands_out for r in even)  # hits spread like the dwellings
    few = wijk_spread({"1": 2}, {"1": 10, "2": 990})
    assert not any(r.stands_out for r in few)  # two hits are too few to say anything


def test_analists_do_not_reach_the_register(signed_in):
    assert signed_in("analist.ondermijning").get("/register").status_code == 403
