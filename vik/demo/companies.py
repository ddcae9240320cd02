"""Handelsregister of the synthetic municipality: companies and their vestigingen.

    >>> kvk = build_companies(rng, bag, population, ids, as_of, excluded)  # doctest: +SKIP
    >>> kvk.vestigingen.columns[:3]
    ['c', 'a', 'vestigingsnummer']

Companies are numbered ``c``; a vestiging ties a company to an address ``a``.
The background stays below the rules: at most 3 companies (active or not) at a
dwelling, and at most one home-care company (SBI 88101, 88102, 86942) at any address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from vik.demo.identifiers import Identifiers, as_text
from vik.demo.names import (
    FANCY_BUSINESS,
    FANCY_HORECA,
    HOME_CARE_TRADES,
    HORECA_TRADES,
    RECHTSVORM_SUFFIX,
    RECHTSVORMEN,
    TRADES,
)
from vik.demo.population import YEAR, Population, as_dates, days

MAX_BACKGROUND_AT_DWELLING = 3
ALL_TRADES = TRADES + HOME_CARE_TRADES
_TRADE_WORD = pl.Series([t for t, _, _ in ALL_TRADES])
_TRADE_SBI = pl.Series([s for _, s, _ in ALL_TRADES])
HOME_CARE = np.array([i for i, t in enumerate(ALL_TRADES) if t in HOME_CARE_TRADES])
_HOME = np.array([i for i, t in enumerate(TRADES) if t[2] == "home"])
_BY_DOEL = {
    "kantoorfunctie": ["Advies", "Consultancy", "ICT", "Webdesign", "Administratiekantoor",
                       "Belastingadvies", "Holding", "Vastgoed", "Uitzendbureau", "Beveiliging",
                       "Import Export", "Fotografie"],
    "winkelfunctie": ["Bakkerij", "Kapsalon", "Barbershop", "Nagelstudio", "Supermarkt",
                      "Slijterij", "Belwinkel", "Kledingwinkel", "Bloemenwinkel", "Juwelier",
                      "Massagesalon", "Cafetaria"],
    "industriefunctie": ["Bouwbedrijf", "Garage", "Autobedrijf", "Transport", "Import Export",
                         "Installatiebedrijf", "Autowasstraat", "Schoonmaakbedrijf"],
    "bijeenkomstfunctie": ["Café", "Eetcafé", "Restaurant", "Cafetaria", "Snackbar", "Pizzeria"],
    "gezondheidszorgfunctie": ["Tandartspraktijk", "Fysiotherapie"],
}  # fmt: skip
_TRADE_INDEX = {t: i for i, (t, _, _) in enumerate(ALL_TRADES)}
_RV_NAMES = pl.Series([r for r, _ in RECHTSVORMEN])
_RV_P = np.array([w for _, w in RECHTSVORMEN]) / sum(w for _, w in RECHTSVORMEN)
_RV_SUFFIX = pl.Series([RECHTSVORM_SUFFIX.get(r, "") for r, _ in RECHTSVORMEN])
_FANCY_HORECA = pl.Series(FANCY_HORECA)
_FANCY_BUSINESS = pl.Series(FANCY_BUSINESS)
_HORECA = np.array([_TRADE_INDEX[t] for t in HORECA_TRADES])


@dataclass
class Companies:
    companies: pl.DataFrame  # c, kvk_nummer, handelsnaam, rechtsvorm, _home_care
    vestigingen: pl.DataFrame  # c, a, vestigingsnummer, sbi_codes, datum_inschrijving, ...


def company_name(
    trade: pl.Expr, name: pl.Expr, rechtsvorm: pl.Expr, style: pl.Expr, with_suffix: pl.Expr
) -> pl.Expr:
    """'Bakkerij De Vries B.V.', 'Jansen Advies', 'Café De Zwaan': a handelsnaam."""
    suffix = pl.when(with_suffix).then(rechtsvorm.replace_strict(_RV_NAMES, _RV_SUFFIX, default=""))
    base = (
        pl.when(style == 0)
        .then(pl.concat_str(trade, name, separator=" "))
        .otherwise(pl.concat_str(name, trade, separator=" "))
    )
    return pl.concat_str(base, suffix.fill_null(""))


def _display_surname(voorvoegsel: pl.Expr, geslachtsnaam: pl.Expr) -> pl.Expr:
    # In a handelsnaam the voorvoegsel starts with a capital: "Klusbedrijf Van Dijk".
    prefix = voorvoegsel.str.slice(0, 1).str.to_uppercase() + voorvoegsel.str.slice(1)
    return pl.concat_str(prefix, geslachtsnaam, separator=" ", ignore_nulls=True)


def build_companies(
    rng: np.random.Generator,
    bag: pl.DataFrame,
    population: Population,
    ids: Identifiers,
    as_of: date,
    excluded: np.ndarray,
) -> Companies:
    """Background companies at business addresses and at dwellings, none at ``excluded``."""
    today = days(as_of)
    first_doel = bag["gebruiksdoel"].str.split(";").list.first().to_numpy()
    only_woon = bag["_only_woon"].to_numpy()

    # Companies per business address.
    business = np.flatnonzero(~only_woon & ~excluded)
    kind = first_doel[business]
    draw = rng.random(business.size)
    count = np.where(draw < 0.12, 0, 1)
    office = kind == "kantoorfunctie"
    count = np.where(office & (draw > 0.55), rng.integers(2, 6, business.size), count)
    count = np.where(office & (draw > 0.93), rng.integers(6, 13, business.size), count)
    count = np.where((kind == "industriefunctie") & (draw > 0.85), 2, count)

    # Home-based companies at occupied dwellings (woonfunctie only).
    periods = population.periods
    occupied = (
        periods.filter(pl.col("end").is_null() & (pl.col("functie_adres") == "W"))
        .select("a")
        .unique()
        .sort("a")["a"]
        .to_numpy()
    )
    homes = occupied[only_woon[occupied] & ~excluded[occupied]]
    draw = rng.random(homes.size)
    home_count = np.where(draw < 0.06, 1, 0) + (draw < 0.012) + (draw < 0.003)
    assert home_count.max(initial=0) <= MAX_BACKGROUND_AT_DWELLING

    address = np.concatenate([np.repeat(business, count), np.repeat(homes, home_count)])
    at_home = np.concatenate(
        [np.zeros(int(count.sum()), bool), np.ones(int(home_count.sum()), bool)]
    )
    rank = np.concatenate(
        [
            np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count),
            np.arange(int(home_count.sum()))
            - np.repeat(np.cumsum(home_count) - home_count, home_count),
        ]
    )
    v = address.size

    # Trade: by the kind of premises; home care only ever as the first company of an address.
    trade = np.zeros(v, dtype=np.int64)
    address_kind = first_doel[address]
    for name, trades in _BY_DOEL.items():  # a handful of premises kinds
        mask = (address_kind == name) & ~at_home
        choices = np.array([_TRADE_INDEX[t] for t in trades])
        trade[mask] = rng.choice(choices, int(mask.sum()))
    other = ~at_home & ~np.isin(address_kind, list(_BY_DOEL))
    trade[other] = rng.choice(_HOME, int(other.sum()))
    trade[at_home] = rng.choice(_HOME, int(at_home.sum()))
    home_care = (rank == 0) & (rng.random(v) < np.where(at_home, 0.05, 0.015))
    home_care &= at_home | (address_kind == "kantoorfunctie")
    trade[home_care] = rng.choice(HOME_CARE, int(home_care.sum()))

    # Chains: some shops are a vestiging of a company with several.
    shop = ~at_home & (address_kind == "winkelfunctie") & (rank == 0)
    chains = max(1, v // 1500)
    in_chain = shop & (rng.random(v) < 0.08)
    chain_of = rng.integers(0, chains, v)
    company = np.where(in_chain, chain_of, chains + np.arange(v))
    company = (pl.Series(company).rank("dense") - 1).cast(pl.Int64).to_numpy()  # chains first
    c_count = int(company.max()) + 1 if v else 0
    first_row = np.full(c_count, v)
    np.minimum.at(first_row, company, np.arange(v))
    c_trade = trade[first_row]
    trade = c_trade[company]  # a chain has one trade

    # Owner names: a resident for home-based companies, a surname or fancy name otherwise.
    persons = population.persons
    heads = persons.filter(pl.col("_role") == 0).select(
        "_household", "voorvoegsel", "geslachtsnaam", "voornamen"
    )
    rows = pl.DataFrame({"c": company, "a": address, "at_home": at_home, "trade": trade})
    c_frame = rows.gather(first_row).join(
        heads.rename({"_household": "a"}), on="a", how="left", maintain_order="left"
    )
    random_person = persons.gather(rng.integers(0, persons.height, c_count))
    c_rv = np.where(
        c_frame["at_home"].to_numpy() & (rng.random(c_count) < 0.9),
        0,
        rng.choice(len(_RV_NAMES), c_count, p=_RV_P),
    )
    c_style = rng.integers(0, 2, c_count)
    fancy = rng.random(c_count) < 0.35
    c_frame = c_frame.with_columns(
        vv=pl.when(pl.col("geslachtsnaam").is_null())
        .then(pl.lit(random_person["voorvoegsel"]))
        .otherwise(pl.col("voorvoegsel")),
        gn=pl.coalesce("geslachtsnaam", random_person["geslachtsnaam"]),
        rechtsvorm=_RV_NAMES.gather(c_rv),
        style=pl.Series(c_style),
        fancy=pl.Series(fancy) & ~pl.col("at_home"),
        fancy_name=pl.DataFrame(
            {
                "horeca": np.isin(c_frame["trade"].to_numpy(), _HORECA),
                "h": _FANCY_HORECA.gather(rng.integers(0, _FANCY_HORECA.len(), c_count)),
                "b": _FANCY_BUSINESS.gather(rng.integers(0, _FANCY_BUSINESS.len(), c_count)),
            }
        )
        .select(pl.when("horeca").then("h").otherwise("b"))
        .to_series(),
        with_suffix=pl.Series(rng.random(c_count) < 0.6),
        trade_word=_TRADE_WORD.gather(c_frame["trade"]),
    )
    c_frame = c_frame.with_columns(
        handelsnaam=company_name(
            pl.col("trade_word"),
            pl.when(pl.col("fancy"))
            .then(pl.col("fancy_name"))
            .otherwise(_display_surname(pl.col("vv"), pl.col("gn"))),
            pl.col("rechtsvorm"),
            pl.when(pl.col("fancy") & pl.col("trade").is_in(_HORECA.tolist()))
            .then(0)
            .when(pl.col("fancy"))
            .then(1)
            .otherwise(pl.col("style")),
            pl.col("with_suffix"),
        )
    )
    kvk = ids.kvk_nummer(c_count)
    founded = today - (rng.exponential(9.0, c_count).clip(0.1, 40) * YEAR).astype(np.int64)
    companies = pl.DataFrame(
        {
            "c": np.arange(c_count, dtype=np.int64),
            "kvk_nummer": as_text(kvk, 8),
            "handelsnaam": c_frame["handelsnaam"],
            "rechtsvorm": c_frame["rechtsvorm"],
            "_home_care": np.isin(c_trade, HOME_CARE),
        }
    )

    # Vestigingen: registered at or after the company; some have been deregistered.
    registered = np.maximum(
        founded[company], founded[company] + (rng.random(v) < 0.2) * rng.integers(0, 2000, v)
    )
    registered = np.minimum(registered, today - 10)
    ended = rng.random(v) < 0.08
    end_day = registered + ((today - 1 - registered) * rng.random(v)).astype(np.int64)
    second_sbi = rng.random(v) < 0.12
    second = rng.choice(_HOME, v)
    sbi = pl.DataFrame({"main": _TRADE_SBI.gather(trade), "second": _TRADE_SBI.gather(second)})
    vestigingen = pl.DataFrame(
        {
            "c": company.astype(np.int64),
            "a": address.astype(np.int64),
            "vestigingsnummer": as_text(ids.vestigingsnummer(v), 12),
            "sbi_codes": sbi.select(
                pl.when(pl.Series(second_sbi) & (pl.col("second") != pl.col("main")))
                .then(pl.concat_str("main", "second", separator=";"))
                .otherwise(pl.col("main"))
            ).to_series(),
            "datum_inschrijving": as_dates(registered),
            "datum_uitschrijving": as_dates(np.where(ended, end_day, 0)).scatter(
                np.flatnonzero(~ended), None
            ),
        }
    )
    return Companies(companies=companies, vestigingen=vestigingen)
