"""Dutch name normalisation, vectorised: folding, voorvoegsels, name order, initials, a phonetic key.

    >>> parse_person_names(pl.Series(["Vries, P.J. de", "Mehmet Öztürk", "JANSEN-BIJL, A."]))
    shape: (3, 6)  # given, initials, voorvoegsel, surname, surname_last, phonetic
    >>> fold(pl.lit("Öztürk-Bijl")) → "ozturk-byl"

The same functions serve both sides of a comparison, so a BRP name and a name as
a clerk typed it end up in the same shape: lower case, diacritics folded, ij as y,
the voorvoegsel split off, the given names reduced to what was typed (full names
or initials).
"""

from __future__ import annotations

import polars as pl

# Letters NFKD does not decompose, folded the way Dutch registers spell them.
_EXTRA_FOLDS = {"ı": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d"}

# Voorvoegsels as BRP lists them (Tabel 36), longest first; the abbreviations
# clerks write are expanded before matching.
VOORVOEGSELS = (
    "van de", "van den", "van der", "van het", "van 't", "van ter", "van",
    "de", "den", "der", "het", "'t", "t", "te", "ter", "ten",
    "in de", "in den", "in der", "in het", "in 't",
    "op de", "op den", "op der", "op het", "op 't", "op ten",
    "uit de", "uit den", "uit het", "uit 't", "aan de", "aan den", "aan het",
    "bij de", "bij den", "onder de", "onder den", "over de", "over den",
    "voor de", "voor den", "la", "le", "du", "des", "da", "di", "dos", "von", "zu",
)  # fmt: skip
_PREFIX_WORDS = sorted({w for v in VOORVOEGSELS for w in v.split()}, key=len, reverse=True)
_TITLES = (
    r"^(?:fam\.?|familie|dhr\.?|mevr\.?|mw\.?|de heer|mevrouw|mr\.?|dr\.?|ir\.?|drs\.?|ing\.?)\s+"
)

# Words that make a name a company's, not a person's (with the legal forms below),
# as whole words ...
_COMPANY_WORDS = (
    "holding", "beheer", "bakkerij", "stichting", "vereniging", "thuiszorg",
    "groep", "group", "services", "service", "diensten", "handel", "trading", "bouw",
    "transport", "logistiek", "installatie", "installaties", "schoonmaak", "restaurant", "cafe",
    "eetcafe", "cafetaria", "lunchroom", "snackbar", "pizzeria", "grillroom", "shoarma",
    "coffeeshop", "hotel", "pension", "bistro", "shop", "store", "supermarkt",
    "garage", "autobedrijf", "autohandel", "carwash", "kapsalon", "barbershop", "salon",
    "studio", "administratie", "advies", "consultancy", "international", "nederland",
    "company", "onderneming", "maatschap", "cooperatie", "kinderopvang", "praktijk",
    "centrum", "bureau", "vastgoed", "import", "export", "fotografie", "beveiliging",
    "makelaardij", "klussen", "hoveniers", "fitness", "sportschool",
    "apotheek", "kliniek", "therapie", "fysiotherapie", "telecom", "reisbureau",
    "uitzendbureau", "verhuur", "verhuizingen", "koeriersdienst", "taxi", "ict", "webdesign",
    "bv", "nv", "vof",
)  # fmt: skip
# ... or as the end of a compound word (Schildersbedrijf, Bloemenwinkel, Nagelstudio).
# Words that are also surnames (Winkel, Bakker, Schilder, Zorg) count only inside a compound.
_COMPANY_ENDINGS = (
    "bedrijf", "bedrijven", "winkel", "handel", "studio", "salon", "service", "services",
    "zorg", "bouw", "techniek", "therapie", "praktijk", "centrum", "bureau", "makerij",
    "erij", "shop", "verhuur", "diensten", "groep", "markt", "import", "export", "garage",
    "kantoor", "advies", "design", "wasstraat", "reiniging", "onderhoud", "opvang",
)  # fmt: skip


def _folded_words(words: tuple[str, ...]) -> str:
    """The words folded as `fold` folds names (ij → y), as a regex alternation."""
    return "|".join(sorted({w.replace("ij", "y") for w in words}, key=len, reverse=True))


LEGAL_FORMS = (
    r"b\.?\s?v\.?", r"n\.?\s?v\.?", r"v\.?\s?o\.?\s?f\.?", r"c\.?\s?v\.?", r"u\.?\s?a\.?",
    r"w\.?\s?a\.?", r"eenmanszaak", r"stichting", r"vereniging", r"co[oö]peratie(?:ve vereniging)?",
    r"maatschap", r"i\.?\s?o\.?",
)  # fmt: skip
_LEGAL_FORM_PATTERN = r"(?:^|\s)(?:" + "|".join(LEGAL_FORMS) + r")(?:\s|$)"
# A run of dotted letters made of legal forms only ('b.v.i.o.': B.V. in oprichting).
_LEGAL_RUN_PATTERN = r"(?:^|\s)(?:" + "|".join(LEGAL_FORMS) + r")+(?:\s|$)"


def fold(text: pl.Expr) -> pl.Expr:
    """Lower case, diacritics folded (Öztürk → ozturk, Yılmaz → yilmaz), ij as y."""
    folded = text.str.to_lowercase().str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    folded = folded.str.replace_many(list(_EXTRA_FOLDS), list(_EXTRA_FOLDS.values()))
    return folded.str.replace_all("ij", "y", literal=True)


def _squash(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"\s+", " ").str.strip_chars()


def phonetic(text: pl.Expr) -> pl.Expr:
    """A Dutch sound key of a (folded) surname: close spellings share it.

    Jansen/Janssen/Jansens → jansn; de Vries/Fries → fris; Meijer/Meyer/Mijer → myr.
    Rules: sch→s, ch→g, c→k (before a, o, u, consonants) or s, ph→f, v→f, z→s, dt/d
    at the end→t, y/ij→i, vowels after the first letter dropped, doubles collapsed.
    """
    key = text.str.replace_all(r"[^a-z]", "")
    for pattern, replacement in (
        (r"sch", "s"),
        (r"ch", "g"),
        (r"c([eiy])", "s${1}"),
        (r"c", "k"),
        (r"ph", "f"),
        (r"q", "k"),
        (r"x", "ks"),
        (r"v", "f"),
        (r"w", "v"),
        (r"z", "s"),
        (r"dt$", "t"),
        (r"d$", "t"),
        (r"y", "i"),
        (r"h", ""),
    ):
        key = key.str.replace_all(pattern, replacement)
    first = key.str.slice(0, 1)
    key = first + key.str.slice(1).str.replace_all(r"[aeiou]", "")
    # Doubles collapse (the regex engine has no back-references: one pattern per letter).
    for letter in "bdfgjklmnprstv":
        key = key.str.replace_all(f"{letter}{letter}+", letter)
    return key.str.slice(0, 8)


def initials_as_runs(folded: pl.Expr) -> pl.Expr:
    """Initials typed with spaces as one run: 'a. i. o. de vries' → 'a.i.o. de vries'."""
    for _ in range(4):  # one more initial joined per pass; five initials is a long name
        folded = folded.str.replace_all(r"(^|\s)((?:[a-z]\.)+)\s+([a-z]\.)", "${1}${2}${3}")
    return folded


def looks_like_company(names: pl.Series | pl.Expr) -> pl.Series | pl.Expr:
    """True where a typed name is a company's (legal form or business word), not a person's.

    A legal form written with dots counts only as a whole run of dotted letters after
    the name ('Jansen B.V.', 'Bakkerij Jansen i.o.'): initials that contain one ('A. I.
    O. de Vries', 'W.A. de Vries', 'I. O. Jansen') are initials, not 'in oprichting'
    or 'wettelijke aansprakelijkheid'. A name that begins with dotted letters begins
    with initials; so 'N.V. Nederlandsche Spoorwegen' reads as a person's name unless a
    business word says otherwise."""
    expr = names if isinstance(names, pl.Expr) else pl.lit(names)
    folded = fold(expr).str.replace_all(r"[,&]", " ")
    legal = initials_as_runs(_squash(folded)).str.replace(r"^(?:[a-z]\.)+\s+", "")
    # Legal forms keep their dots (B.V., W.A.); initials "W.A." are not a legal form
    # because the pattern wants it as a word of its own after the name.
    spaced = folded.str.replace_all(r"[.\-]", " ")
    words = r"(?:^|\s)(?:" + _folded_words(_COMPANY_WORDS) + r")(?:\s|$)"
    endings = r"[a-z]{3,}(?:" + _folded_words(_COMPANY_ENDINGS) + r")(?:\s|$)"
    # "Jansen, B.V." and "Visser, W.A. de" are a surname with initials, not a legal form.
    initials_after_comma = fold(expr).str.contains(r"^[a-z' \-]+,\s*(?:[a-z]\.\s*)+(?:[a-z' ]+)?$")
    result = (
        (legal.str.contains(_LEGAL_RUN_PATTERN) & ~initials_after_comma)
        | spaced.str.contains(words)
        | spaced.str.contains(endings)
    )
    if isinstance(names, pl.Series):
        return pl.select(result.alias(names.name)).to_series()
    return result


def company_key(text: pl.Expr) -> pl.Expr:
    """Handelsnaam without legal form, punctuation and noise: 'Bakkerij De Vries B.V.' → 'bakkery de vries'."""
    folded = fold(text).str.replace_all("&", " en ").str.replace_all(r"[,'\"()/]", " ")
    # Twice: a legal form right after another shares the space between them.
    for _ in range(2):
        folded = folded.str.replace_all(_LEGAL_FORM_PATTERN, " ")
    return _squash(folded.str.replace_all(r"[.\-]", " "))


def _expand_abbreviated_prefixes(text: pl.Expr) -> pl.Expr:
    # v.d. → van de, v. → van, v.d.b. is not a thing; 't stays.
    return (
        text.str.replace_all(r"(?:^|\s)v\.\s?d\.?(?:\s|$)", " van de ")
        .str.replace_all(r"(?:^|\s)v\.(?:\s|$)", " van ")
        # Not at the start: 'I.T. Jansen' has initials, 'A. i.t. Veld' a voorvoegsel.
        .str.replace_all(r"\si\.?\s?t\.?(?:\s|$)", " in 't ")
    )


def parse_person_names(names: pl.Series) -> pl.DataFrame:
    """Split free-text person names into comparable parts.

    Columns: ``given`` (typed given names, folded, or empty), ``initials`` (first
    letters of the given names), ``voorvoegsel``, ``surname`` (without
    voorvoegsel), ``surname_last`` (its last word, for double names) and
    ``phonetic`` (sound key of surname_last). Unparseable input gives nulls.
    """
    # Parsed once per distinct text: sources repeat a name in many records.
    raw = names.rename("raw").to_frame()
    parsed = _parse_person_names(raw["raw"].unique())
    return raw.join(parsed, on="raw", how="left", nulls_equal=True, maintain_order="left").drop(
        "raw"
    )


def _parse_person_names(names: pl.Series) -> pl.DataFrame:
    frame = pl.DataFrame({"raw": names})
    text = _squash(_expand_abbreviated_prefixes(fold(pl.col("raw")).str.replace(_TITLES, "")))
    frame = frame.with_columns(text.alias("t"))
    has_comma = pl.col("t").str.contains(",")
    before = pl.col("t").str.split(",").list.first().str.strip_chars()
    after = pl.col("t").str.split(",").list.slice(1).list.join(" ").str.strip_chars()
    frame = frame.with_columns(
        pl.when(has_comma).then(before).otherwise(pl.col("t")).alias("_main"),
        pl.when(has_comma).then(after).otherwise(pl.lit(None)).alias("_after"),
    )
    # Initials glued together (p.j.) become separate tokens.
    tokens = (
        pl.col("_main")
        .str.replace_all(r"([a-z])\.", "${1}. ")
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    after_tokens = (
        pl.col("_after")
        .str.replace_all(r"([a-z])\.", "${1}. ")
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    frame = frame.with_columns(tokens.alias("_tokens"), after_tokens.alias("_after_tokens"))
    prefix_word = pl.element().is_in(_PREFIX_WORDS)
    initial = pl.element().str.contains(r"^[a-z]\.?$")
    frame = frame.with_columns(
        # Comma form: "vries, p.j. de" → surname tokens before the comma, given after
        # (a trailing voorvoegsel after the comma belongs to the surname).
        pl.col("_after_tokens").list.eval(pl.element().filter(prefix_word)).alias("_after_prefix"),
        pl.col("_after_tokens").list.eval(pl.element().filter(~prefix_word)).alias("_after_given"),
        # Plain form: given names (and initials) first, then voorvoegsel, then surname.
        pl.col("_tokens").list.eval(pl.element().filter(initial)).alias("_initial_tokens"),
        pl.col("_tokens").list.eval(pl.element().filter(~initial)).alias("_word_tokens"),
    )
    words = pl.col("_word_tokens")
    first_prefix = words.list.eval(pl.element().is_in(_PREFIX_WORDS).arg_true()).list.first()
    # Without a comma: everything before the first voorvoegsel word is given names;
    # without a voorvoegsel the last word is the surname (and the rest given names).
    n_words = words.list.len()
    split_at = (
        pl.when(first_prefix.is_not_null() & (first_prefix > 0))
        .then(first_prefix)
        .when(pl.col("_initial_tokens").list.len() > 0)
        .then(0)
        .otherwise(pl.max_horizontal(n_words - 1, 0))
    )
    plain_given = words.list.head(split_at)
    plain_rest = words.list.tail(n_words - split_at)
    frame = frame.with_columns(
        pl.when(has_comma)
        .then(pl.concat_list(pl.col("_tokens"), pl.col("_after_prefix")))
        .otherwise(plain_rest)
        .alias("_surname_tokens"),
        pl.when(has_comma)
        .then(pl.col("_after_given"))
        .otherwise(pl.concat_list(pl.col("_initial_tokens"), plain_given))
        .alias("_given_tokens"),
    )
    surname_tokens = pl.col("_surname_tokens")
    is_prefix = surname_tokens.list.eval(pl.element().is_in(_PREFIX_WORDS))
    # Voorvoegsel words before the surname (de vries) or after it (vries de, as
    # sorted lists write it) are split off; the words in between are the surname.
    frame = frame.with_columns(
        is_prefix.list.eval(pl.element().cum_min()).list.sum().alias("_leading"),
        is_prefix.list.reverse().list.eval(pl.element().cum_min()).list.sum().alias("_trailing"),
    )
    leading, trailing = pl.col("_leading"), pl.col("_trailing")
    all_prefix = leading == surname_tokens.list.len()
    trailing = pl.when(all_prefix).then(0).otherwise(trailing)
    # A surname that is itself a voorvoegsel word (Le, De, Van, as many Vietnamese and
    # some Dutch surnames are) is the last word, not an empty surname.
    leading = pl.when(all_prefix).then(pl.max_horizontal(leading - 1, 0)).otherwise(leading)
    middle = surname_tokens.list.len() - leading - trailing
    frame = frame.with_columns(
        pl.concat_list(surname_tokens.list.head(leading), surname_tokens.list.tail(trailing))
        .list.join(" ")
        .alias("voorvoegsel"),
        surname_tokens.list.slice(leading, middle).list.join(" ").alias("surname"),
        pl.col("_given_tokens")
        .list.eval(pl.element().filter(~pl.element().str.contains(r"^[a-z]\.?$")))
        .list.join(" ")
        .alias("given"),
        pl.col("_given_tokens")
        .list.eval(pl.element().str.slice(0, 1))
        .list.join("")
        .alias("initials"),
    )
    frame = frame.with_columns(
        pl.col("surname").str.replace_all(r"[^a-z\- ]", "").str.strip_chars(" -").alias("surname"),
        pl.col("voorvoegsel").str.replace_all(r"[^a-z' ]", ""),
        pl.col("given").str.replace_all(r"[^a-z\- ]", "").str.strip_chars(),
    )
    empty_to_null = [
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("given", "initials", "voorvoegsel", "surname")
    ]
    frame = frame.with_columns(empty_to_null)
    frame = frame.select(
        "raw",
        "given",
        "initials",
        "voorvoegsel",
        "surname",
        pl.col("surname")
        .str.split(" ")
        .list.last()
        .str.split("-")
        .list.last()
        .alias("surname_last"),
    )
    # The sound key once per distinct surname: many names share one.
    keys = frame.select("surname_last").unique()
    keys = keys.with_columns(phonetic(pl.col("surname_last")).alias("phonetic"))
    return frame.join(keys, on="surname_last", how="left", nulls_equal=True, maintain_order="left")


def _empty_to_null(columns: tuple[str, ...]) -> list[pl.Expr]:
    return [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in columns]


def brp_given_names(voornamen: pl.Series) -> pl.DataFrame:
    """BRP voornamen (distinct values, as a rule) with their ``given`` and ``initials``."""
    given = _squash(fold(pl.col("voornamen")).str.replace_all(r"[^a-z\- ]", " "))
    return (
        voornamen.cast(pl.String)
        .rename("voornamen")
        .to_frame()
        .with_columns(given.alias("given"))
        .with_columns(
            pl.col("given")
            .str.split(" ")
            .list.eval(pl.element().str.slice(0, 1))
            .list.join("")
            .alias("initials")
        )
        .with_columns(_empty_to_null(("given", "initials")))
    )


def brp_surnames(geslachtsnamen: pl.Series) -> pl.DataFrame:
    """BRP geslachtsnamen (distinct values, as a rule) with their ``surname``,
    ``surname_last`` and ``phonetic``."""
    surname = _squash(fold(pl.col("geslachtsnaam")).str.replace_all(r"[^a-z\- ]", " "))
    return (
        geslachtsnamen.cast(pl.String)
        .rename("geslachtsnaam")
        .to_frame()
        .with_columns(surname.alias("surname"))
        .with_columns(
            pl.col("surname")
            .str.split(" ")
            .list.last()
            .str.split("-")
            .list.last()
            .alias("surname_last")
        )
        .with_columns(_empty_to_null(("surname", "surname_last")))
        .with_columns(phonetic(pl.col("surname_last")).alias("phonetic"))
    )


def brp_voorvoegsels(voorvoegsels: pl.Series) -> pl.Series:
    """BRP voorvoegsels normalised: 'Van der' → 'van der'; empty is null."""
    normalised = _squash(fold(pl.col("voorvoegsel")).str.replace_all(r"[^a-z' ]", " "))
    return (
        voorvoegsels.cast(pl.String)
        .rename("voorvoegsel")
        .to_frame()
        .select(pl.when(normalised == "").then(None).otherwise(normalised).alias("voorvoegsel"))
        .to_series()
    )


def brp_name_parts(frame: pl.DataFrame) -> pl.DataFrame:
    """The same parts for BRP's structured names (voornamen, voorvoegsel, geslachtsnaam).

    Each column is normalised once per distinct value and joined back: a million BRP
    rows have some hundred thousand first-name strings and far fewer surnames.
    """
    # An extract whose voorvoegsel column is empty throughout arrives untyped.
    frame = frame.with_columns(
        pl.col(c).cast(pl.String) for c in ("voornamen", "voorvoegsel", "geslachtsnaam")
    )
    prefixes = frame["voorvoegsel"].unique()
    prefix_parts = pl.DataFrame(
        {"voorvoegsel": prefixes, "_voorvoegsel": brp_voorvoegsels(prefixes)}
    )
    joined = (
        frame.join(
            brp_given_names(frame["voornamen"].unique()),
            on="voornamen",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        .join(
            brp_surnames(frame["geslachtsnaam"].unique()),
            on="geslachtsnaam",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        .join(prefix_parts, on="voorvoegsel", how="left", nulls_equal=True, maintain_order="left")
    )
    return joined.with_columns(pl.col("_voorvoegsel").alias("voorvoegsel")).drop("_voorvoegsel")
