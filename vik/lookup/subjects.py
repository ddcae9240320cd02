"""Who or what a lookup is about: an address, a person or a company, or the candidates.

The same resolver as the night ties a typed address to its BAG nummeraanduiding; a BSN
becomes the person key VIK already computes (pseudonymised at entry, the BSN itself goes
no further than this module); a KvK number is the company key. Names are compared as the
matcher folds them. When more than one subject fits (two persons with the same name and
birth date, an address the parser cannot pin down) the answer is the candidates, never
a guess.

    >>> found = find_address(projection, "Kerkstr. 12, Amersfoort", key)
    >>> found.subject or found.candidates
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from rapidfuzz import fuzz, process

from vik.connectors.pseudonyms import (
    PseudonymKey,
    keyed_reference,
    pseudonymise_one,
    valid_bsn,
)
from vik.errors import LookupRefusedError
from vik.lookup.projection import Projection, name_key
from vik.lookup.settings import LookupSettings
from vik.resolve.addresses import parse_addresses
from vik.resolve.bag import address_candidates, resolve_addresses
from vik.resolve.companies import company_id
from vik.resolve.names import company_key
from vik.resolve.persons import person_id
from vik.store.audit import subject_ref

ENTITY_NAMES = {"adres": "adres", "persoon": "persoon", "bedrijf": "bedrijf"}
_BAG_ID = re.compile(r"^\d{16}$")
_PARTIAL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Subject:
    """An entity as VIK keys it, with a label that shows nothing the user did not know."""

    entity_type: str  # adres | persoon | bedrijf
    key: str  # nummeraanduiding_id | persoon_id | bedrijf_id
    label: str

    @property
    def ref(self) -> str:
        return subject_ref(self.entity_type, self.key)


@dataclass(frozen=True)
class Candidate:
    subject: Subject
    score: float
    # What tells candidates apart: a person's current address when the purpose covers
    # the BRP address, a company's establishment address, the BAG address itself.
    hint: str | None = None


@dataclass
class Found:
    """The answer to "who is this about": one subject, or candidates, or why none."""

    entity_type: str
    query_ref: str  # zoekvraag:<keyed hash>: the audit log's reference to what was asked
    subject: Subject | None = None
    candidates: list[Candidate] = field(default_factory=list)
    reason: str | None = None
    more: bool = False  # more candidates than shown


def person_label(persoon_id: str) -> str:
    return f"Persoon {persoon_id[:9]}"


def company_label(handelsnaam: str | None, bedrijf_id: str) -> str:
    kvk = bedrijf_id.removeprefix("B")
    return f"{handelsnaam} (KvK {kvk})" if handelsnaam else f"Bedrijf (KvK {kvk})"


def query_reference(entity_type: str, normalised: str, key: PseudonymKey) -> str:
    return f"zoekvraag:{keyed_reference(f'{entity_type}|{normalised}', key)}"


def person_of_bsn(bsn: str, key: PseudonymKey) -> str:
    """The person key of a BSN typed at entry; the BSN is checked and not kept."""
    bsn = bsn.strip().replace(" ", "").replace(".", "")
    if not valid_bsn(bsn):
        # Never repeat the number: it may be someone's real BSN.
        raise LookupRefusedError(
            "Dit is geen geldig BSN (9 cijfers die voldoen aan de elfproef); de waarde wordt "
            "niet getoond. Controleer het nummer en probeer het opnieuw."
        )
    pseudonym = pseudonymise_one(bsn, key)
    persoon_id: str = pl.select(person_id(pl.lit(pseudonym))).item()
    return persoon_id


def check_birth_date(text: str) -> str:
    """jjjj-mm-dd as the BRP writes it (00 for an unknown month or day is allowed)."""
    text = (text or "").strip()
    match = _PARTIAL_DATE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        try:
            if month and day:
                date(year, month, day)
            elif month > 12 or day > 31:
                raise ValueError
            return text
        except ValueError:
            pass
    raise LookupRefusedError(
        "De geboortedatum is niet te lezen: schrijf jjjj-mm-dd, bijvoorbeeld 1980-05-01 "
        "(00 voor een onbekende maand of dag)."
    )


# --- addresses ----------------------------------------------------------------------------


def find_address(
    projection: Projection, text: str, key: PseudonymKey, settings: LookupSettings
) -> Found:
    """The BAG address a typed text names, read as the night reads a clerk's address."""
    text = " ".join((text or "").split())
    if len(text) < 3:
        raise LookupRefusedError("Typ een adres, bijvoorbeeld 'Kerkstraat 12a, Amersfoort'.")
    found = Found("adres", query_reference("adres", text.casefold(), key))
    if _BAG_ID.match(text):
        label = projection.address_label(text)
        if label is None:
            found.reason = "deze nummeraanduiding komt niet voor in de BAG van de laatste run"
        else:
            found.subject = Subject("adres", text, label)
        return found
    parsed = parse_addresses(pl.Series([text]))
    numbers = [
        n for n in (parsed["huisnummer"][0], parsed["alternative_huisnummer"][0]) if n is not None
    ]
    if not numbers:
        found.reason = parsed["reason"][0] or "geen huisnummer gevonden in het adres"
        return found
    index, labels = projection.bag_index(numbers)
    records = pl.DataFrame({"key": ["zoekvraag"], "adres": [text]})
    resolved = resolve_addresses(records, index)
    nummeraanduiding = resolved["nummeraanduiding_id"][0]
    label_of = dict(zip(labels["nummeraanduiding_id"], labels["adres"], strict=True))
    if nummeraanduiding is not None:
        found.subject = Subject("adres", nummeraanduiding, label_of.get(nummeraanduiding, ""))
        return found
    candidates = address_candidates(records, index)
    limit = settings.max_kandidaten
    found.candidates = [
        Candidate(
            Subject("adres", row["nummeraanduiding_id"], label_of[row["nummeraanduiding_id"]]),
            row["confidence"],
        )
        for row in candidates.head(limit).iter_rows(named=True)
    ]
    found.more = candidates.height > limit
    found.reason = resolved["reason"][0]
    return found


# --- persons ------------------------------------------------------------------------------


def find_person_by_bsn(projection: Projection, bsn: str, key: PseudonymKey) -> Found:
    persoon = person_of_bsn(bsn, key)
    # The query reference of a BSN search is the person key itself: nothing else to keep.
    found = Found("persoon", subject_ref("persoon", persoon))
    found.subject = Subject("persoon", persoon, person_label(persoon))
    return found


def find_person_by_name(
    projection: Projection,
    name: str,
    birth_date: str,
    key: PseudonymKey,
    settings: LookupSettings,
    *,
    show_address: bool,
) -> Found:
    """Persons of the BRP born on that date whose name fits; one exact fit is the person,
    anything else is candidates."""
    birth_date = check_birth_date(birth_date)
    wanted = pl.select(name_key(pl.lit((name or "").strip()))).item() or ""
    if len(wanted.replace(" ", "")) < 2:
        raise LookupRefusedError("Typ een naam, bijvoorbeeld 'Jan de Vries'.")
    found = Found("persoon", query_reference("persoon", f"{wanted}|{birth_date}", key))
    born = projection.persons_born(birth_date)
    if born.height == 0:
        found.reason = "niemand met deze geboortedatum in de BRP van de laatste run"
        return found
    scores = process.cdist(
        [wanted], born["naam_sleutel"].fill_null("").to_list(), scorer=fuzz.token_set_ratio
    )[0]
    scored = (
        born.with_columns(pl.Series("score", scores, dtype=pl.Float64))
        .filter(pl.col("score") >= settings.naam_drempel)
        .sort("score", "persoon_id", descending=[True, False])
    )
    if scored.height == 1 and scored["score"][0] == 100.0:
        persoon = scored["persoon_id"][0]
        found.subject = Subject("persoon", persoon, person_label(persoon))
        return found
    if scored.height == 0:
        found.reason = "geen persoon met deze naam en geboortedatum in de BRP van de laatste run"
        return found
    limit = settings.max_kandidaten
    found.candidates = [
        Candidate(
            Subject("persoon", row["persoon_id"], person_label(row["persoon_id"])),
            row["score"],
            hint=row["adres"] if show_address else None,
        )
        for row in scored.head(limit).iter_rows(named=True)
    ]
    found.more = scored.height > limit
    found.reason = (
        f"{scored.height} personen met deze geboortedatum hebben een naam die past; kies of "
        "verfijn (met BSN)"
        if scored.height > 1
        else "de naam past niet precies; bevestig de kandidaat of verfijn"
    )
    return found


# --- companies ----------------------------------------------------------------------------


def find_company_by_kvk(projection: Projection, kvk: str) -> Found:
    kvk = (kvk or "").strip().replace(" ", "")
    if not re.fullmatch(r"\d{8}", kvk):
        raise LookupRefusedError("Een KvK-nummer heeft 8 cijfers, bijvoorbeeld 01234567.")
    bedrijf = pl.select(company_id(pl.lit(kvk))).item()
    found = Found("bedrijf", subject_ref("bedrijf", bedrijf))
    names = (
        projection.companies()
        .filter(pl.col("bedrijf_id") == bedrijf)
        .select("handelsnaam")
        .collect()
    )
    found.subject = Subject(
        "bedrijf",
        bedrijf,
        company_label(names["handelsnaam"][0] if names.height else None, bedrijf),
    )
    return found


def find_company_by_name(
    projection: Projection, name: str, key: PseudonymKey, settings: LookupSettings
) -> Found:
    wanted = pl.select(company_key(pl.lit((name or "").strip()))).item() or ""
    if len(wanted.replace(" ", "")) < 2:
        raise LookupRefusedError("Typ een handelsnaam, bijvoorbeeld 'Bakkerij De Vries'.")
    found = Found("bedrijf", query_reference("bedrijf", wanted, key))
    companies = projection.companies().collect()
    keys = companies["naam_sleutel"].fill_null("").to_list()
    matches = process.extract(
        wanted,
        keys,
        scorer=fuzz.token_set_ratio,
        score_cutoff=settings.naam_drempel,
        limit=None,
    )
    if not matches:
        found.reason = (
            "geen bedrijf met een handelsnaam die hierop lijkt in de KvK van de laatste run"
        )
        return found
    rows = companies[[index for _, _, index in matches]].with_columns(
        pl.Series("score", [score for _, score, _ in matches], dtype=pl.Float64)
    )
    best = (
        rows.sort("score", descending=True)
        .group_by("bedrijf_id", maintain_order=True)
        .agg(pl.all().first())
        .sort("score", "bedrijf_id", descending=[True, False])
    )
    if best.height == 1 and best["score"][0] == 100.0:
        row = best.row(0, named=True)
        found.subject = Subject(
            "bedrijf", row["bedrijf_id"], company_label(row["handelsnaam"], row["bedrijf_id"])
        )
        return found
    limit = settings.max_kandidaten
    found.candidates = [
        Candidate(
            Subject(
                "bedrijf", row["bedrijf_id"], company_label(row["handelsnaam"], row["bedrijf_id"])
            ),
            row["score"],
            hint=row["adres"],
        )
        for row in best.head(limit).iter_rows(named=True)
    ]
    found.more = best.height > limit
    found.reason = f"{best.height} bedrijven met een handelsnaam die hierop lijkt; kies of verfijn"
    return found


def subject_of_ref(projection: Projection, ref: str) -> Subject:
    """A subject chosen from the candidates (or carried from step 1 to step 2), by its
    reference; the label is looked up again, nothing from the form is shown as is."""
    entity_type, _, key = ref.partition(":")
    if entity_type == "adres" and _BAG_ID.match(key):
        label = projection.address_label(key)
        if label is not None:
            return Subject("adres", key, label)
    elif entity_type == "persoon" and re.fullmatch(r"P[0-9a-f]{20}", key):
        return Subject("persoon", key, person_label(key))
    elif entity_type == "bedrijf" and re.fullmatch(r"B\d{8}", key):
        return find_company_by_kvk(projection, key[1:]).subject  # type: ignore[return-value]
    raise LookupRefusedError("Onbekende keuze; zoek opnieuw.")
