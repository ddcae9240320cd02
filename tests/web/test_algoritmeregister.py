"""Rules as Algoritmeregister 1.0.0 documents, from the command line and the compliance pages."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from jsonschema import Draft202012Validator

from tests.web.conftest import CONFIG
from tests.web.test_dossiers import audit
from vik.errors import RuleSchemaError
from vik.rules import load_context, load_rule, load_rules
from vik.rules.approvals import manifest_approvals
from vik.web.algoritmeregister import LIMITS, register_document, register_documents

CONTEXT = load_context(CONFIG)
APPROVALS = manifest_approvals(CONFIG)
SCHEMA = json.loads(
    (CONFIG.parent / "docs" / "algoritmeregister-1.0.0.schema.json").read_text(encoding="utf-8")
)
REQUIRED = ("name", "organization", "description_short", "status", "contact_email", "lang")
ISSUE_FIELDS = (
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_grouping",
    "impacttoetsen",
    "source_data",
    "methods_and_models",
)


def documents() -> dict[str, dict]:
    rules = load_rules(CONFIG / "rules", CONTEXT)
    return register_documents(
        rules.valid,
        CONTEXT.departments,
        organisation="Gemeente Test",
        contact="a@b.nl",
        governance=CONTEXT.governance,
        approvals=APPROVALS,
        today=date(2026, 11, 1),
    )


def test_every_document_validates_against_the_standards_schema():
    validator = Draft202012Validator(SCHEMA)
    Draft202012Validator.check_schema(SCHEMA)
    for name, document in documents().items():
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == [], name
    # The schema is not a rubber stamp: an empty link and a wrong status are refused.
    broken = {**documents()["overbewoning.json"], "status": "Actief", "website": ""}
    assert len(list(validator.iter_errors(broken))) == 2


def test_every_link_vik_can_know_is_filled_and_none_is_empty():
    governance = CONTEXT.governance
    for name, document in documents().items():
        rule_id = name.removesuffix(".json")
        assert document["website"] == governance.website
        assert document["process_index_url"] == governance.process_index_url
        assert document["publiccode"] == f"{governance.bron_url}/{rule_id}.yaml"
        assert document["url"].endswith(f"/{rule_id}.json")
        for group in ("lawful_basis_grouping", "source_data_grouping", "impacttoetsen_grouping"):
            for item in document.get(group, []):
                assert item["link"].startswith("https://"), (name, group, item)


def test_the_technical_description_reads_as_dutch_not_as_code():
    document = documents()["overbewoning.json"]
    text = document["methods_and_models"]
    assert (
        "Een signaal ontstaat bij 12 of meer inschrijvingen en oppervlakte ten hoogste 100 en "
        "gebruiksdoel bevat 'woonfunctie'." in text
    )
    assert "geen signaal bij 11 of minder inschrijvingen" in text
    for code in ("==", ">=", "<=", "min_inschrijvingen", "is_current("):
        assert code not in text, code


def test_description_placeholders_are_filled_from_the_params(tmp_path):
    text = (CONFIG / "rules" / "overbewoning.yaml").read_text(encoding="utf-8")
    path = tmp_path / "overbewoning.yaml"
    path.write_text(
        text.replace(
            "waarop twaalf of meer personen", "waarop {min_inschrijvingen} of meer personen"
        ),
        encoding="utf-8",
    )
    doc = register_document(
        load_rule(path, CONTEXT), CONTEXT.departments, organisation="G", contact="c"
    )
    assert "waarop 12 of meer personen" in doc["description_short"]
    # A placeholder that is no param is refused when the file is loaded.
    path.write_text(text.replace("twaalf of meer", "{twaalf} of meer"), encoding="utf-8")
    with pytest.raises(
        RuleSchemaError, match=r"description noemt \{twaalf\}, maar dat is geen param"
    ):
        load_rule(path, CONTEXT)


def test_a_withdrawn_rule_is_out_of_use_with_its_end_date(tmp_path):
    text = (CONFIG / "rules" / "veelverhuizer.yaml").read_text(encoding="utf-8")
    path = tmp_path / "veelverhuizer.yaml"
    path.write_text(
        text.replace("status: actief", "status: ingetrokken\neinddatum: 2026-12-15"), "utf-8"
    )
    doc = register_document(
        load_rule(path, CONTEXT), CONTEXT.departments, organisation="G", contact="a@b.nl"
    )
    assert (doc["status"], doc["end_date"]) == ("Buiten gebruik", "2026-12")
    Draft202012Validator(SCHEMA).validate(doc)
    # An expired rule (herbeoordeling passed) is out of use from then.
    loaded = load_rule(CONFIG / "rules" / "veelverhuizer.yaml", CONTEXT)
    expired = register_document(
        loaded, CONTEXT.departments, organisation="G", contact="c", today=date(2028, 1, 1)
    )
    assert expired["status"] == "Buiten gebruik"
    assert expired["end_date"] == loaded.rule.doelbinding.herbeoordeling.strftime("%Y-%m")


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
    doc = register_document(
        loaded,
        CONTEXT.departments,
        organisation="Gemeente Test",
        contact="x",
        approval=APPROVALS.of(loaded.id, loaded.content_hash),
    )
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
    assert "impacttoetsen_grouping" not in doc  # the DPIA has a kenmerk but no public link
    assert "Basisregistratie Personen (BRP)" in doc["source_data"]
    assert "niet zelflerend" in doc["methods_and_models"]
    assert "12 of meer inschrijvingen" in doc["methods_and_models"]
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
    assert doc["status"] == "In ontwikkeling" and "begin_date" not in doc


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
