"""BRP of the synthetic municipality: households, names, birth dates and address periods.

    >>> population = build_population(rng, bag, ids, as_of, excluded)  # doctest: +SKIP
    >>> population.persons.columns[:4]
    ['p', 'bsn', 'voorvoegsel', 'geslachtsnaam']

Persons are numbered ``p`` (their truth person id is ``T`` + p). An address
period is one row of ``periods``: person, address ``a``, functie_adres (W or B),
start and end (null: current). The background keeps below every rule:

- at most 8 current W registrations per dwelling, and at least 12 m² per person
  when 4 or more live there (unknown floor area: at most 3);
- no one starts more than 2 address periods within any 12 months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from vik.demo.identifiers import Identifiers
from vik.demo.names import FIRST_NAMES, ORIGIN_WEIGHTS, ORIGINS, SURNAMES

EPOCH = date(1970, 1, 1)
YEAR = 365.25

MAX_BACKGROUND_OCCUPANTS = 8
MIN_AREA_PER_PERSON = 12  # m², applies from 4 occupants


def days(day: date) -> int:
    """Days since 1970-01-01, the unit of every date array in the generator."""
    return (day - EPOCH).days


def months_back(day: date, months: int) -> date:
    """The same day `months` earlier, clipped to the month's end (29 Feb → 28 Feb)."""
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)  # pragma: no cover


def as_dates(values: np.ndarray | pl.Series) -> pl.Series:
    """Day numbers (null allowed) as a polars Date series."""
    return pl.Series(values, dtype=pl.Int64).cast(pl.Int32).cast(pl.Date)


# --- name tables: one flat table per kind, with per-origin ranges -------------------------

_SURNAME_ROWS = [(o, vv, gn) for o in ORIGINS for vv, gn in SURNAMES[o]]
SURNAME_VV = pl.Series([vv or None for _, vv, _ in _SURNAME_ROWS], dtype=pl.String)
SURNAME_GN = pl.Series([gn for _, _, gn in _SURNAME_ROWS], dtype=pl.String)
_SURNAME_START = np.cumsum([0] + [len(SURNAMES[o]) for o in ORIGINS])
_FIRST_KEYS = [(o, s) for o in ORIGINS for s in ("m", "f")]
_FIRST_ROWS = [name for key in _FIRST_KEYS for name in FIRST_NAMES[key]]
FIRST = pl.Series(_FIRST_ROWS, dtype=pl.String)
_FIRST_START = np.cumsum([0] + [len(FIRST_NAMES[k]) for k in _FIRST_KEYS])


def _zipf(size: int) -> np.ndarray:
    weights = 1.0 / (np.arange(size) + 4.0) ** 0.9
    return weights / weights.sum()


def draw_origins(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(len(ORIGINS), size=n, p=np.array(ORIGIN_WEIGHTS) / sum(ORIGIN_WEIGHTS))


def draw_surnames(rng: np.random.Generator, origin: np.ndarray) -> np.ndarray:
    """Indexes into the surname table, common names more often."""
    result = np.zeros(origin.size, dtype=np.int64)
    for o in range(len(ORIGINS)):  # seven origins
        mask = origin == o
        size = _SURNAME_START[o + 1] - _SURNAME_START[o]
        result[mask] = _SURNAME_START[o] + rng.choice(size, size=int(mask.sum()), p=_zipf(size))
    return result


def draw_first_names(
    rng: np.random.Generator, origin: np.ndarray, female: np.ndarray, age: np.ndarray
) -> pl.Series:
    """Voornamen: older Dutch people have two or three, others one or two."""
    n = origin.size
    key = origin * 2 + female.astype(np.int64)
    start = _FIRST_START[key]
    size = _FIRST_START[key + 1] - start
    picks = start[:, None] + (rng.random((n, 3)) * size[:, None]).astype(np.int64)
    draw = rng.random(n)
    dutch = origin == 0
    count = np.where(
        dutch & (age >= 50),
        np.where(draw < 0.2, 1, np.where(draw < 0.7, 2, 3)),
        np.where(dutch, np.where(draw < 0.45, 1, np.where(draw < 0.85, 2, 3)), 1 + (draw < 0.35)),
    )
    names = [FIRST.gather(picks[:, i]) for i in range(3)]
    frame = pl.DataFrame({"n1": names[0], "n2": names[1], "n3": names[2], "count": count})
    return frame.select(
        pl.concat_str(
            pl.col("n1"),
            pl.when((pl.col("count") >= 2) & (pl.col("n2") != pl.col("n1"))).then(pl.col("n2")),
            pl.when(
                (pl.col("count") >= 3)
                & (pl.col("n3") != pl.col("n1"))
                & (pl.col("n3") != pl.col("n2"))
            ).then(pl.col("n3")),
            separator=" ",
            ignore_nulls=True,
        ).alias("voornamen")
    ).to_series()


def person_frame(
    rng: np.random.Generator,
    ids: Identifiers,
    *,
    first_p: int,
    origin: np.ndarray,
    female: np.ndarray,
    birth: np.ndarray,
    surname: np.ndarray,
    as_of: date,
    partial_share: float = 0.0,
) -> pl.DataFrame:
    """Persons p = first_p, first_p + 1, ... with BSN, names and BRP birth dates."""
    n = origin.size
    age = (days(as_of) - birth) / YEAR
    voornamen = draw_first_names(rng, origin, female, age)
    bsn = ids.bsn(n)
    # BRP's onvolledige datum: mostly people born abroad whose day or month is unknown.
    draw = rng.random(n)
    foreign = origin != 0
    partial = draw < partial_share * np.where(foreign, 4.0, 0.3)
    month_known = rng.random(n) < 0.4
    frame = pl.DataFrame(
        {
            "p": np.arange(first_p, first_p + n, dtype=np.int64),
            "bsn": bsn,
            "voorvoegsel": SURNAME_VV.gather(surname),
            "geslachtsnaam": SURNAME_GN.gather(surname),
            "voornamen": voornamen,
            "birth": as_dates(birth),
            "female": female.astype(bool),
            "_origin": origin.astype(np.int64),
            "_partial": partial,
            "_month_known": month_known,
        }
    )
    # Polish and Bulgarian women carry the feminine form of the family name.
    feminine = pl.col("female") & pl.col("_origin").is_in(
        [ORIGINS.index("pl"), ORIGINS.index("ro_bg")]
    )
    frame = frame.with_columns(
        pl.when(feminine)
        .then(
            pl.col("geslachtsnaam")
            .str.replace(r"ski$", "ska")
            .str.replace(r"cki$", "cka")
            .str.replace(r"(ov|ev)$", "${1}a")
        )
        .otherwise(pl.col("geslachtsnaam"))
        .alias("geslachtsnaam"),
        pl.when(pl.col("_partial") & pl.col("_month_known"))
        .then(pl.col("birth").dt.strftime("%Y%m00"))
        .when(pl.col("_partial"))
        .then(pl.col("birth").dt.strftime("%Y0000"))
        .otherwise(pl.col("birth").dt.strftime("%Y%m%d"))
        .alias("geboortedatum"),
    )
    return frame.drop("_partial", "_month_known")


@dataclass
class Population:
    persons: pl.DataFrame  # p (= row number), bsn, names, birth, geboortedatum, ...
    periods: pl.DataFrame  # p, a, functie_adres, start, end


NO_END = -(10**9)  # the end day of a current address period


def period_frame(
    p: np.ndarray, a: np.ndarray, start: np.ndarray, end: np.ndarray, functie: str
) -> pl.DataFrame:
    """Address periods; an end of NO_END means current."""
    end_days = pl.Series(end, dtype=pl.Int64).scatter(np.flatnonzero(end == NO_END), None)
    return pl.DataFrame(
        {
            "p": p.astype(np.int64),
            "a": a.astype(np.int64),
            "functie_adres": pl.repeat(functie, p.size, dtype=pl.String, eager=True),
            "start": as_dates(start),
            "end": as_dates(end_days),
        }
    )


_HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5, 6, 7, 8])
_HOUSEHOLD_P = np.array([0.40, 0.33, 0.11, 0.10, 0.043, 0.012, 0.004, 0.001])
_HEAD_AGES = np.arange(19, 96)
_HEAD_AGE_P = np.interp(_HEAD_AGES, [19, 25, 35, 50, 65, 75, 85, 95], [2, 6, 9, 10, 8, 5, 2, 0.3])
_HEAD_AGE_P = _HEAD_AGE_P / _HEAD_AGE_P.sum()


def build_population(
    rng: np.random.Generator,
    bag: pl.DataFrame,
    ids: Identifiers,
    as_of: date,
    excluded: np.ndarray,
) -> Population:
    """Background households in the dwellings not in ``excluded`` (addresses kept for planting)."""
    today = days(as_of)
    dwelling = bag["_dwelling"].to_numpy()
    surface = bag["oppervlakte"].to_numpy().astype(float)  # NaN where unknown
    homes = np.flatnonzero(dwelling & ~excluded)
    occupied = homes[rng.random(homes.size) < 0.88]
    h = occupied.size

    size = rng.choice(_HOUSEHOLD_SIZES, size=h, p=_HOUSEHOLD_P)
    area = surface[occupied]
    cap = np.where(
        np.isnan(area),
        3,
        np.clip(np.floor(np.nan_to_num(area) / MIN_AREA_PER_PERSON), 3, MAX_BACKGROUND_OCCUPANTS),
    ).astype(np.int64)
    size = np.minimum(size, cap)
    origin_h = draw_origins(rng, h)
    family = draw_surnames(rng, origin_h)
    head_age = rng.choice(_HEAD_AGES, size=h, p=_HEAD_AGE_P)
    with_kids = size >= 3
    head_age = np.where(with_kids, rng.integers(27, 58, h), head_age)
    partnered = (size >= 2) & (rng.random(h) < 0.72)
    # Years since the household moved in, recent moves more likely.
    years_here = np.minimum(rng.exponential(9.0, h), head_age - 18.5)
    move_in = today - (years_here * YEAR).astype(np.int64) - 1

    # One row per person; role 0 head, 1 partner (when partnered), else child.
    household = np.repeat(np.arange(h), size)
    role = np.arange(household.size) - np.repeat(np.cumsum(size) - size, size)
    n = household.size
    is_partner = (role == 1) & partnered[household]
    is_child = (role >= 1) & ~is_partner
    age = head_age[household].astype(float)
    age = np.where(is_partner, np.maximum(18, age + rng.normal(-1.5, 4.0, n)), age)
    child_span = np.maximum(1, np.minimum(head_age[household] - 20, 30))
    age = np.where(is_child, rng.random(n) * child_span, age)
    birth = today - (age * YEAR).astype(np.int64) - rng.integers(0, 365, n)
    head_female = rng.random(h) < 0.5
    female = np.where(
        role == 0,
        head_female[household],
        np.where(is_partner, ~head_female[household] ^ (rng.random(n) < 0.05), rng.random(n) < 0.5),
    )
    origin = origin_h[household]
    surname = np.where(
        is_partner & (rng.random(n) < 0.95), draw_surnames(rng, origin), family[household]
    )
    start = move_in[household]
    start = np.where(
        is_partner & (rng.random(n) < 0.2),
        start + (rng.random(n) * (today - start)).astype(np.int64),
        start,
    )
    start = np.maximum(start, birth)  # children born here are registered at birth
    address = occupied[household]

    persons = person_frame(
        rng,
        ids,
        first_p=0,
        origin=origin,
        female=female,
        birth=birth,
        surname=surname,
        as_of=as_of,
        partial_share=0.002,
    )
    persons = persons.with_columns(
        pl.Series("_household", address, dtype=pl.Int64), pl.Series("_role", role, dtype=pl.Int64)
    )
    p = np.arange(n)
    current = period_frame(p, address, start, np.full(n, NO_END), "W")

    # Earlier addresses in the municipality: never a third start within 12 months.
    adult_at = birth + int(18 * YEAR)
    all_homes = np.flatnonzero(dwelling & ~excluded)
    earlier1 = start - rng.integers(200, 4000, n)
    has1 = (~is_child) & (rng.random(n) < 0.22) & (earlier1 >= adult_at)
    earlier2 = earlier1 - rng.integers(400, 3000, n)
    has2 = has1 & (rng.random(n) < 0.25) & (earlier2 >= adult_at)
    moves = [
        period_frame(
            p[has1], rng.choice(all_homes, int(has1.sum())), earlier1[has1], start[has1], "W"
        ),
        period_frame(
            p[has2], rng.choice(all_homes, int(has2.sum())), earlier2[has2], earlier1[has2], "W"
        ),
    ]

    # People who left the municipality (or died): periods that ended.
    gone = int(0.05 * n)
    gone_origin = draw_origins(rng, gone)
    gone_end = today - rng.integers(30, 6000, gone)
    gone_start = gone_end - rng.integers(200, 5000, gone)
    gone_birth = gone_start - (rng.uniform(18, 70, gone) * YEAR).astype(np.int64)
    gone_persons = person_frame(
        rng,
        ids,
        first_p=n,
        origin=gone_origin,
        female=rng.random(gone) < 0.5,
        birth=gone_birth,
        surname=draw_surnames(rng, gone_origin),
        as_of=as_of,
        partial_share=0.002,
    )
    gone_p = np.arange(n, n + gone)
    moves.append(period_frame(gone_p, rng.choice(all_homes, gone), gone_start, gone_end, "W"))

    # Briefadressen: people without a woonadres, their post delivered at someone's home.
    brief = max(1, int(0.01 * n))
    brief_origin = draw_origins(rng, brief)
    brief_start = today - rng.integers(10, 2500, brief)
    brief_birth = brief_start - (rng.uniform(18, 75, brief) * YEAR).astype(np.int64)
    brief_persons = person_frame(
        rng,
        ids,
        first_p=n + gone,
        origin=brief_origin,
        female=rng.random(brief) < 0.5,
        birth=brief_birth,
        surname=draw_surnames(rng, brief_origin),
        as_of=as_of,
        partial_share=0.002,
    )
    brief_p = np.arange(n + gone, n + gone + brief)
    moves.append(
        period_frame(
            brief_p, rng.choice(all_homes, brief), brief_start, np.full(brief, NO_END), "B"
        )
    )
    before = rng.random(brief) < 0.5
    before_start = brief_start - rng.integers(400, 4000, brief)
    keep = before & (before_start >= brief_birth + int(18 * YEAR))
    moves.append(
        period_frame(
            brief_p[keep],
            rng.choice(all_homes, int(keep.sum())),
            before_start[keep],
            brief_start[keep],
            "W",
        )
    )

    persons = pl.concat([persons, gone_persons, brief_persons], how="diagonal")
    periods = pl.concat([current, *moves])
    return Population(persons=persons, periods=periods)
