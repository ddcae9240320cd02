"""Background process records: vergunningen, handhaving and meldingen.

    >>> build_background_cases(rng, town, addresses=500_000)  # doctest: +SKIP
    >>> town.process["handhaving"].height
    5000

About 0.02·N vergunningen, 0.01·N handhaving cases and 0.03·N meldingen. The
background never triggers a built-in rule: a matter is only open in the
department of its entities' class (see ``municipality``); people and companies
with a Damocles case never apply for a vergunning; all meldingen about one
address come from one bron, and a melding in the last 190 days only concerns
an address of the oov class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from vik.demo.municipality import HANDHAVING, OOV, VERGUNNINGEN, Municipality
from vik.demo.population import as_dates, months_back
from vik.demo.taxes import active_vestigingen, current_residents

# (vergunningtype, share, share applied for by a company, where: home|business)
VERGUNNINGTYPES = (
    ("exploitatievergunning", 0.14, 0.85, "business"),
    ("alcoholvergunning", 0.10, 0.9, "business"),
    ("terrasvergunning", 0.10, 0.9, "business"),
    ("omgevingsvergunning", 0.36, 0.25, "home"),
    ("evenementenvergunning", 0.12, 0.5, "business"),
    ("standplaatsvergunning", 0.06, 0.7, "business"),
    ("speelautomatenvergunning", 0.04, 0.95, "business"),
    ("ontheffing_sluitingstijd", 0.06, 0.9, "business"),
    ("seksinrichtingvergunning", 0.02, 0.9, "business"),
)
DAMOCLES = ("damocles_sluiting", "damocles_waarschuwing")
# (zaaktype, share, share against a company, case at the person's home)
ZAAKTYPES = (
    ("apv_overtreding", 0.33, 0.3, True),
    ("last_onder_dwangsom", 0.18, 0.4, True),
    ("bestuursdwang", 0.10, 0.4, True),
    ("illegale_bewoning", 0.15, 0.1, False),
    ("damocles_waarschuwing", 0.12, 0.3, True),
    ("damocles_sluiting", 0.08, 0.5, True),
    ("illegale_prostitutie", 0.04, 0.5, False),
)
GRONDSLAGEN = {
    "apv_overtreding": ("APV art. 2:48", "APV art. 2:79 (woonoverlast)", "APV art. 4:6"),
    "last_onder_dwangsom": (
        "Awb art. 5:32 jo. Woningwet art. 1a",
        "Awb art. 5:32 jo. APV art. 2:10",
    ),
    "bestuursdwang": ("Gemeentewet art. 125 jo. Awb art. 5:21",),
    "illegale_bewoning": (
        "Huisvestingswet 2014 art. 21 (woonruimtevoorraad)",
        "Woningwet art. 1b (strijdig gebruik)",
    ),
    "damocles_waarschuwing": ("Opiumwet art. 13b (Damoclesbeleid, waarschuwing)",),
    "damocles_sluiting": ("Opiumwet art. 13b", "art. 13b Opiumwet (sluiting woning/lokaal)"),
    "illegale_prostitutie": ("APV art. 3:3 (seksinrichting zonder vergunning)",),
}
BRONNEN = (
    ("mma", 0.2),
    ("intern_meldpunt", 0.25),
    ("boa", 0.2),
    ("politie", 0.2),
    ("woningcorporatie", 0.15),
)
CATEGORIEEN = (
    ("drugs", 0.28),
    ("overlast", 0.25),
    ("huisvesting", 0.17),
    ("mensenhandel", 0.06),
    ("ondermijning_overig", 0.12),
    ("witwassen", 0.05),
    ("zorgfraude", 0.04),
    ("illegale_prostitutie", 0.03),
)
OPEN_CASE, CLOSED_CASE = "lopend", "afgesloten"
MELDING_RECENT_DAYS = 190  # background meldingen this recent concern oov-class addresses only


def _choose(rng: np.random.Generator, table: tuple[Any, ...], n: int) -> np.ndarray:
    weights = np.array([row[1] for row in table], dtype=float)
    return rng.choice(len(table), size=n, p=weights / weights.sum())


def grondslag(rng: np.random.Generator, zaaktype: np.ndarray) -> list[str]:
    """A legal basis for each case; a loop over at most a few thousand small strings."""
    picks = rng.random(zaaktype.size)
    return [
        GRONDSLAGEN[z][int(r * len(GRONDSLAGEN[z]))] for z, r in zip(zaaktype, picks, strict=True)
    ]


def lookup(values: np.ndarray, column: str) -> pl.Expr:
    """values[column] as an expression: a per-address (or person) array looked up by index."""
    return pl.lit(pl.Series(values)).gather(pl.col(column))


def _sample(rng: np.random.Generator, pool: pl.DataFrame, k: int) -> pl.DataFrame:
    if k == 0 or pool.height == 0:
        return pool.clear()
    return pool[rng.integers(0, pool.height, k)]


# Adults, vestigingen and addresses to draw the records' subjects from.
_Pools = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]


def _pools(town: Municipality) -> _Pools:
    """Adults at home, active vestigingen at business premises, and addresses; none reserved."""
    bag = town.bag
    adult_born = months_back(town.as_of, 18 * 12)
    adults = (
        current_residents(town.periods, town.as_of)
        .join(town.persons.select("p", "birth"), on="p", how="left", maintain_order="left")
        .filter(
            (pl.col("birth") <= adult_born)
            & ~pl.col("p").is_in(town.reserved_p_array().tolist())
            & ~lookup(town.reserved_a, "a")
        )
        .sort("p", "a")
    )
    adults = adults.with_columns(cp=lookup(town.class_p, "p"), ca=lookup(town.class_a, "a"))
    business_a = ~bag["_only_woon"].to_numpy()
    vestigingen = (
        active_vestigingen(town.vestigingen, town.as_of)
        .select("c", "a")
        .filter(
            lookup(business_a, "a")
            & ~lookup(town.reserved_a, "a")
            & ~pl.col("c").is_in(town.reserved_c_array().tolist())
        )
    )
    vestigingen = vestigingen.with_columns(
        cc=lookup(town.class_c, "c"), ca=lookup(town.class_a, "a")
    )
    addresses = bag.select("a", dwelling="_dwelling", ca=pl.Series(town.class_a)).filter(
        ~pl.Series(town.reserved_a)
    )
    return adults, vestigingen, addresses


def _entities(
    rng: np.random.Generator,
    *,
    company: np.ndarray,
    is_open: np.ndarray,
    at_home: np.ndarray,
    department: int,
    adults: pl.DataFrame,
    vestigingen: pl.DataFrame,
    elsewhere: pl.DataFrame,
) -> pl.DataFrame:
    """_p, _c and _a for each row; open rows only from the department's class.

    A row whose open pool is empty becomes closed; a row with no pool at all (tiny
    towns where the planted cases took every business address) is dropped.
    """
    n = company.size
    p = np.full(n, -1)
    c = np.full(n, -1)
    a = np.full(n, -1)
    open_ok = np.ones(n, dtype=bool)

    def pick(
        rows: np.ndarray, preferred: pl.DataFrame, fallback: pl.DataFrame
    ) -> pl.DataFrame | None:
        picked = _sample(rng, preferred, rows.size)
        if picked.height < rows.size:
            open_ok[rows] = False
            picked = _sample(rng, fallback, rows.size)
        return picked if picked.height == rows.size else None

    for is_company in (False, True):
        for opened in (False, True):
            rows = np.flatnonzero((company == is_company) & (is_open == opened))
            if is_company:
                own_class = (pl.col("cc") == department) & (pl.col("ca") == department)
                pool = vestigingen.filter(own_class) if opened else vestigingen
                picked = pick(rows, pool, vestigingen)
                if picked is not None:
                    c[rows], a[rows] = picked["c"].to_numpy(), picked["a"].to_numpy()
                continue
            people = adults.filter(pl.col("cp") == department) if opened else adults
            places = elsewhere.filter(pl.col("ca") == department) if opened else elsewhere
            if not elsewhere.height:  # nowhere else to go: the case is at home
                at_home = np.ones_like(at_home)
            home = rows[at_home[rows]]
            away = rows[~at_home[rows]]
            homes = people.filter(pl.col("ca") == department) if opened else people
            picked = pick(home, homes, adults)
            if picked is not None:
                p[home], a[home] = picked["p"].to_numpy(), picked["a"].to_numpy()
            picked, place = pick(away, people, adults), pick(away, places, elsewhere)
            if picked is not None and place is not None:
                p[away], a[away] = picked["p"].to_numpy(), place["a"].to_numpy()
    keep = a >= 0
    return pl.DataFrame(
        {
            "_p": pl.Series(p).scatter(np.flatnonzero(p < 0), None),
            "_c": pl.Series(c).scatter(np.flatnonzero(c < 0), None),
            "_a": a,
            "_open": is_open & open_ok,
            "_keep": keep,
        }
    )


def _handhaving(
    rng: np.random.Generator, town: Municipality, n: int, pools: _Pools
) -> pl.DataFrame:
    adults, vestigingen, addresses = pools
    today = town.today
    kind = _choose(rng, ZAAKTYPES, n)
    zaaktype = np.array([z[0] for z in ZAAKTYPES])[kind]
    company = rng.random(n) < np.array([z[2] for z in ZAAKTYPES])[kind]
    at_home = np.array([z[3] for z in ZAAKTYPES])[kind]
    is_open = rng.random(n) < 0.35
    dwellings = addresses.filter(pl.col("dwelling"))
    entities = _entities(
        rng,
        company=company,
        is_open=is_open,
        at_home=at_home,
        department=HANDHAVING,
        adults=adults,
        vestigingen=vestigingen,
        elsewhere=dwellings,
    )
    kept = entities["_keep"].to_numpy()
    entities, zaaktype = entities.filter(pl.col("_keep")).drop("_keep"), zaaktype[kept]
    n = entities.height
    opened = entities["_open"].to_numpy()
    start = np.where(opened, today - rng.integers(5, 400, n), today - rng.integers(60, 1500, n))
    span = np.minimum(400, today - start - 1)
    end = start + (rng.random(n) * (span - 14)).astype(np.int64) + 14
    return entities.drop("_open").with_columns(
        zaaktype=pl.Series(zaaktype),
        grondslag=pl.Series(grondslag(rng, zaaktype)),
        status=pl.Series(np.where(opened, OPEN_CASE, CLOSED_CASE)),
        datum_start=as_dates(start),
        datum_einde=as_dates(end).scatter(np.flatnonzero(opened), None),
    )


def _vergunningen(
    rng: np.random.Generator, town: Municipality, n: int, pools: _Pools, handhaving: pl.DataFrame
) -> pl.DataFrame:
    adults, vestigingen, addresses = pools
    today = town.today
    # Nobody with a Damocles case applies, nor anyone who shares name and birth date with them.
    damocles = handhaving.filter(pl.col("zaaktype").is_in(DAMOCLES))
    barred_c = damocles["_c"].drop_nulls().unique().to_list()
    barred = town.persons.join(damocles.select(p="_p").drop_nulls(), on="p", how="semi")
    twins = town.persons.join(
        barred.select("voornamen", "voorvoegsel", "geslachtsnaam", "birth"),
        on=["voornamen", "voorvoegsel", "geslachtsnaam", "birth"],
        how="semi",
        nulls_equal=True,
    )["p"]
    adults = adults.filter(~pl.col("p").is_in(twins.to_list()))
    vestigingen = vestigingen.filter(~pl.col("c").is_in(barred_c))

    kind = _choose(rng, VERGUNNINGTYPES, n)
    vergunningtype = np.array([v[0] for v in VERGUNNINGTYPES])[kind]
    company = rng.random(n) < np.array([v[2] for v in VERGUNNINGTYPES])[kind]
    at_home = np.array([v[3] == "home" for v in VERGUNNINGTYPES])[kind]
    is_open = rng.random(n) < 0.15
    business = addresses.filter(~pl.col("dwelling"))
    entities = _entities(
        rng,
        company=company,
        is_open=is_open,
        at_home=at_home,
        department=VERGUNNINGEN,
        adults=adults,
        vestigingen=vestigingen,
        elsewhere=business,
    )
    kept = entities["_keep"].to_numpy()
    entities, vergunningtype = entities.filter(pl.col("_keep")).drop("_keep"), vergunningtype[kept]
    n = entities.height
    opened = entities["_open"].to_numpy()
    applied = np.where(opened, today - rng.integers(0, 150, n), today - rng.integers(30, 1100, n))
    span = np.minimum(120, today - applied)
    decided = applied + (rng.random(n) * (span - 10)).astype(np.int64) + 10
    draw = rng.random(n)
    status = np.where(
        opened,
        np.where(draw < 0.4, "aangevraagd", "in_behandeling"),
        np.where(draw < 0.8, "verleend", np.where(draw < 0.92, "geweigerd", "ingetrokken")),
    )
    return entities.drop("_open").with_columns(
        vergunningtype=pl.Series(vergunningtype),
        status=pl.Series(status),
        datum_aanvraag=as_dates(applied),
        datum_besluit=as_dates(decided).scatter(np.flatnonzero(opened), None),
    )


def _meldingen(rng: np.random.Generator, town: Municipality, n: int, pools: _Pools) -> pl.DataFrame:
    _, _, addresses = pools
    today = town.today
    places = max(1, int(np.ceil(n / 1.5)))
    dwelling = addresses.filter(pl.col("dwelling"))
    business = addresses.filter(~pl.col("dwelling"))
    k_business = min(business.height, int(places * 0.2))
    chosen = pl.concat(
        [
            dwelling[
                rng.choice(
                    dwelling.height, min(dwelling.height, places - k_business), replace=False
                )
            ],
            business[rng.choice(business.height, k_business, replace=False)],
        ]
    )
    count = np.minimum(rng.geometric(0.6, chosen.height), 4)
    at = np.repeat(np.arange(chosen.height), count)[:n]
    bron = np.array([b for b, _ in BRONNEN])[_choose(rng, BRONNEN, chosen.height)]
    a = chosen["a"].to_numpy()[at]
    oov = chosen["ca"].to_numpy()[at] == OOV
    # Only oov-class addresses get recent meldingen (recent ones are open oov matters).
    day = np.where(
        oov,
        today - rng.integers(0, 1100, at.size),
        today - rng.integers(MELDING_RECENT_DAYS, 1100, at.size),
    )
    categorie = np.array([c for c, _ in CATEGORIEEN])[_choose(rng, CATEGORIEEN, at.size)]
    return pl.DataFrame(
        {
            "_a": a.astype(np.int64),
            "bron": bron[at],
            "categorie": categorie,
            "datum": as_dates(day),
        }
    )


def build_background_cases(rng: np.random.Generator, town: Municipality, addresses: int) -> None:
    """Add the background vergunningen, handhaving cases and meldingen to the town."""
    pools = _pools(town)
    handhaving = _handhaving(rng, town, max(2, round(0.01 * addresses)), pools)
    vergunningen = _vergunningen(rng, town, max(2, round(0.02 * addresses)), pools, handhaving)
    meldingen = _meldingen(rng, town, max(3, round(0.03 * addresses)), pools)
    for name, frame in (
        ("handhaving", handhaving),
        ("vergunningen", vergunningen),
        ("meldingen", meldingen),
    ):
        town.add(name, frame.with_columns(_planted=pl.lit(False)))
