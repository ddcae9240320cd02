"""How clerks type names, company names, dates and addresses into process systems.

Each function takes a frame with the truth (BRP names, BAG address parts) and
returns what ends up in a vergunningen, handhaving or meldingen extract:
``Achternaam, Voornaam``, initials, upper case, a lost or glued voorvoegsel,
dropped diacritics, ij for y, a one-character typo; addresses as parts or as
one free-text ``adres`` (``Kerkstr. 12-a, 3811 AB Lindewaard``).

    >>> typed = type_person_names(frame, rng)  # doctest: +SKIP
    >>> typed.to_list()[:2]
    ['Vries, Pieter de', 'P.J. DE VRIES']

Every typed address stays resolvable to exactly one BAG nummeraanduiding by a
careful reader: a street typo always comes with the postcode, a street name
that exists in several kernen never stands alone, and a letter or toevoeging
is never dropped. Only rows marked ``_unresolvable`` are typed so that no
reader can find the address (a house number the street does not have, or a
number without the letter where BAG has only lettered variants).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from vik.demo.names import PLAIN_LETTERS

NAME_STYLES = 6  # see _name_expr
_NAME_STYLE_P = np.array([0.3, 0.12, 0.12, 0.2, 0.12, 0.14])
_TYPO_CHARS = pl.Series(list("aeiourstnlkdm"))
_ABBREVIATIONS = (
    (r"^Burgemeester ", "Burg. "),
    (r"^Sint ", "St. "),
    (r"^Dokter ", "Dr. "),
    (r"^Professor ", "Prof. "),
    (r"^Koningin ", "Kon. "),
    (r"^Prinses ", "Pr. "),
    (r"^Generaal ", "Gen. "),
    (r"^Pastoor ", "Past. "),
    (r"^Wethouder ", "Weth. "),
    (r"^Meester ", "Mr. "),
    (r"^1e ", "Eerste "),
    (r"^2e ", "Tweede "),
    (r" van der ", " v.d. "),
    (r"straat$", "str."),
    (r"laan$", "ln."),
    (r"singel$", "sngl."),
)


def _random_columns(rng: np.random.Generator, n: int, names: tuple[str, ...]) -> dict[str, Any]:
    draws = rng.random((n, len(names)))
    return {name: draws[:, i] for i, name in enumerate(names)}


def typo(text: pl.Expr, where: pl.Expr, position: pl.Expr, kind: pl.Expr, char: pl.Expr) -> pl.Expr:
    """One-character typo (dropped, swapped, replaced or doubled), never in the first letter.

    ``position`` and ``kind`` are uniform draws in [0, 1).
    """
    length = text.str.len_chars()
    at = (1 + (position * (length - 2)).floor()).cast(pl.Int64)
    head = text.str.slice(0, at)
    current = text.str.slice(at, 1)
    following = text.str.slice(at + 1, 1)
    dropped = head + text.str.slice(at + 1)
    swapped = head + following + current + text.str.slice(at + 2)
    replaced = head + char + text.str.slice(at + 1)
    doubled = head + current + current + text.str.slice(at + 1)
    changed = (
        pl.when(kind < 0.3)
        .then(dropped)
        .when(kind < 0.55)
        .then(swapped)
        .when(kind < 0.85)
        .then(replaced)
        .otherwise(doubled)
    )
    return pl.when(where & (length >= 4)).then(changed).otherwise(text)


def plain(text: pl.Expr) -> pl.Expr:
    """Diacritics dropped the way a Dutch keyboard drops them (Öztürk → Ozturk)."""
    return text.str.replace_many(PLAIN_LETTERS)


def _capitalised(text: pl.Expr) -> pl.Expr:
    return text.str.slice(0, 1).str.to_uppercase() + text.str.slice(1)


def _name_expr(style: pl.Expr) -> pl.Expr:
    """The typed name per style, from the prepared parts of type_person_names."""
    first, initials, full = pl.col("_first"), pl.col("_initials"), pl.col("voornamen")
    surname, sort_surname = pl.col("_surname"), pl.col("_sort_surname")
    gn, vv = pl.col("_gn"), pl.col("_vv")
    return (
        pl.when(style == 0)
        .then(pl.concat_str(first, surname, separator=" ", ignore_nulls=True))
        .when(style == 1)
        .then(
            pl.concat_str(
                pl.concat_str(gn, pl.lit(","), ignore_nulls=True),
                first,
                vv,
                separator=" ",
                ignore_nulls=True,
            )
        )
        .when(style == 2)
        .then(pl.concat_str(sort_surname + pl.lit(","), first, separator=" ", ignore_nulls=True))
        .when(style == 3)
        .then(pl.concat_str(initials, surname, separator=" ", ignore_nulls=True))
        .when(style == 4)
        .then(pl.concat_str(sort_surname + pl.lit(","), initials, separator=" ", ignore_nulls=True))
        .otherwise(pl.concat_str(full, surname, separator=" ", ignore_nulls=True))
    )


def type_person_names(
    frame: pl.DataFrame, rng: np.random.Generator, *, typo_share: float = 0.07
) -> pl.Series:
    """Names as typed; frame has voornamen, voorvoegsel, geslachtsnaam, optional _name_style."""
    n = frame.height
    r = _random_columns(rng, n, ("vv", "typo", "pos", "kind", "plain", "ij", "case"))
    style = rng.choice(NAME_STYLES, size=n, p=_NAME_STYLE_P)
    work = frame.select("voornamen", "voorvoegsel", "geslachtsnaam").with_columns(
        pl.Series("_style", style, dtype=pl.Int64),
        *(pl.Series(f"_r_{k}", v) for k, v in r.items()),
        _char=_TYPO_CHARS.gather(rng.integers(0, _TYPO_CHARS.len(), n)),
    )
    if "_name_style" in frame.columns:
        work = work.with_columns(
            pl.coalesce(frame["_name_style"], pl.col("_style")).alias("_style")
        )
    vv_mode = pl.col("_r_vv")
    vv = pl.col("voorvoegsel")
    # Each step is its own column: nesting the expressions would grow them exponentially.
    work = work.with_columns(
        _gn0=typo(
            pl.col("geslachtsnaam"),
            pl.col("_r_typo") < typo_share,
            pl.col("_r_pos"),
            pl.col("_r_kind"),
            pl.col("_char"),
        )
    )
    gn = pl.col("_gn0")
    has_vv = vv.is_not_null()
    abbreviated_vv = (
        vv.str.replace(r"^van de[rn]?$", "v.d.").str.replace(r"^van$", "v.").str.replace("'t", "t")
    )
    glued = _capitalised(vv.str.replace_all(r"[ ']", "")) + gn.str.to_lowercase()
    work = work.with_columns(
        _first=pl.col("voornamen").str.split(" ").list.first(),
        _initials=pl.col("voornamen")
        .str.split(" ")
        .list.eval(pl.element().str.slice(0, 1) + pl.lit("."))
        .list.join(""),
        # 0-0.05: voorvoegsel lost; 0.05-0.08: glued; 0.08-0.12: abbreviated.
        _vv=pl.when(has_vv & (vv_mode >= 0.12))
        .then(vv)
        .when(has_vv & (vv_mode >= 0.08))
        .then(abbreviated_vv),
        _gn=pl.when(has_vv & (vv_mode >= 0.05) & (vv_mode < 0.08)).then(glued).otherwise(gn),
    )
    work = work.with_columns(
        _surname=pl.concat_str("_vv", "_gn", separator=" ", ignore_nulls=True),
        _sort_surname=pl.concat_str(
            _capitalised(pl.col("_vv")), "_gn", separator=" ", ignore_nulls=True
        ),
    )
    work = work.with_columns(_typed=_name_expr(pl.col("_style")))
    typed = pl.col("_typed")
    work = work.with_columns(
        _typed=pl.when(pl.col("_r_plain") < 0.5).then(plain(typed)).otherwise(typed)
    )
    # ij and y are one sound: Bijl becomes Byl, Meyer becomes Meijer.
    work = work.with_columns(
        _typed=pl.when(pl.col("_r_ij") < 0.25)
        .then(
            typed.str.replace_all("ij", "y").str.replace_all("IJ", "Y").str.replace_all("Ij", "Y")
        )
        .when(pl.col("_r_ij") < 0.4)
        .then(typed.str.replace_all("([eu])y", "${1}ij"))
        .otherwise(typed)
    )
    typed = (
        pl.when(pl.col("_r_case") < 0.15)
        .then(typed.str.to_uppercase())
        .when(pl.col("_r_case") < 0.18)
        .then(typed.str.to_lowercase())
        .otherwise(typed)
    )
    return work.select(typed.alias("naam")).to_series()


def type_company_names(
    names: pl.Series, rng: np.random.Generator, *, typo_share: float = 0.05
) -> pl.Series:
    """Handelsnamen as typed: upper case, legal form dropped or written BV, diacritics, typos."""
    n = names.len()
    r = _random_columns(rng, n, ("form", "typo", "pos", "kind", "plain", "case"))
    work = pl.DataFrame({"name": names}).with_columns(
        *(pl.Series(f"_r_{k}", v) for k, v in r.items()),
        _char=_TYPO_CHARS.gather(rng.integers(0, _TYPO_CHARS.len(), n)),
    )
    name = pl.col("name")
    work = work.with_columns(
        name=pl.when(pl.col("_r_form") < 0.25)
        .then(name.str.replace(r" (B\.V\.|V\.O\.F\.|C\.V\.|U\.A\.)$", ""))
        .when(pl.col("_r_form") < 0.4)
        .then(name.str.replace(r"B\.V\.$", "BV").str.replace(r"V\.O\.F\.$", "VOF"))
        .otherwise(name)
    )
    work = work.with_columns(
        name=typo(
            name,
            pl.col("_r_typo") < typo_share,
            pl.col("_r_pos"),
            pl.col("_r_kind"),
            pl.col("_char"),
        )
    )
    work = work.with_columns(
        name=pl.when(pl.col("_r_plain") < 0.3).then(plain(name)).otherwise(name)
    )
    name = pl.when(pl.col("_r_case") < 0.2).then(name.str.to_uppercase()).otherwise(name)
    return work.select(name.alias("naam")).to_series()


def type_dates(
    values: pl.Series, rng: np.random.Generator, style: pl.Series | None = None
) -> pl.Series:
    """BRP dates (jjjjmmdd, maybe with 00) as typed: jjjj-mm-dd, dd-mm-jjjj or jjjjmmdd.

    ``style`` (0, 1, 2; null = random) fixes the format per row.
    """
    n = values.len()
    drawn = pl.Series("s", rng.choice(3, size=n, p=[0.5, 0.35, 0.15]), dtype=pl.Int64)
    if style is not None:
        drawn = pl.select(pl.coalesce(pl.lit(style), pl.lit(drawn)).alias("s")).to_series()
    work = pl.DataFrame({"d": values, "s": drawn})
    d = pl.col("d")
    y, m, day = d.str.slice(0, 4), d.str.slice(4, 2), d.str.slice(6, 2)
    partial = (m == "00") | (day == "00")
    typed = (
        pl.when(d.is_null())
        .then(None)
        .when((pl.col("s") == 0) | (partial & (pl.col("s") == 1)))
        .then(pl.concat_str(y, m, day, separator="-"))
        .when(pl.col("s") == 1)
        .then(pl.concat_str(day, m, y, separator="-"))
        .otherwise(d)
    )
    return work.select(typed.alias("datum")).to_series()


def _abbreviate(street: pl.Expr) -> pl.Expr:
    for pattern, replacement in _ABBREVIATIONS:
        street = street.str.replace(pattern, replacement)
    return street


def type_addresses(
    frame: pl.DataFrame,
    bag: pl.DataFrame,
    rng: np.random.Generator,
    *,
    text_share: float = 0.5,
    street_typo_share: float = 0.03,
) -> pl.DataFrame:
    """Address columns as a clerk typed them, for the BAG address ``_a`` of each row.

    Optional columns of ``frame``: ``_addr_mode`` (0 parts, 1 free text; null random)
    and ``_unresolvable`` (type the address so that no reader can find it).
    """
    n = frame.height
    keys = (
        "mode",
        "abbr",
        "dot",
        "typo",
        "pos",
        "kind",
        "pc",
        "place",
        "pcfmt",
        "house",
        "sep",
        "tpl",
        "case",
        "lcase",
        "misplace",
        "bad",
    )
    r = _random_columns(rng, n, keys)
    truth = bag.select(
        street="straatnaam",
        nr="huisnummer",
        letter="huisletter",
        toev="huisnummertoevoeging",
        pc="postcode",
        place="woonplaats",
        shared="_street_shared",
        street_max="_street_max",
        bare="_bare_exists",
    )[frame["_a"].to_numpy()]
    mode = pl.Series(r["mode"] < text_share).cast(pl.Int64)
    if "_addr_mode" in frame.columns:
        mode = frame.select(pl.coalesce(pl.col("_addr_mode"), pl.lit(mode))).to_series()
    unresolvable = (
        frame["_unresolvable"].fill_null(False)
        if "_unresolvable" in frame.columns
        else pl.Series(np.zeros(n, bool))
    )
    work = truth.with_columns(
        *(pl.Series(f"_r_{k}", v) for k, v in r.items()),
        _char=_TYPO_CHARS.gather(rng.integers(0, _TYPO_CHARS.len(), n)),
        _as_text=mode == 1,
        _bad=unresolvable,
    )
    c = pl.col
    # Unresolvable: a number without its letter where only lettered variants exist,
    # otherwise a house number beyond the end of the street.
    ambiguous = c("_bad") & c("letter").is_not_null() & ~c("bare")
    work = work.with_columns(
        nr=pl.when(c("_bad") & ~ambiguous)
        .then(c("street_max") + 1 + (c("_r_bad") * 10).floor().cast(pl.Int64))
        .otherwise(c("nr")),
        letter=pl.when(c("_bad")).then(None).otherwise(c("letter")),
        toev=pl.when(c("_bad")).then(None).otherwise(c("toev")),
    )

    # Each step is its own column: nesting the expressions would grow them exponentially.
    work = work.with_columns(
        _typo=(c("_r_typo") < street_typo_share) & ~c("_bad"),
        _street=pl.when(c("_r_abbr") < 0.3).then(_abbreviate(c("street"))).otherwise(c("street")),
    )
    work = work.with_columns(
        _street=pl.when(c("_r_dot") < 0.3)
        .then(c("_street").str.replace(r"(str|ln)\.$", "$1"))
        .otherwise(c("_street"))
    )
    work = work.with_columns(
        _street=typo(c("_street"), c("_typo"), c("_r_pos"), c("_r_kind"), c("_char")),
        _has_pc=c("_typo") | c("_bad") | (c("_r_pc") < 0.75),
    )
    pc = c("pc")
    work = work.with_columns(
        _has_place=(c("_r_place") < 0.6) | (~c("_has_pc") & (c("shared") | (c("_r_place") < 0.8))),
        _postcode=pl.when(c("_r_pcfmt") < 0.5)
        .then(pc)
        .when(c("_r_pcfmt") < 0.85)
        .then(pc.str.slice(0, 4) + " " + pc.str.slice(4))
        .when(c("_r_pcfmt") < 0.95)
        .then(pc.str.to_lowercase())
        .otherwise(pc.str.slice(0, 4) + " " + pc.str.slice(4).str.to_lowercase()),
        _letter=pl.when(c("_r_lcase") < 0.35)
        .then(c("letter").str.to_lowercase())
        .otherwise(c("letter")),
        _place=pl.when(c("_r_case") < 0.1)
        .then(c("place").str.to_uppercase())
        .otherwise(c("place")),
    )
    letter, toev, nr = c("_letter"), c("toev"), c("nr").cast(pl.String)
    numeric_toev = toev.str.contains(r"^\d+$")
    toev_sep = (
        pl.when(c("_r_sep") < 0.65)
        .then(pl.lit("-"))
        .when((c("_r_sep") < 0.8) | numeric_toev)
        .then(pl.lit(" - "))
        .otherwise(pl.lit(" "))
    )
    work = work.with_columns(
        _house=pl.when(letter.is_not_null() & (c("_r_house") < 0.35))
        .then(nr + letter)
        .when(letter.is_not_null() & (c("_r_house") < 0.6))
        .then(nr + " " + letter)
        .when(letter.is_not_null())
        .then(nr + "-" + letter)
        .when((toev == "bis") & (c("_r_sep") > 0.9))
        .then(nr + toev)
        .when(toev.is_not_null())
        .then(nr + toev_sep + toev)
        .otherwise(nr)
    )
    has_pc, has_place, postcode, place = c("_has_pc"), c("_has_place"), c("_postcode"), c("_place")
    main = c("_street") + " " + c("_house")
    work = work.with_columns(
        _text=pl.when(has_pc & has_place & (c("_r_tpl") < 0.7))
        .then(main + ", " + postcode + " " + place)
        .when(has_pc & has_place)
        .then(main + " " + postcode + " " + place)
        .when(has_pc)
        .then(main + ", " + postcode)
        .when(has_place & (c("_r_tpl") < 0.85))
        .then(main + ", " + place)
        .when(has_place)
        .then(main + " te " + place)
        .otherwise(main)
    )
    work = work.with_columns(
        _text=pl.when(c("_r_case") < 0.12)
        .then(c("_text").str.to_uppercase())
        .when(c("_r_case") < 0.2)
        .then(c("_text").str.to_lowercase())
        .otherwise(c("_text")),
        _parts_street=pl.when(c("_r_case") < 0.12)
        .then(c("_street").str.to_uppercase())
        .when(c("_r_case") < 0.2)
        .then(c("_street").str.to_lowercase())
        .otherwise(c("_street")),
    )
    misplaced = c("_r_misplace") < 0.05  # the letter ends up in the toevoeging field
    parts = c("_as_text").not_()
    return work.select(
        straatnaam=pl.when(parts).then(c("_parts_street")),
        huisnummer=pl.when(parts).then(c("nr")),
        huisletter=pl.when(parts & ~misplaced).then(letter),
        huisnummertoevoeging=pl.when(parts).then(
            pl.when(misplaced & letter.is_not_null())
            .then(letter)
            .otherwise(pl.when(c("_r_lcase") < 0.2).then(toev.str.to_lowercase()).otherwise(toev))
        ),
        postcode=pl.when(parts & has_pc).then(postcode),
        woonplaats=pl.when(parts & has_place).then(place),
        adres=pl.when(c("_as_text")).then(c("_text")),
        _resolvable=~c("_bad"),
    )
