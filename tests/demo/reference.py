"""Independent reference implementations the demo tests check the generator against.

Written from the rule definitions in the task, not from the generator's code:
the eight built-in rules computed with polars from the generated files (people,
companies and addresses tied together through the truth files), and a careful
reader that finds a typed address in the BAG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz

from vik.connectors.schemas import SOURCES

HOME_CARE = {"88101", "88102", "86942"}


def months_back(day: date, months: int) -> date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    while True:
        try:
            return date(year, month, day.day)
        except ValueError:
            day = day - timedelta(days=1)


@dataclass
class Demo:
    """A generated municipality read back from disk."""

    directory: Path
    as_of: date
    sources: dict[str, pl.DataFrame]
    addresses: pl.DataFrame
    persons: pl.DataFrame
    companies: pl.DataFrame
    planted: pl.DataFrame
    quarantine: pl.DataFrame

    def source(self, name: str) -> pl.DataFrame:
        """Rows with their record key, invalid (quarantined) rows left out."""
        frame = self.sources[name]
        bad = self.quarantine.filter(pl.col("source") == name)["record_key"]
        return frame.filter(~pl.col("record_key").is_in(bad.to_list()))

    def expected(self, rule: str, kind: str = "planted") -> set[tuple[str, str]]:
        rows = self.planted.filter((pl.col("rule_id") == rule) & (pl.col("kind") == kind))
        return set(rows.select("entity_type", "entity_ref").iter_rows())


def read_demo(directory: Path, as_of: date) -> Demo:
    sources = {}
    for name in SOURCES:
        frame = pl.read_csv(directory / f"{name}.csv", infer_schema=False)
        natural = SOURCES[name].natural_key
        key = pl.coalesce("record_id", natural) if natural else pl.col("record_id")
        sources[name] = frame.with_columns(record_key=key)
    truth = directory / "truth"

    def read(name: str) -> pl.DataFrame:
        return pl.read_csv(truth / name, infer_schema=False)

    return Demo(
        directory,
        as_of,
        sources,
        read("addresses.csv"),
        read("persons.csv"),
        read("companies.csv"),
        read("planted.csv"),
        read("quarantine.csv"),
    )


def parse_date(column: str) -> pl.Expr:
    text = pl.col(column)
    return pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False),
        text.str.to_date("%d-%m-%Y", strict=False),
        text.str.to_date("%Y%m%d", strict=False),
    )


def _with_truth(demo: Demo, source: str, frame: pl.DataFrame, *, who: bool = False) -> pl.DataFrame:
    truth = demo.addresses.filter(pl.col("source") == source).select(
        "record_key", "nummeraanduiding_id"
    )
    frame = frame.join(truth, on="record_key", how="left")
    if who:
        people = demo.persons.filter(pl.col("source") == source).select("record_key", "person")
        firms = demo.companies.filter(pl.col("source") == source).select(
            "record_key", company="kvk_nummer"
        )
        frame = frame.join(people, on="record_key", how="left").join(
            firms, on="record_key", how="left"
        )
    return frame


def current_w(demo: Demo) -> pl.DataFrame:
    brp = _with_truth(demo, "brp", demo.source("brp"))
    return brp.filter(
        (pl.col("functie_adres") == "W")
        & (parse_date("datum_aanvang_adreshouding") <= demo.as_of)
        & (
            pl.col("datum_einde_adreshouding").is_null()
            | (parse_date("datum_einde_adreshouding") > demo.as_of)
        )
    )


def occupancy(demo: Demo) -> pl.DataFrame:
    """Current W registrations per address, with the address's BAG facts."""
    bag = demo.source("bag").select(
        "nummeraanduiding_id", "gebruiksdoel", pl.col("oppervlakte").cast(pl.Float64)
    )
    counts = current_w(demo).group_by("nummeraanduiding_id").len()
    return counts.join(bag, on="nummeraanduiding_id", how="left")


def _adres(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return {("adres", nid) for nid in frame["nummeraanduiding_id"].to_list()}


def active_kvk(demo: Demo) -> pl.DataFrame:
    kvk = _with_truth(demo, "kvk", demo.source("kvk"))
    return kvk.filter(
        pl.col("datum_uitschrijving").is_null() | (parse_date("datum_uitschrijving") > demo.as_of)
    )


def flagged(demo: Demo) -> dict[str, set[tuple[str, str]]]:
    """What each built-in rule finds in the generated files."""
    as_of = demo.as_of
    result: dict[str, set[tuple[str, str]]] = {}
    occ = occupancy(demo)
    result["overbewoning"] = _adres(
        occ.filter(
            pl.col("gebruiksdoel").str.contains("woonfunctie")
            & (pl.col("oppervlakte") <= 100)
            & (pl.col("len") >= 12)
        )
    )
    result["overbewoning-per-persoon"] = _adres(
        occ.filter((pl.col("len") >= 4) & (pl.col("oppervlakte") / pl.col("len") < 12))
    )

    care = active_kvk(demo).filter(
        pl.col("sbi_codes").str.split(";").list.eval(pl.element().is_in(list(HOME_CARE))).list.any()
    )
    result["thuiszorg-cluster"] = _adres(
        care.group_by("nummeraanduiding_id")
        .agg(pl.col("kvk_nummer").n_unique())
        .filter(pl.col("kvk_nummer") >= 2)
    )

    window = months_back(as_of, 12)
    brp = _with_truth(demo, "brp", demo.source("brp"), who=True)
    movers = (
        brp.with_columns(start=parse_date("datum_aanvang_adreshouding"))
        .filter((pl.col("start") > window) & (pl.col("start") <= as_of))
        .group_by("person")
        .len()
        .filter(pl.col("len") >= 4)
    )
    result["veelverhuizer"] = {("persoon", p) for p in movers["person"].to_list()}

    def entity(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            entity=pl.when(pl.col("person").is_not_null())
            .then(pl.concat_str(pl.lit("persoon|"), "person"))
            .when(pl.col("company").is_not_null())
            .then(pl.concat_str(pl.lit("bedrijf|"), "company"))
        ).filter(pl.col("entity").is_not_null())

    handhaving = entity(_with_truth(demo, "handhaving", demo.source("handhaving"), who=True))
    vergunningen = entity(_with_truth(demo, "vergunningen", demo.source("vergunningen"), who=True))
    damocles = handhaving.filter(
        pl.col("zaaktype").is_in(["damocles_sluiting", "damocles_waarschuwing"])
    ).select("entity", start=parse_date("datum_start"))
    applications = vergunningen.select("entity", applied=parse_date("datum_aanvraag"))
    hits = damocles.join(applications, on="entity").filter(pl.col("applied") >= pl.col("start"))
    result["damocles-vergunning"] = {tuple(e.split("|")) for e in hits["entity"].to_list()}

    meldingen = _with_truth(demo, "meldingen", demo.source("meldingen")).with_columns(
        day=parse_date("datum")
    )
    recent = meldingen.filter(
        (pl.col("day") > as_of - timedelta(days=90)) & (pl.col("day") <= as_of)
    )
    result["meldingen-cluster"] = _adres(
        recent.group_by("nummeraanduiding_id")
        .agg(pl.len(), pl.col("bron").n_unique().alias("bronnen"))
        .filter((pl.col("len") >= 2) & (pl.col("bronnen") >= 2))
    )

    bag = demo.source("bag").select("nummeraanduiding_id", "gebruiksdoel")
    result["briefbusfirma"] = _adres(
        active_kvk(demo)
        .group_by("nummeraanduiding_id")
        .agg(pl.col("kvk_nummer").n_unique())
        .join(bag, on="nummeraanduiding_id")
        .filter((pl.col("kvk_nummer") >= 5) & (pl.col("gebruiksdoel") == "woonfunctie"))
    )

    result["betrokkenheid"] = betrokken(demo, handhaving, vergunningen, meldingen)
    return result


def open_matters(demo: Demo, handhaving=None, vergunningen=None, meldingen=None) -> pl.DataFrame:
    """department, entity_type, entity_ref, source, record_key of every open matter."""
    as_of = demo.as_of
    if handhaving is None:
        handhaving = _with_truth(demo, "handhaving", demo.source("handhaving"), who=True)
        vergunningen = _with_truth(demo, "vergunningen", demo.source("vergunningen"), who=True)
        meldingen = _with_truth(demo, "meldingen", demo.source("meldingen")).with_columns(
            day=parse_date("datum")
        )
    belastingen = _with_truth(demo, "belastingen", demo.source("belastingen"), who=True)
    matters = {
        "handhaving": handhaving.filter(pl.col("datum_einde").is_null()),
        "vergunningen": vergunningen.filter(
            pl.col("status").is_in(["aangevraagd", "in_behandeling"])
        ),
        "belastingen": belastingen.filter(pl.col("status").is_in(["bezwaar", "dwanginvordering"])),
        "oov": meldingen.filter(
            (pl.col("day") > as_of - timedelta(days=180)) & (pl.col("day") <= as_of)
        ),
    }
    parts = []
    for department, frame in matters.items():
        for entity_type, column in (
            ("adres", "nummeraanduiding_id"),
            ("persoon", "person"),
            ("bedrijf", "company"),
        ):
            if column not in frame.columns:
                continue
            parts.append(
                frame.filter(pl.col(column).is_not_null()).select(
                    department=pl.lit(department),
                    entity_type=pl.lit(entity_type),
                    entity_ref=column,
                    record_key="record_key",
                )
            )
    return pl.concat(parts)


def betrokken(demo: Demo, handhaving, vergunningen, meldingen) -> set[tuple[str, str]]:
    matters = open_matters(demo, handhaving, vergunningen, meldingen)
    hits = (
        matters.group_by("entity_type", "entity_ref")
        .agg(pl.col("department").n_unique())
        .filter(pl.col("department") >= 2)
    )
    return set(hits.select("entity_type", "entity_ref").iter_rows())


# --- the careful reader -----------------------------------------------------------------------

_EXPAND = (
    (r"^burg\. ", "burgemeester "),
    (r"^st\. ", "sint "),
    (r"^dr\. ", "dokter "),
    (r"^prof\. ", "professor "),
    (r"^kon\. ", "koningin "),
    (r"^pr\. ", "prinses "),
    (r"^gen\. ", "generaal "),
    (r"^past\. ", "pastoor "),
    (r"^weth\. ", "wethouder "),
    (r"^mr\. ", "meester "),
    (r"^eerste ", "1e "),
    (r"^tweede ", "2e "),
    (r" v\.d\. ", " van der "),
    (r"str\.?$", "straat"),
    (r"ln\.?$", "laan"),
    (r"sngl\.$", "singel"),
)


def street_key(street: str) -> str:
    street = street.lower().strip()
    for pattern, replacement in _EXPAND:
        street = re.sub(pattern, replacement, street)
    return re.sub(r"[^0-9a-zà-ÿ]", "", street)


class CarefulReader:
    """Finds a typed address in the BAG the way a patient clerk would."""

    def __init__(self, bag: pl.DataFrame):
        self.by_street: dict[tuple[str, int], list[dict]] = {}
        self.by_postcode: dict[tuple[str, int], list[dict]] = {}
        self.places = sorted(
            {p.lower() for p in bag["woonplaats"].to_list()}, key=len, reverse=True
        )
        for row in bag.iter_rows(named=True):
            number = int(row["huisnummer"])
            self.by_street.setdefault((street_key(row["straatnaam"]), number), []).append(row)
            self.by_postcode.setdefault((row["postcode"], number), []).append(row)

    @staticmethod
    def _fits(row: dict, addition: str | None) -> bool:
        letter = (row["huisletter"] or "").lower()
        toev = (row["huisnummertoevoeging"] or "").lower()
        if addition is None:
            return not letter and not toev
        return addition.lower() in (letter, toev)

    def _find(self, street, number, addition, postcode, place) -> set[str]:
        if postcode:
            # The postcode finds the street; the typed street only has to look like it (typos).
            typed = street_key(street)
            rows = [
                r
                for r in self.by_postcode.get((postcode, number), [])
                if fuzz.ratio(typed, street_key(r["straatnaam"])) >= 60
            ]
        else:
            rows = self.by_street.get((street_key(street), number), [])
            if place:
                rows = [r for r in rows if r["woonplaats"].lower() == place]
        return {r["nummeraanduiding_id"] for r in rows if self._fits(r, addition)}

    def parts(self, row: dict) -> set[str]:
        if row["huisnummer"] is None:
            return set()
        postcode = (row["postcode"] or "").replace(" ", "").upper() or None
        addition = row["huisletter"] or row["huisnummertoevoeging"]
        place = (row["woonplaats"] or "").lower() or None
        return self._find(row["straatnaam"], int(row["huisnummer"]), addition, postcode, place)

    def text(self, text: str) -> set[str]:
        lowered = text.lower()
        postcode = None
        found = re.search(r"(?<!\d)(\d{4}) ?([a-z]{2})(?![a-z])", lowered)
        if found:
            postcode = (found.group(1) + found.group(2)).upper()
            lowered = lowered[: found.start()] + lowered[found.end() :]
        place = None
        for candidate in self.places:
            for pattern in (f", {candidate}", f" te {candidate}", f" {candidate}"):
                if lowered.rstrip(" ,").endswith(pattern):
                    place = candidate
                    lowered = lowered.rstrip(" ,")[: -len(pattern)]
                    break
            if place:
                break
        body = lowered.strip(" ,")
        tokens = body.split()
        candidates: set[str] = set()
        # Try every split of "street house": street names may hold numbers (Plein 1945).
        for cut in range(1, len(tokens)):
            if tokens[cut - 1] == "-":  # "12 - 1": the dash belongs to the house number
                continue
            house = "".join(tokens[cut:])
            match = re.fullmatch(r"(\d+)-?([a-z]+|\d+)?", house)
            if match:
                candidates |= self._find(
                    " ".join(tokens[:cut]), int(match.group(1)), match.group(2), postcode, place
                )
        return candidates

    def read(self, row: dict) -> set[str]:
        return self.text(row["adres"]) if row["adres"] else self.parts(row)
