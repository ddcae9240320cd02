"""From the town's internal frames to the seven extracts, with their record keys.

    >>> frames = assemble(rng, town)  # doctest: +SKIP
    >>> frames["bag"].columns[:2]
    ['record_id', 'nummeraanduiding_id']

Each frame has the canonical columns of ``vik.connectors.schemas`` in schema
order, followed by private columns that only the truth uses: ``_key`` (the
record key VIK will compute), ``_uid``, ``_a``, ``_p``, ``_c`` and
``_resolvable``. ``public`` leaves only what a municipality delivers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from vik.connectors.model import ADDRESS_PARTS, Kind
from vik.connectors.schemas import SOURCES
from vik.demo.clerks import type_addresses, type_company_names, type_dates, type_person_names
from vik.demo.identifiers import as_text
from vik.demo.municipality import Municipality

UNRESOLVABLE_SHARE = 0.002  # process-record addresses typed beyond a careful reader
PRIVATE = ("_key", "_uid", "_a", "_p", "_c", "_resolvable", "_planted")


def _dtype(source: str, column: str) -> pl.DataType:
    kind = SOURCES[source].column(column).kind
    return pl.Int64() if kind in (Kind.INTEGER, Kind.DECIMAL) else pl.String()


def canonical(source: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The schema's columns in order (absent ones empty), then the private columns present."""
    columns = [
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(_dtype(source, c)).alias(c)
        for c in SOURCES[source].column_names
    ]
    private = [pl.col(c) for c in PRIVATE if c in frame.columns]
    return frame.select(*columns, *private)


def address_parts(bag: pl.DataFrame, a: pl.Series, place: str = "woonplaats") -> pl.DataFrame:
    """The address parts of BAG addresses `a` as an extract writes them (place renamed)."""
    return bag.select(*ADDRESS_PARTS, pl.col("woonplaats").alias(place)).gather(a)


def _bag(town: Municipality) -> pl.DataFrame:
    frame = town.bag.with_columns(
        _a=pl.col("a"), _uid=pl.col("a"), _key=pl.col("nummeraanduiding_id")
    )
    return canonical("bag", frame.with_columns(_resolvable=pl.lit(True)))


def _brp(rng: np.random.Generator, town: Municipality) -> pl.DataFrame:
    periods = town.periods
    persons = town.persons.gather(periods["p"])
    parts = address_parts(town.bag, periods["a"])
    nid = town.bag["nummeraanduiding_id"].gather(periods["a"])
    # Old BRP periods sometimes predate the BAG link and carry no nummeraanduiding.
    unlinked = periods["end"].is_not_null().to_numpy() & (rng.random(periods.height) < 0.03)
    frame = pl.concat(
        [
            persons.select(
                bsn=as_text(persons["bsn"].to_numpy(), 9),
                geslachtsnaam="geslachtsnaam",
                voorvoegsel="voorvoegsel",
                voornamen="voornamen",
                geboortedatum="geboortedatum",
            ),
            parts,
            periods.select(
                nummeraanduiding_id=pl.when(pl.Series(~unlinked)).then(pl.lit(nid)),
                functie_adres="functie_adres",
                datum_aanvang_adreshouding=pl.col("start").dt.strftime("%Y%m%d"),
                datum_einde_adreshouding=pl.col("end").dt.strftime("%Y%m%d"),
                _uid="_uid",
                _a="a",
                _p="p",
            ),
        ],
        how="horizontal",
    ).sort("bsn", "datum_aanvang_adreshouding", "_uid")
    frame = frame.with_columns(
        record_id=pl.format("brp-{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(8))
    ).with_columns(_key=pl.col("record_id"), _resolvable=pl.lit(True))
    return canonical("brp", frame)


def _kvk(town: Municipality) -> pl.DataFrame:
    v = town.vestigingen
    companies = town.companies.gather(v["c"])
    frame = pl.concat(
        [
            v.select(
                "vestigingsnummer",
                "sbi_codes",
                datum_inschrijving=pl.col("datum_inschrijving").dt.strftime("%Y-%m-%d"),
                datum_uitschrijving=pl.col("datum_uitschrijving").dt.strftime("%Y-%m-%d"),
                _uid="_uid",
                _a="a",
                _c="c",
            ),
            companies.select("kvk_nummer", "handelsnaam", "rechtsvorm"),
            address_parts(town.bag, v["a"], place="plaats"),
        ],
        how="horizontal",
    ).sort("kvk_nummer", "vestigingsnummer")
    return canonical("kvk", frame.with_columns(_key="vestigingsnummer", _resolvable=pl.lit(True)))


def _subject_names(persons: pl.DataFrame) -> pl.Expr:
    """How the tax system writes a person: 'Vries, P.J. de'."""
    initials = (
        pl.col("voornamen")
        .str.split(" ")
        .list.eval(pl.element().str.slice(0, 1) + ".")
        .list.join("")
    )
    return pl.concat_str(
        pl.col("geslachtsnaam") + ",",
        initials,
        pl.col("voorvoegsel"),
        separator=" ",
        ignore_nulls=True,
    )


def _belastingen(rng: np.random.Generator, town: Municipality) -> pl.DataFrame:
    rows = town.assessments
    n = rows.height
    persons = town.persons.select("bsn", "voornamen", "voorvoegsel", "geslachtsnaam")
    person = persons.gather(rows["p"].fill_null(0)).select(
        bsn=as_text(persons["bsn"].gather(rows["p"].fill_null(0)).to_numpy(), 9),
        naam=_subject_names(persons),
    )
    company = town.companies.gather(rows["c"].fill_null(0)).select("kvk_nummer", "handelsnaam")
    is_person = rows["p"].is_not_null()
    is_company = rows["c"].is_not_null()
    with_id = rows["_with_id"].fill_null(False).to_numpy() | (rng.random(n) < 0.9)
    frame = pl.concat(
        [
            rows.select(
                "belastingjaar",
                "heffing",
                "woz_waarde",
                "aantal_personen",
                "status",
                _uid="_uid",
                _a="a",
                _p="p",
                _c="c",
            ),
            pl.DataFrame(
                {
                    "subject_bsn": pl.select(
                        pl.when(pl.lit(is_person & pl.Series(with_id))).then(pl.lit(person["bsn"]))
                    ).to_series(),
                    "subject_kvk": pl.select(
                        pl.when(pl.lit(is_company & pl.Series(with_id))).then(
                            pl.lit(company["kvk_nummer"])
                        )
                    ).to_series(),
                    "subject_naam": pl.select(
                        pl.when(pl.lit(is_person))
                        .then(pl.lit(person["naam"]))
                        .otherwise(pl.lit(company["handelsnaam"]))
                    ).to_series(),
                }
            ),
            address_parts(town.bag, rows["a"]),
        ],
        how="horizontal",
    ).sort("postcode", "huisnummer", "huisletter", "huisnummertoevoeging", "_uid", nulls_last=False)
    year = town.as_of.year
    frame = frame.with_columns(
        aanslag_id=pl.format(
            "AS-{}-{}", pl.lit(year), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)
        )
    )
    return canonical("belastingen", frame.with_columns(_key="aanslag_id", _resolvable=pl.lit(True)))


# --- process records ------------------------------------------------------------------------

_PROCESS = {
    # source: (person prefix, date that orders the cases, key column, key format, date format)
    "vergunningen": ("aanvrager", "datum_aanvraag", "zaak_id", "V-{}-{}", "%Y-%m-%d"),
    "handhaving": ("betrokkene", "datum_start", "zaak_id", "HH-{}-{}", "%d-%m-%Y"),
    "meldingen": (None, "datum", "melding_id", "M-{}-{}", "%Y-%m-%d"),
}
_BSN_SHARE = {"vergunningen": 0.3, "handhaving": 0.2}
_KVK_SHARE = {"vergunningen": 0.85, "handhaving": 0.8}


def _mark_unresolvable(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    background = np.flatnonzero(~frame["_planted"].fill_null(False).to_numpy())
    k = int(UNRESOLVABLE_SHARE * frame.height)
    chosen = rng.choice(background, size=min(k, background.size), replace=False)
    mask = np.zeros(frame.height, dtype=bool)
    mask[chosen] = True
    return frame.with_columns(_unresolvable=pl.Series(mask))


def _process(rng: np.random.Generator, town: Municipality, source: str) -> pl.DataFrame:
    prefix, order, key, key_format, date_format = _PROCESS[source]
    frame = town.process[source].sort("_uid")
    frame = _mark_unresolvable(rng, frame)
    n = frame.height
    addresses = type_addresses(
        frame, town.bag, rng, text_share=0.65 if source == "meldingen" else 0.5
    )
    columns = [addresses.drop("_resolvable")]
    if prefix is not None:
        p = frame["_p"]
        c = frame["_c"]
        people = town.persons.gather(p.fill_null(0)).with_columns(_name_style=frame["_name_style"])
        person_name = type_person_names(people, rng)
        company_name = type_company_names(town.companies["handelsnaam"].gather(c.fill_null(0)), rng)
        draw = rng.random((n, 3))
        with_id = frame["_with_id"].fill_null(False).to_numpy()
        random_id = frame["_with_id"].is_null().to_numpy()
        bsn_ok = with_id | (random_id & (draw[:, 0] < _BSN_SHARE[source]))
        kvk_ok = with_id | (random_id & (draw[:, 1] < _KVK_SHARE[source]))
        dob_ok = frame["_with_dob"].fill_null(True).to_numpy() & (
            ~frame["_with_dob"].is_null().to_numpy() | (draw[:, 2] < 0.85)
        )
        dob = type_dates(people["geboortedatum"], rng, frame["_dob_style"])
        is_person = p.is_not_null()
        is_company = c.is_not_null()
        bsn = as_text(people["bsn"].to_numpy(), 9)
        kvk = town.companies["kvk_nummer"].gather(c.fill_null(0))
        columns.append(
            pl.DataFrame(
                {
                    f"{prefix}_naam": pl.select(
                        pl.when(pl.lit(is_person))
                        .then(pl.lit(person_name))
                        .when(pl.lit(is_company))
                        .then(pl.lit(company_name))
                    ).to_series(),
                    f"{prefix}_bsn": pl.select(
                        pl.when(pl.lit(is_person & pl.Series(bsn_ok))).then(pl.lit(bsn))
                    ).to_series(),
                    f"{prefix}_kvk": pl.select(
                        pl.when(pl.lit(is_company & pl.Series(kvk_ok))).then(pl.lit(kvk))
                    ).to_series(),
                    f"{prefix}_geboortedatum": pl.select(
                        pl.when(pl.lit(is_person & pl.Series(dob_ok))).then(pl.lit(dob))
                    ).to_series(),
                }
            )
        )
    dates = [c for c in frame.columns if c.startswith("datum")]
    columns.append(
        frame.select(
            pl.exclude(*dates),
            *(pl.col(d).dt.strftime(date_format) for d in dates),
            _order=pl.col(order),
            _resolvable=addresses["_resolvable"],
        )
    )
    frame = pl.concat(columns, how="horizontal").sort("_order", "_uid")
    year = pl.col("_order").dt.year()
    sequence = pl.int_range(1, pl.len() + 1).over(year)
    frame = frame.with_columns(
        pl.format(
            key_format, year, sequence.cast(pl.String).str.zfill(5 if source != "meldingen" else 6)
        ).alias(key)
    )
    return canonical(source, frame.with_columns(_key=pl.col(key)))


# One demo writer per source of the registry: the town → that source's extract, the
# schema's columns (``canonical``) followed by the private columns the ground truth
# reads: ``_key`` (the record key), ``_uid``, ``_a`` (the address), ``_resolvable``,
# and ``_p``/``_c`` (person, company) where the record names one. Writers run in this
# order on one random stream: a new source's writer goes at the end, so the files of
# the others stay byte for byte the same.
Writer = Callable[[np.random.Generator, Municipality], pl.DataFrame]
WRITERS: dict[str, Writer] = {
    "brp": _brp,
    "bag": lambda rng, town: _bag(town),
    "kvk": lambda rng, town: _kvk(town),
    "belastingen": _belastingen,
    "vergunningen": lambda rng, town: _process(rng, town, "vergunningen"),
    "handhaving": lambda rng, town: _process(rng, town, "handhaving"),
    "meldingen": lambda rng, town: _process(rng, town, "meldingen"),
}


def assemble(rng: np.random.Generator, town: Municipality) -> dict[str, pl.DataFrame]:
    """The extracts of the town, one per source, canonical columns first, private after."""
    missing = [source for source in SOURCES if source not in WRITERS]
    if missing:
        raise ValueError(f"no demo writer for {', '.join(missing)} (vik.demo.extracts.WRITERS)")
    return {source: WRITERS[source](rng, town) for source in WRITERS if source in SOURCES}


def public(source: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Only the canonical columns: what the municipality delivers."""
    return frame.select(SOURCES[source].column_names)
