"""BAG of the synthetic municipality: kernen, streets, postcodes and nummeraanduidingen.

    >>> bag = build_bag(np.random.default_rng(7), 300, Identifiers(np.random.default_rng(8)))
    >>> bag.height
    300

One row per nummeraanduiding (one verblijfsobject each). Besides the canonical
BAG columns the frame carries the row index ``a`` (how every other module
refers to an address) and a few private columns (``_street``, ``_kern``, ...)
that the clerks need to type an address that a careful reader can still find.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from vik.demo.identifiers import Identifiers, as_text
from vik.demo.names import COMMON_STREETS, KERNEN, SPECIAL_STREETS, street_pool

# House-number patterns as a real BAG has them: (huisletter, toevoeging) per nummeraanduiding.
_PATTERNS: tuple[tuple[tuple[tuple[str | None, str | None], ...], float], ...] = (
    (((None, None),), 0.855),
    (((None, None), ("A", None)), 0.03),
    ((("A", None), ("B", None)), 0.02),
    ((("A", None), ("B", None), ("C", None)), 0.005),
    (((None, None), (None, "1"), (None, "2")), 0.016),  # shop with flats above
    (((None, "1"), (None, "2"), (None, "3")), 0.012),
    (((None, "H"), (None, "1")), 0.012),
    (((None, None), (None, "bis")), 0.004),
    (((None, "H"), (None, "I"), (None, "II"), (None, "III")), 0.004),
    (((None, "1"), (None, "2")), 0.042),
)
_PATTERN_LEN = np.array([len(p) for p, _ in _PATTERNS])
_PATTERN_START = np.concatenate([[0], np.cumsum(_PATTERN_LEN)[:-1]])
_PATTERN_P = np.array([w for _, w in _PATTERNS]) / sum(w for _, w in _PATTERNS)
_FLAT_LETTER = np.array([letter or "" for p, _ in _PATTERNS for letter, _ in p])
_FLAT_TOEV = np.array([toev or "" for p, _ in _PATTERNS for _, toev in p])
# The bare number of a "shop with flats above" pattern is the shop.
_FLAT_SHOP = np.array(
    [i == 0 and len(p) == 3 and p[1][1] == "1" for p, _ in _PATTERNS for i in range(len(p))]
)

# Postcode letters: F, I, O, Q, U and Y are not used, nor SA, SD and SS.
_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
_PAIRS = np.array([a + b for a in _LETTERS for b in _LETTERS if a + b not in ("SA", "SD", "SS")])
_POSTCODES_PER_AREA = 250

WOON = "woonfunctie"
GEBRUIKSDOELEN = (
    (WOON, 0.872),
    ("woonfunctie;winkelfunctie", 0.016),
    ("kantoorfunctie", 0.032),
    ("winkelfunctie", 0.03),
    ("industriefunctie", 0.02),
    ("bijeenkomstfunctie", 0.012),
    ("gezondheidszorgfunctie", 0.006),
    ("onderwijsfunctie", 0.003),
    ("logiesfunctie", 0.003),
    ("sportfunctie", 0.002),
    ("kantoorfunctie;winkelfunctie", 0.004),
)
_DOEL_NAMES = np.array([d for d, _ in GEBRUIKSDOELEN])
_DOEL_P = np.array([w for _, w in GEBRUIKSDOELEN]) / sum(w for _, w in GEBRUIKSDOELEN)
# Median floor area and spread (lognormal sigma), clipped to a plausible range.
_AREA = {
    WOON: (105, 0.35, 18, 450),
    "kantoorfunctie": (180, 0.9, 25, 5000),
    "winkelfunctie": (120, 0.8, 20, 3000),
    "industriefunctie": (600, 0.9, 50, 20000),
    "bijeenkomstfunctie": (250, 0.7, 40, 3000),
}
_APARTMENT_AREA = (68, 0.3, 18, 250)
_OTHER_AREA = (300, 0.8, 30, 5000)


def area(rng: np.random.Generator, size: int, doel: str, apartment: bool = False) -> np.ndarray:
    """Plausible floor areas in m² for one gebruiksdoel."""
    first = doel.split(";")[0]
    median, sigma, low, high = (
        _APARTMENT_AREA if apartment and first == WOON else _AREA.get(first, _OTHER_AREA)
    )
    return np.clip(np.round(median * rng.lognormal(0.0, sigma, size)), low, high)


def _kern_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    kernen = 3 if n < 3000 else min(len(KERNEN), 3 + int(np.log2(n / 1000)))
    shares = np.concatenate([[0.5], rng.dirichlet(np.full(kernen - 1, 2.0)) * 0.5])
    sizes = np.floor(shares * n).astype(np.int64)
    sizes[0] += n - sizes.sum()
    return sizes


def _street_names(rng: np.random.Generator, counts: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Street names per kern: unique within a kern; common names recur across kernen."""
    pool = np.array(street_pool())
    names: list[str] = []
    kern_of: list[int] = []
    for kern, count in enumerate(counts):  # a handful of kernen
        commons = list(COMMON_STREETS[: 2 + kern % 3]) if kern else list(COMMON_STREETS[:2])
        first = commons + (list(SPECIAL_STREETS) + list(COMMON_STREETS[2:]) if kern == 0 else [])
        first = first[:count]
        rest = pool[rng.permutation(pool.size)[: count - len(first)]].tolist()
        if len(first) + len(rest) < count:
            raise ValueError("te veel straten voor de straatnamenlijst")
        names.extend(first + rest)
        kern_of.extend([kern] * count)
    return names, np.array(kern_of)


def build_bag(rng: np.random.Generator, n: int, ids: Identifiers) -> pl.DataFrame:
    """n nummeraanduidingen in a few kernen; see the module docstring for the columns."""
    kern_sizes = _kern_sizes(rng, n)
    mean_street = float(np.clip(n / 100, 12, 45))
    street_counts = np.maximum(3, np.round(kern_sizes / mean_street)).astype(np.int64)
    street_counts = np.minimum(street_counts, kern_sizes)
    names, street_kern = _street_names(rng, street_counts)
    streets = len(names)

    # Addresses per street: at least one each, the rest spread with a long tail.
    lengths = np.ones(streets, dtype=np.int64)
    for kern, size in enumerate(kern_sizes):  # a handful of kernen
        mine = np.flatnonzero(street_kern == kern)
        weights = rng.lognormal(0.0, 0.7, mine.size)
        lengths[mine] += rng.multinomial(size - mine.size, weights / weights.sum())

    # One slot per house number (a slot yields one or more nummeraanduidingen);
    # a street gets as many slots as addresses and is cut off at its length.
    slot_street = np.repeat(np.arange(streets), lengths)
    slot_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    steps = 1 + (rng.random(slot_street.size) < 0.08)
    run = np.cumsum(steps)
    number = run - (run[slot_start] - steps[slot_start])[slot_street] + 1
    pattern = rng.choice(len(_PATTERNS), size=slot_street.size, p=_PATTERN_P)

    plen = _PATTERN_LEN[pattern]
    row_slot = np.repeat(np.arange(slot_street.size), plen)
    within = np.arange(row_slot.size) - np.repeat(np.cumsum(plen) - plen, plen)
    flat = _PATTERN_START[pattern[row_slot]] + within
    row_street = slot_street[row_slot]
    street_row_start = np.searchsorted(row_street, np.arange(streets))
    position = np.arange(row_street.size) - street_row_start[row_street]
    keep = position < lengths[row_street]
    row_slot, flat, row_street, position = (
        row_slot[keep],
        flat[keep],
        row_street[keep],
        position[keep],
    )
    assert row_street.size == n

    # One postcode per stretch of 10-25 addresses; each kern has its own 4-digit areas.
    stretch = rng.integers(10, 26, streets)
    new_postcode = position % stretch[row_street] == 0
    postcode_id = np.cumsum(new_postcode) - 1
    row_kern = street_kern[row_street]
    kern_first = postcode_id[np.searchsorted(row_kern, np.arange(len(kern_sizes)))]
    in_kern = postcode_id - kern_first[row_kern]
    areas_per_kern = (
        np.bincount(row_kern, weights=new_postcode, minlength=len(kern_sizes))
        // _POSTCODES_PER_AREA
        + 1
    )
    gaps = rng.integers(1, 4, len(kern_sizes))
    span = int((areas_per_kern + gaps).sum())
    base = int(rng.integers(1000, 9999 - span))
    kern_base = base + np.concatenate([[0], np.cumsum(areas_per_kern + gaps)[:-1]])
    digits = kern_base[row_kern] + in_kern // _POSTCODES_PER_AREA
    pair_index = (in_kern % _POSTCODES_PER_AREA) * len(_PAIRS) // _POSTCODES_PER_AREA

    # Gebruiksdoel: mostly dwellings; business streets and shop patterns lean to business.
    doel = rng.choice(len(_DOEL_NAMES), size=n, p=_DOEL_P)
    street_names = pl.Series(names)
    business_street = (street_names.str.contains("Industrie|Rijksweg")).to_numpy()
    market_street = street_names.is_in(["Markt", "Hoofdstraat", "Plein 1945"]).to_numpy()
    draw = rng.random(n)
    index = {name: i for i, name in enumerate(_DOEL_NAMES)}
    doel = np.where(
        business_street[row_street] & (draw < 0.7),
        np.where(draw < 0.4, index["industriefunctie"], index["kantoorfunctie"]),
        doel,
    )
    doel = np.where(
        market_street[row_street] & (draw < 0.5),
        np.where(draw < 0.35, index["winkelfunctie"], index["bijeenkomstfunctie"]),
        doel,
    )
    doel = np.where(_FLAT_SHOP[flat] & (draw < 0.6), index["woonfunctie;winkelfunctie"], doel)

    apartment = (_FLAT_TOEV[flat] != "") | (_FLAT_LETTER[flat] != "")
    surface = np.zeros(n)
    for i, name in enumerate(_DOEL_NAMES):  # a dozen gebruiksdoelen
        for flat_kind in (False, True):
            mask = (doel == i) & (apartment == flat_kind)
            if mask.any():
                surface[mask] = area(rng, int(mask.sum()), str(name), flat_kind)
    unknown = rng.random(n) < 0.003

    nummeraanduiding = ids.bag_id("20", n)
    verblijfsobject = ids.bag_id("01", n)
    frame = pl.DataFrame(
        {
            "a": np.arange(n, dtype=np.int64),
            "nummeraanduiding_id": as_text(nummeraanduiding, 16),
            "verblijfsobject_id": as_text(verblijfsobject, 16),
            "straatnaam": street_names.gather(row_street),
            "huisnummer": number[row_slot].astype(np.int64),
            "huisletter": pl.Series(_FLAT_LETTER).gather(flat),
            "huisnummertoevoeging": pl.Series(_FLAT_TOEV).gather(flat),
            "postcode": pl.Series(digits.astype(np.int64)).cast(pl.String)
            + pl.Series(_PAIRS).gather(pair_index),
            "woonplaats": pl.Series(KERNEN).gather(row_kern),
            "gebruiksdoel": pl.Series(_DOEL_NAMES).gather(doel),
            "oppervlakte": pl.Series(surface.astype(np.int64)).scatter(
                np.flatnonzero(unknown), None
            ),
            "_street": row_street.astype(np.int64),
            "_kern": row_kern.astype(np.int64),
        }
    ).with_columns(
        pl.col("huisletter").replace("", None),
        pl.col("huisnummertoevoeging").replace("", None),
    )
    return with_address_facts(frame)


def with_address_facts(bag: pl.DataFrame) -> pl.DataFrame:
    """Private facts the clerks and the planted cases need about each address.

    _street_shared: the street name exists in more than one kern.
    _bare_exists: the house number also exists without letter and toevoeging.
    _street_max: the highest house number of the street.
    _dwelling / _only_woon: gebruiksdoel contains / is exactly woonfunctie.
    """
    bare = bag.filter(pl.col("huisletter").is_null() & pl.col("huisnummertoevoeging").is_null())
    bare = bare.select("_street", "huisnummer").unique().with_columns(_bare_exists=pl.lit(True))
    kernen_per_name = bag.group_by("straatnaam").agg(_street_shared=pl.col("_kern").n_unique() > 1)
    return (
        bag.drop(
            [
                c
                for c in (
                    "_street_shared",
                    "_bare_exists",
                    "_street_max",
                    "_dwelling",
                    "_only_woon",
                )
                if c in bag.columns
            ]
        )
        .join(kernen_per_name, on="straatnaam", how="left", maintain_order="left")
        .join(bare, on=["_street", "huisnummer"], how="left", maintain_order="left")
        .with_columns(
            pl.col("_bare_exists").fill_null(False),
            pl.col("huisnummer").max().over("_street").alias("_street_max"),
            pl.col("gebruiksdoel").str.contains(WOON).alias("_dwelling"),
            (pl.col("gebruiksdoel") == WOON).alias("_only_woon"),
        )
    )
