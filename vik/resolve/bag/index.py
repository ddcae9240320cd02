"""The BAG as the address resolver looks it up: comparable keys, the index, and typed streets and places found in it.

    >>> index = build_index(bag)                 # the ingested BAG extract
    >>> matches = street_matches(readings, index, AddressMatchSettings())  # doctest: +SKIP

A typed street key must reach ``street_cutoff`` (rapidfuzz ratio, 0-100) against
a BAG street key; streets within ``street_margin`` of the best (about one
substitution in a ten-letter name) stay candidates, so that two near-identical
streets make the address ambiguous rather than guessed. Typed streets are matched
with one batched ``cdist`` call per chunk of distinct names, never per record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from vik.connectors.model import ADDRESS_PARTS, ADDRESS_TEXT
from vik.resolve.addresses import normalise_suffix
from vik.resolve.names import fold

# What a record may carry about its address (all optional): the parts of the
# source registry, the place, the free text and a delivered nummeraanduiding.
RECORD_COLUMNS: dict[str, type[pl.DataType]] = {
    **{part: pl.Int64 if part == "huisnummer" else pl.String for part in ADDRESS_PARTS},
    "woonplaats": pl.String,
    ADDRESS_TEXT: pl.String,
    "nummeraanduiding_id": pl.String,
}
_CHUNK = 2048  # typed streets per cdist call: bounds memory on messy extracts


class AddressMatchSettings(BaseModel):
    """Thresholds of the address resolver (config/resolve.yaml, key addresses)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    street_cutoff: float = Field(
        85.0,
        ge=0,
        le=100,
        description="Een getypte straat lijkt op een BAG-straat vanaf deze score (0-100).",
    )
    street_margin: float = Field(
        6.0,
        ge=0,
        le=100,
        description="BAG-straten binnen zoveel punten van de beste blijven kandidaat: twee "
        "bijna gelijke straten maken het adres dubbelzinnig in plaats van gegokt.",
    )
    street_agrees: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Gelijkenis (0-1) waarmee de getypte straat moet kloppen bij een adres "
        "gevonden via postcode en huisnummer.",
    )
    place_cutoff: float = Field(
        85.0,
        ge=0,
        le=100,
        description="Een getypte woonplaats lijkt op een BAG-woonplaats vanaf deze score (0-100).",
    )


# Abbreviations in street names, as whole words (folded, dot removed).
_WORDS = {
    "burg": "burgemeester",
    "st": "sint",
    "dr": "dokter",
    "prof": "professor",
    "kon": "koningin",
    "pr": "prinses",
    "pres": "president",
    "gen": "generaal",
    "past": "pastoor",
    "weth": "wethouder",
    "mr": "meester",
    "mgr": "monseigneur",
    "jhr": "jonkheer",
    "gebr": "gebroeders",
    "eerste": "1e",
    "tweede": "2e",
    "derde": "3e",
    "vierde": "4e",
}
# Abbreviated endings of the last word: Kerkstr., Beukenln, Oranjesngl.
_ENDINGS = (
    (r"str$", "straat"),
    (r"ln$", "laan"),
    (r"sngl$", "singel"),
    (r"pln$", "plein"),
    (r"gr$", "gracht"),
    (r"kd$", "kade"),
    (r"wg$", "weg"),
)


def street_key(street: pl.Expr) -> pl.Expr:
    """A street name as a comparable key: 'Burg. v.d. Kerkstr.' and
    'Burgemeester van der Kerkstraat' both become 'burgemeestervanderkerkstraat'."""
    text = fold(street).str.replace_all(r"\bv\.?\s?d\.?\s", "van der ")
    text = text.str.replace_all(r"\bv\.\s", "van ").str.replace_all(r"[.,]", " ")
    words = text.str.split(" ").list.eval(pl.element().filter(pl.element() != "").replace(_WORDS))
    key = words.list.join(" ")
    for pattern, replacement in _ENDINGS:
        key = key.str.replace(pattern, replacement)
    return key.str.replace_all(r"[^a-z0-9]", "")


def place_key(place: pl.Expr) -> pl.Expr:
    return fold(place).str.replace(r"^gemeente\s+", "").str.replace_all(r"[^a-z0-9]", "")


def _suffix_display(letter: pl.Expr, addition: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [letter.fill_null(""), addition.fill_null("")], separator="-"
    ).str.strip_chars("-")


@dataclass(frozen=True)
class BagIndex:
    """The BAG as the resolver looks it up: one row per nummeraanduiding, keyed."""

    addresses: pl.DataFrame  # nummeraanduiding_id, street, nr, suffix, postcode, place, labels
    streets: pl.Series  # distinct street keys
    places: pl.Series  # distinct place keys

    @property
    def ids(self) -> pl.Series:
        return self.addresses["nummeraanduiding_id"]


def build_index(bag: pl.DataFrame) -> BagIndex:
    """Index an ingested BAG extract (nummeraanduiding_id, straatnaam, huisnummer,
    huisletter, huisnummertoevoeging, postcode, woonplaats; letter and addition optional)."""
    bag = bag.with_columns(
        (pl.col(c) if c in bag.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in RECORD_COLUMNS.items()
        if c not in ("adres",)
    )
    addresses = bag.select(
        pl.col("nummeraanduiding_id"),
        street_key(pl.col("straatnaam")).alias("b_street"),
        pl.col("huisnummer").cast(pl.Int64).alias("nr"),
        normalise_suffix(
            pl.concat_str(
                [pl.col("huisletter").fill_null(""), pl.col("huisnummertoevoeging").fill_null("")]
            )
        ).alias("b_suffix"),
        pl.col("postcode").alias("b_postcode"),
        place_key(pl.col("woonplaats")).fill_null("").alias("b_place"),
        pl.col("straatnaam").alias("b_straatnaam"),
        _suffix_display(pl.col("huisletter"), pl.col("huisnummertoevoeging")).alias("b_display"),
    ).filter(pl.col("nummeraanduiding_id").is_not_null())
    return BagIndex(
        addresses=addresses,
        streets=addresses["b_street"].drop_nulls().unique().sort(),
        places=addresses["b_place"].filter(addresses["b_place"] != "").unique().sort(),
    )


def _best_matches(
    typed: pl.Series, choices: pl.Series, cutoff: float, margin: float
) -> pl.DataFrame:
    """typed value → every choice within `margin` of its best score (≥ cutoff), one cdist per chunk."""
    columns = {"typed": pl.String, "match": pl.String, "score": pl.Float64}
    if typed.len() == 0 or choices.len() == 0:
        return pl.DataFrame(schema=columns)
    choice_list = choices.to_list()
    frames = []
    for start in range(0, typed.len(), _CHUNK):
        chunk = typed.slice(start, _CHUNK)
        scores = process.cdist(
            chunk.to_list(),
            choice_list,
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            dtype=np.float32,
            workers=-1,
        )
        best = scores.max(axis=1, keepdims=True)
        keep = (scores >= cutoff) & (scores >= best - margin)
        rows, cols = np.nonzero(keep)
        frames.append(
            pl.DataFrame(
                {
                    "typed": chunk.gather(rows),
                    "match": choices.gather(cols),
                    "score": scores[rows, cols].astype(np.float64),
                },
                schema=columns,
            )
        )
    return pl.concat(frames)


def street_matches(
    readings: pl.DataFrame, index: BagIndex, settings: AddressMatchSettings
) -> pl.DataFrame:
    """Typed street key → BAG street keys with a similarity in [0, 1]."""
    typed = readings["street"].drop_nulls().unique()
    known = pl.DataFrame({"street": index.streets})
    exact = pl.DataFrame({"street": typed}).join(known, on="street", how="semi")
    exact = exact.select(
        "street", pl.col("street").alias("b_street"), pl.lit(1.0).alias("street_score")
    )
    rest = typed.filter(~typed.is_in(index.streets.implode()))
    # Numbers in a street name are part of its identity: Plein 1944 is not Plein 1945.
    digits = pl.col("typed").str.replace_all(r"[^0-9]", "")
    fuzzy = (
        _best_matches(rest, index.streets, settings.street_cutoff, settings.street_margin)
        .filter(digits == pl.col("match").str.replace_all(r"[^0-9]", ""))
        .select(
            pl.col("typed").alias("street"),
            pl.col("match").alias("b_street"),
            (pl.col("score") / 100).alias("street_score"),
        )
    )
    return pl.concat([exact, fuzzy])


def place_matches(
    readings: pl.DataFrame, index: BagIndex, settings: AddressMatchSettings
) -> pl.DataFrame:
    """Typed place key → BAG place key (exact, or the single best fuzzy match)."""
    typed = readings["place"].drop_nulls().unique()
    typed = typed.filter(typed != "")
    exact = typed.filter(typed.is_in(index.places.implode()))
    fuzzy = (
        _best_matches(
            typed.filter(~typed.is_in(index.places.implode())),
            index.places,
            settings.place_cutoff,
            0.0,
        )
        .filter(pl.len().over("typed") == 1)
        .select(pl.col("typed").alias("place"), pl.col("match").alias("b_place_typed"))
    )
    return pl.concat(
        [pl.DataFrame({"place": exact, "b_place_typed": exact}), fuzzy], how="vertical_relaxed"
    )
