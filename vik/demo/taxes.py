"""Belastingen of the synthetic municipality: one aanslag per occupied object.

    >>> rows = build_assessments(rng, bag, periods, vestigingen, as_of, allowed)  # doctest: +SKIP
    >>> rows.columns[:4]
    ['a', 'p', 'c', 'heffing']

A dwelling with residents is taxed to its first resident (afvalstoffenheffing,
rioolheffing or ozb), business premises to their first active company. A
status of ``bezwaar`` or ``dwanginvordering`` (an open matter for the
betrokkenheid rule) is only given where ``open_allowed`` says the address and
the subject may carry an open belastingen matter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import polars as pl

_DWELLING_LEVIES = (("afvalstoffenheffing", 0.6), ("ozb_eigenaar", 0.25), ("rioolheffing", 0.15))
_BUSINESS_LEVIES = (("ozb_gebruiker", 0.5), ("ozb_eigenaar", 0.3), ("rioolheffing", 0.2))


def current_residents(periods: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Current W registrations on the peildatum: p, a."""
    return periods.filter(
        (pl.col("functie_adres") == "W")
        & (pl.col("start") <= as_of)
        & (pl.col("end").is_null() | (pl.col("end") > as_of))
    ).select("p", "a")


def active_vestigingen(vestigingen: pl.DataFrame, as_of: date) -> pl.DataFrame:
    return vestigingen.filter(
        pl.col("datum_uitschrijving").is_null() | (pl.col("datum_uitschrijving") > as_of)
    )


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> pl.Series:
    names = pl.Series([o for o, _ in options])
    weights = np.array([w for _, w in options])
    return names.gather(rng.choice(len(options), size=n, p=weights / weights.sum()))


def build_assessments(
    rng: np.random.Generator,
    bag: pl.DataFrame,
    periods: pl.DataFrame,
    vestigingen: pl.DataFrame,
    as_of: date,
    open_allowed: Callable[[pl.DataFrame], pl.Series],
) -> pl.DataFrame:
    """Aanslagen: a, p (person subject), c (company subject), heffing, woz_waarde, ...

    ``open_allowed(frame)`` gets the rows (columns a, p, c) and says per row whether
    an open status may be given.
    """
    residents = current_residents(periods, as_of)
    dwellings = (
        residents.group_by("a")
        .agg(p=pl.col("p").min(), aantal_personen=pl.len().cast(pl.Int64))
        .sort("a")
        .with_columns(c=pl.lit(None, dtype=pl.Int64))
    )
    business = (
        active_vestigingen(vestigingen, as_of)
        .join(dwellings.select("a"), on="a", how="anti")
        .group_by("a")
        .agg(c=pl.col("c").min())
        .sort("a")
        .with_columns(p=pl.lit(None, dtype=pl.Int64), aantal_personen=pl.lit(None, dtype=pl.Int64))
    )
    rows = pl.concat([dwellings, business.select(dwellings.columns)])
    n = rows.height
    is_person = rows["p"].is_not_null().to_numpy()
    heffing = pl.select(
        pl.when(pl.lit(pl.Series(is_person)))
        .then(pl.lit(_pick(rng, _DWELLING_LEVIES, n)))
        .otherwise(pl.lit(_pick(rng, _BUSINESS_LEVIES, n)))
    ).to_series()
    surface = bag["oppervlakte"].gather(rows["a"]).fill_null(90).to_numpy().astype(float)
    price = np.where(is_person, rng.uniform(2800, 4600, n), rng.uniform(900, 2200, n))
    woz = (np.round(surface * price / 1000) * 1000).astype(np.int64)

    allowed = open_allowed(rows).to_numpy()
    draw = rng.random(n)
    # Open statuses only where allowed; scaled up there so the overall shares stay ~1% / ~0.5%.
    scale = n / max(1, int(allowed.sum()))
    status = np.where(draw < 0.004, "verminderd", "opgelegd").astype(object)
    status = np.where(allowed & (draw < 0.01 * scale), "bezwaar", status)
    status = np.where(
        allowed & (draw >= 0.01 * scale) & (draw < 0.015 * scale), "dwanginvordering", status
    )
    return rows.with_columns(
        heffing=heffing,
        woz_waarde=pl.Series(woz),
        status=pl.Series(status.astype(str)),
        belastingjaar=pl.lit(as_of.year, dtype=pl.Int64),
    )
