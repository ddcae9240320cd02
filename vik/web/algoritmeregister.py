"""Rules as Algoritmeregister documents (publicatiestandaard 1.0.0): one JSON document per rule.

    >>> rules = load_rules(Path("config/rules"), context)              # doctest: +SKIP
    >>> doc = register_document(rules.valid[0], departments, organisation="Gemeente X",
    ...                         contact="algoritmes@x.nl")            # doctest: +SKIP
    >>> doc["standard_version"], doc["status"]
    ('1.0.0', 'In gebruik')

Field names are those of the standard (name, description_short, organization,
goal, proportionality, human_intervention, risks, lawful_basis with
lawful_basis_grouping for the links, impacttoetsen with impacttoetsen_grouping,
source_data, methods_and_models, ...); docs/web.md gives the mapping from the
rule file. Texts are Dutch, as the register is. No personal data: only the rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from vik.connectors.schemas import SOURCES
from vik.rules import LoadedRule
from vik.rules.approvals import Approvals, RecordedApproval
from vik.rules.governance import Governance
from vik.rules.model import Rule, Status

STANDARD_VERSION = "1.0.0"
# Maximum lengths of the standard's text fields.
LIMITS = {
    "name": 100,
    "description_short": 350,
    "organization": 100,
    "goal": 2500,
    "proportionality": 2500,
    "human_intervention": 2500,
    "risks": 2500,
    "lawful_basis": 2500,
    "impacttoetsen": 2500,
    "source_data": 2500,
    "methods_and_models": 5000,
    "provider": 200,
    "source_id": 100,
    "tags": 2500,
    "contact_email": 500,
}
STATUS = {
    Status.CONCEPT: "In ontwikkeling",
    Status.GOEDGEKEURD: "In ontwikkeling",
    # A trial runs on real data, for its pilot departments: in use (methods_and_models says so).
    Status.PROEF: "In gebruik",
    Status.ACTIEF: "In gebruik",
    Status.INGETROKKEN: "Buiten gebruik",
}
# Policy areas ("Thema") of the standard, by VIK theme; every rule is also public order.
CATEGORIES = {
    "adreskwaliteit": "Wonen",
    "zorgfraude": "Zorg en gezondheid",
    "witwassen": "Economie",
}
# Known laws on wetten.overheid.nl, to title the links to the lawful basis.
LAWS = {
    "BWBR0005416": "Gemeentewet",
    "BWBR0033715": "Wet basisregistratie personen",
    "BWBR0005181": "Woningwet",
    "BWBR0001941": "Opiumwet",
    "BWBR0013859": "Wet Bibob",
    "BWBR0035362": "Wet maatschappelijke ondersteuning 2015",
    "BWBR0002320": "Algemene wet inzake rijksbelastingen",
    "BWBR0040940": "Uitvoeringswet Algemene verordening gegevensbescherming",
    "BWBR0011468": "Wet kenbaarheid publiekrechtelijke beperkingen onroerende zaken",
}


def _source_name(source: str) -> str:
    """The public name of a source from the source registry (the id if it has none)."""
    schema = SOURCES.get(source)
    return schema.public_name if schema and schema.public_name else source


def _source_link(source: str) -> str:
    schema = SOURCES.get(source)
    return schema.public_link if schema else ""


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    sentence = cut.rfind(". ")
    return cut[: sentence + 1] if sentence > limit // 2 else cut.rstrip() + "…"


def _first_sentences(text: str, limit: int) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    result = ""
    for sentence in sentences:
        candidate = f"{result} {sentence}".strip()
        if len(candidate) > limit:
            break
        result = candidate
    return result or _clip(text, limit)


def categories_of(theme: str) -> list[str]:
    extra = [CATEGORIES[theme]] if theme in CATEGORIES else []
    return ["Openbare orde en veiligheid", *extra]


def _law_title(link: str) -> str:
    match = re.search(r"(BWBR\d{7})", link)
    law = LAWS.get(match.group(1), "Wet") if match else "Wettelijke grondslag"
    article = re.search(r"artikel=([0-9a-z.:]+)", link)
    return f"{law}, artikel {article.group(1)}" if article else law


# How a measure's aggregation reads in the technical description.
AGGREGATION_WORDS = {
    "count": "het aantal records",
    "count_distinct": "het aantal verschillende waarden van",
    "distinct": "de verschillende waarden van",
    "min": "de vroegste of kleinste waarde van",
    "max": "de laatste of grootste waarde van",
    "sum": "de som van",
    "value": "de waarde van",
}


def description_text(rule: Rule) -> str:
    """The rule's description with its {param} placeholders filled in, as Dutch numbers."""
    from vik.rules.plain import dutch_number

    values = {
        name: dutch_number(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else ", ".join(map(str, value))
        if isinstance(value, list)
        else str(value)
        for name, value in rule.params.items()
    }
    return " ".join(rule.description.format(**values).split())


def _https(link: str | None) -> str | None:
    return link if link and link.startswith("https://") else None


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def register_document(
    loaded: LoadedRule,
    departments: Mapping[str, Any],
    *,
    organisation: str,
    contact: str,
    governance: Governance | None = None,
    approval: RecordedApproval | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The Algoritmeregister 1.0.0 document for one rule file. Fields VIK cannot fill are
    left out, never published empty; docs/algoritmeregister-1.0.0.schema.json validates it."""
    from vik.rules.plain import plain_of_rule_data

    governance = governance or Governance()
    today = today or date.today()
    rule: Rule = loaded.rule
    d = rule.doelbinding
    recipients = [getattr(departments.get(name), "name", name) for name in (d.ontvangers or [])]
    grondslag = d.grondslag
    lawful = [
        part
        for part in (
            grondslag.avg if grondslag else None,
            grondslag.wettelijke_taak if grondslag else None,
            f"Strafrechtelijke gegevens: {d.strafrechtelijke_gegevens}"
            if d.strafrechtelijke_gegevens
            else None,
            f"Bijzondere persoonsgegevens: {d.bijzondere_persoonsgegevens}"
            if d.bijzondere_persoonsgegevens
            else None,
            f"Opheffing fiscale geheimhouding: {d.awr_ontheffing}" if d.awr_ontheffing else None,
        )
        if part
    ]
    goal = " ".join(
        part
        for part in (
            d.doel,
            f"Betrokkenen: {', '.join(d.betrokkenen)}." if d.betrokkenen else None,
            "Een signaal is geen besluit over een persoon of adres: het is aanleiding voor een "
            "beoordeling door een analist van "
            + (", ".join(recipients) if recipients else "de ontvangende afdeling")
            + ".",
        )
        if part
    )
    proportionality = " ".join(
        part
        for part in (
            d.proportionaliteit,
            f"Subsidiariteit: {d.subsidiariteit}" if d.subsidiariteit else None,
        )
        if part
    )
    human = (
        "Elk signaal wordt beoordeeld door een analist van een ontvangende afdeling ("
        + (", ".join(recipients) or "geen ontvangers vastgelegd")
        + "). Elke afdeling neemt haar eigen besluit (in behandeling, doorzetten naar het LOO, "
        "DTO/RIEC of een andere afdeling, of geen actie), altijd met een reden en op naam; "
        "zonder zo'n besluit gebeurt er niets met een persoon of adres. Wat de beslisser zag, "
        "wordt bij elk besluit onveranderlijk vastgelegd; een besluit 'geen actie' komt terug "
        "als de situatie verslechtert. Het LOO legt afspraken vast met een uitvoerende afdeling "
        "en een termijn, en elke actie wordt afgesloten met een uitkomst. De analist ziet bij elk signaal de uitleg, "
        "de berekende waarden, de bronrecords en de zekerheid van de koppelingen, en kan een "
        "twijfelachtige koppeling afwijzen; dat oordeel geldt vanaf de volgende nacht. "
        "Persoonsgegevens worden alleen getoond na het opgeven van een doel en dat staat in het "
        "toegangslog."
    )
    risks = " ".join(
        part
        for part in (
            "Risico op onterechte signalen: de regel wordt getoetst met voorbeelden die bij "
            "elke wijziging draaien, en de functionaris gegevensbescherming volgt per regel "
            "hoe vaak een signaal tot doorzetten leidt, hoe vaak het volgens de vastgelegde "
            "uitkomsten klopte (precisie met betrouwbaarheidsinterval, per versie, wijk en "
            "kwartaal; openbaar in het uitkomstenregister naast dit register) en hoe de "
            "signalen over de wijken verdeeld zijn tegenover de woningen, zodat een regel die "
            "op één buurt landt opvalt.",
            "Discriminatie: gegevens over herkomst, nationaliteit, geslacht en dergelijke kan "
            "een regel niet lezen; een regel leest alleen de velden die hij vooraf opgeeft.",
            f"Bewaartermijn: {d.bewaartermijn} vanaf "
            + (
                "de laatste signalering"
                if (d.bewaartermijn_aanvang or "") == "laatste_signalering"
                else "het laatste besluit"
            )
            + "; daarna worden signalen automatisch verwijderd."
            if d.bewaartermijn
            else None,
            f"De regel draait niet meer na {d.herbeoordeling.isoformat()} zonder herbeoordeling."
            if d.herbeoordeling
            else None,
            f"Advies functionaris gegevensbescherming: {d.fg_advies}." if d.fg_advies else None,
            f"Eigenaar: {d.eigenaar}." if d.eigenaar else None,
            (
                "Uitzondering op het verbod op profilering: de regel leest "
                + ", ".join(rule.profilering_uitzondering.velden)
                + ". Onderbouwing: "
                + " ".join(rule.profilering_uitzondering.onderbouwing.split())
            )
            if rule.profilering_uitzondering
            else None,
        )
        if part
    )
    impact = []
    dpia_link = _https(d.dpia_link) or _https(d.dpia)
    if dpia_link:
        impact.append({"title": "Data Protection Impact Assessment (DPIA)", "link": dpia_link})
    fg_link = _https(d.fg_advies_link) or _https(d.fg_advies)
    if fg_link:
        impact.append({"title": "Advies functionaris gegevensbescherming", "link": fg_link})
    impact_text = " ".join(
        part
        for part in (
            f"DPIA uitgevoerd (kenmerk {d.dpia})." if d.dpia else "Er is nog geen DPIA vastgelegd.",
            f"Advies van de functionaris gegevensbescherming: {d.fg_advies}."
            if d.fg_advies
            else None,
        )
        if part
    )
    categories = d.gegevenscategorieen or {}
    source_data = " ".join(f"{_source_name(source)}: {text}" for source, text in categories.items())
    plain = plain_of_rule_data(yaml.safe_load(loaded.text))
    method = [
        "Regelgebaseerd algoritme, niet zelflerend: een openbare regel die elke nacht "
        "op de gekoppelde registraties van de gemeente wordt toegepast.",
        f"Beschrijving: {description_text(rule)}",
        "Gebruikte gegevens: "
        + "; ".join(
            f"{_source_name(source)}: {', '.join(rule.fields_of(source))}"
            for source in rule.input_sources
        )
        + ".",
    ]
    if rule.measures:
        method.append(
            "Per "
            + " of ".join(rule.entity_types)
            + " telt of bepaalt de regel: "
            + "; ".join(
                f"{name.replace('_', ' ')}: {AGGREGATION_WORDS.get(m.aggregation, m.aggregation)}"
                + (
                    f" in {_source_name(m.source)}"
                    if m.aggregation == "count"
                    else f" {m.target.split('.', 1)[1].replace('_', ' ')} in {_source_name(m.source)}"
                )
                for name, m in rule.measures.items()
            )
            + "."
        )
    said = plain.condition()
    if said:
        method.append(f"Een signaal ontstaat bij {said}.")
        method.append(f"Wat het signaal laat verdwijnen: {plain.counterfactual()}.")
    if rule.proef is not None:
        method.append(
            "Proef: de signalen gaan alleen naar "
            + ", ".join(
                getattr(departments.get(name), "name", name) for name in rule.proef.afdelingen
            )
            + "; elk signaal krijgt een vastgelegde uitkomst. De regel wordt pas een gewone "
            f"regel bij ten minste {rule.proef.promotie.min_uitkomsten} uitkomsten en een "
            f"precisie van ten minste {rule.proef.promotie.min_precisie:.0%}, met een nieuwe "
            "versie die een ander dan de auteur goedkeurt."
        )
    if rule.matters:
        method.append(
            "Hit/no-hit: een afdeling krijgt alleen te horen dat een andere afdeling ("
            + ", ".join(rule.matters)
            + ") een lopende zaak heeft, en bij wie zij terecht kan."
        )
    method.append(
        f"Versie {rule.version}, sha256 {loaded.content_hash[:12]}"
        + (
            f", goedgekeurd door {approval.approver_name} op {approval.approved_on.isoformat()}"
            f" ({approval.besluit})"
            if approval
            else ", nog niet goedgekeurd"
        )
        + "."
    )
    review = d.herbeoordeling
    expired = review is not None and review < today
    end = rule.einddatum or (review if expired else None)
    status = "Buiten gebruik" if expired else STATUS[rule.status]
    document: dict[str, Any] = {
        "name": _clip(rule.title, LIMITS["name"]),
        "organization": _clip(organisation, LIMITS["organization"]),
        "description_short": _first_sentences(description_text(rule), LIMITS["description_short"]),
        "category": categories_of(rule.theme),
        "status": status,
        "begin_date": _month(approval.approved_on) if approval else None,
        "end_date": _month(end) if end and status == "Buiten gebruik" else None,
        "contact_email": _clip(contact, LIMITS["contact_email"]),
        "website": governance.website,
        "url": f"{governance.bron_url}/algoritmeregister/{rule.id}.json"
        if governance.bron_url
        else None,
        "process_index_url": governance.process_index_url,
        "publiccode": f"{governance.bron_url}/{rule.id}.yaml" if governance.bron_url else None,
        "publication_category": "Impactvolle algoritmes",
        "goal": _clip(goal, LIMITS["goal"]),
        "proportionality": _clip(proportionality, LIMITS["proportionality"]),
        "human_intervention": _clip(human, LIMITS["human_intervention"]),
        "risks": _clip(risks, LIMITS["risks"]),
        "lawful_basis": _clip("; ".join(lawful), LIMITS["lawful_basis"]),
        "lawful_basis_grouping": [
            {"title": _law_title(link), "link": link}
            for link in (grondslag.links if grondslag else [])
            if _https(link)
        ],
        "impacttoetsen": _clip(impact_text, LIMITS["impacttoetsen"]),
        "impacttoetsen_grouping": impact,
        "source_data": _clip(source_data, LIMITS["source_data"]),
        "source_data_grouping": [
            {"title": _source_name(source), "link": _source_link(source)}
            for source in categories
            if _https(_source_link(source))
        ],
        "methods_and_models": _clip(" ".join(method), LIMITS["methods_and_models"]),
        "provider": "Intern ontwikkeld (VIK, open source)",
        "lang": "nld",
        "standard_version": STANDARD_VERSION,
        "source_id": _clip(f"vik:{rule.id}:v{rule.version}", LIMITS["source_id"]),
        "tags": ", ".join(["VIK", "ondermijning", rule.theme, rule.id]),
    }
    # No empty fields or links: what VIK cannot know is left out.
    return {key: value for key, value in document.items() if value not in (None, "", [])}


def register_documents(
    rules: list[LoadedRule],
    departments: Mapping[str, Any],
    *,
    organisation: str,
    contact: str,
    governance: Governance | None = None,
    approvals: Approvals | None = None,
    today: date | None = None,
) -> dict[str, dict[str, Any]]:
    """File name → document, for every valid rule file."""
    approvals = approvals or Approvals()
    return {
        f"{loaded.id}.json": register_document(
            loaded,
            departments,
            organisation=organisation,
            contact=contact,
            governance=governance,
            approval=approvals.of(loaded.id, loaded.content_hash),
            today=today,
        )
        for loaded in sorted(rules, key=lambda r: r.id)
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_documents(documents: dict[str, dict[str, Any]], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, document in documents.items():
        path = out_dir / name
        path.write_text(dumps(document), encoding="utf-8")
        paths.append(path)
    return paths
