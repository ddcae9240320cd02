"""Rules as Algoritmeregister 1.0.0 documents, from the command line and the compliance pages."""

from __future__ import annotations

import io
import json
import zipfile

from tests.web.conftest import CONFIG
from tests.web.test_dossiers import audit
from vik.rules import load_context, load_rule, load_rules
from vik.web.algoritmeregister import LIMITS, register_document, register_documents

CONTEXT = load_context(CONFIG)
REQUIRED = ("name", "organization", "description_short", "status", "contact_email", "lang")
ISSUE_FIELDS = (
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_grouping",
    "impacttoetsen",
    "impacttoetsen_grouping",
    "source_data",
    "methods_and_models",
)


def documents() -> dict[str, dict]:
    rules = load_rules(CONFIG / "rules", CONTEXT)
    return register_documents(
        rules.valid, CONTEXT.departments, organisation="Gemeente Test", contact="a@b.nl"
    )


def test_every_rule_gets_the_standard_fields_within_their_lengths():
    for name, document in documents().items():
        for field in (*REQUIRED, *ISSUE_FIELDS, "publication_category", "standard_version"):
            assert document[field], (name, field)
        assert document["standard_version"] == "1.0.0"
        assert document["lang"] == "nld"
        assert document["status"] == "In gebruik"
        assert "Openbare orde en veiligheid" in document["category"]
        for field, limit in LIMITS.items():
            if field in document:
                assert len(document[field]) <= limit, (name, field)


def test_the_document_carries_the_rules_doelbinding():
    loaded = load_rule(CONFIG / "rules" / "overbewoning.yaml", CONTEXT)
    doc = register_document(loaded, CONTEXT.departments, organisation="Gemeente Test", contact="x")
    d = loaded.rule.doelbinding
    assert doc["name"] == loaded.rule.title
    assert doc["organization"] == "Gemeente Test"
    assert d.doel.split()[0] in doc["goal"]
    assert d.proportionaliteit.split(";")[0] in doc["proportionality"]
    assert "Subsidiariteit" in doc["proportionality"]
    assert [g["link"] for g in doc["lawful_basis_grouping"]] == d.grondslag.links
    assert doc["lawful_basis_grouping"][0]["title"] == "Wet basisregistratie personen, artikel 2.8"
    assert "art. 6 lid 1 sub e AVG" in doc["lawful_basis"]
    assert d.dpia in doc["impacttoetsen"]
    assert doc["impacttoetsen_grouping"][0]["title"].startswith("Data Protection Impact")
    assert "Basisregistratie Personen (BRP)" in doc["source_data"]
    assert "niet zelflerend" in doc["methods_and_models"]
    assert "inschrijvingen >= min_inschrijvingen" in doc["methods_and_models"]
    assert "Burgerzaken (BRP en adresonderzoek)" in doc["human_intervention"]
    assert "P1Y" in doc["risks"]
    assert doc["begin_date"] == "2026-09"


def test_a_concept_rule_is_in_development(tmp_path):
    text = (CONFIG / "rules" / "veelverhuizer.yaml").read_text(encoding="utf-8")
    path = tmp_path / "veelverhuizer.yaml"
    path.write_text(text.replace("status: actief", "status: concept"), encoding="utf-8")
    doc = register_document(
        load_rule(path, CONTEXT), CONTEXT.departments, organisation="G", contact="c"
    )
    assert (doc["status"], doc["begin_date"]) == ("In ontwikkeling", "")


def test_compliance_downloads_the_register_as_a_zip_and_per_rule(signed_in, web_db):
    client = signed_in("compliance")
    page = client.get("/register").text
    assert 'href="/register/algoritmeregister.zip"' in page
    response = client.get("/register/algoritmeregister.zip")
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert names == sorted(
        [
            *(f"{p.stem}.json" for p in (CONFIG / "rules").glob("*.yaml")),
            "uitkomstenregister.csv",
            "uitkomstenregister.json",
        ]
    )
    document = json.loads(archive.read("overbewoning.json"))
    assert document["organization"] == "Gemeente Lindewaard (demogemeente)"
    single = client.get("/register/overbewoning/algoritmeregister.json")
    assert json.loads(single.text) == document
    assert client.get("/register/bestaat-niet/algoritmeregister.json").status_code == 404
    assert [e.object_id for e in audit(web_db, "algoritmeregister_gedownload")] == [
        "alle",
        "overbewoning",
    ]


def test_analists_cannot_download_the_register(signed_in):
    assert signed_in("analist.handhaving").get("/register/algoritmeregister.zip").status_code == 403
