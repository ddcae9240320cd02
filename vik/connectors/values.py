"""Validation and normalisation of values, as polars expressions per column kind.

``check(column, max_chars=...)`` returns a ``Check``: expressions that first normalise the raw
text once into a helper column (``prepare``), then read that helper cheaply to
give the normalised value and a Dutch reason where the value is not acceptable
(null where it is). A row with any reason goes to quarantine; nothing is
coerced to null in silence. Every kind also refuses a NUL character (databases
would store it, or choke on it) and a value longer than the source's
``max_field_chars``; numbers are held to their column's range, and a decimal must
be finite (NaN and infinity are no floor area).

    >>> c = check(SOURCES["bag"].column("postcode"), max_chars=10_000)
    >>> frame.with_columns(c.prepare).select(c.value, c.reason)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vik.connectors.model import MAX_YEAR, MIN_YEAR, Column, Kind

_NONE = pl.lit(None, dtype=pl.String)


@dataclass(frozen=True)
class Check:
    prepare: pl.Expr  # the normalised text, in a helper column
    value: pl.Expr  # the stored value, aliased to the stored column name
    reason: pl.Expr  # a Dutch reason or null


def clean_text(raw: pl.Expr) -> pl.Expr:
    """Trimmed text; an empty field is null (it was empty, nothing is lost)."""
    text = raw.str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _quoted(text: pl.Expr) -> pl.Expr:
    return pl.lit("'") + text + pl.lit("'")


def _reason(condition: pl.Expr, *parts: pl.Expr | str) -> pl.Expr:
    text = pl.concat_str([p if isinstance(p, pl.Expr) else pl.lit(p) for p in parts])
    return pl.when(condition).then(text).otherwise(_NONE)


def _normalise(column: Column, raw: pl.Expr) -> pl.Expr:
    """The one expensive pass per column: raw text → normalised text (still unvalidated)."""
    text = clean_text(raw)
    kind = column.kind
    if kind in (Kind.KVK_NUMMER, Kind.VESTIGINGSNUMMER):
        return text.str.replace_all(r"[\s.]", "")
    if kind is Kind.BAG_ID:
        # Exports that typed the id as a number lose the gemeentecode's leading
        # zeros (0014 Groningen, 0363 Amsterdam); 14 and 15 digits are padded back.
        digits = text.str.replace_all(r"\s", "").str.replace(r"\.0$", "")
        return (
            pl.when(digits.str.contains(r"^\d{14,15}$"))
            .then(digits.str.zfill(16))
            .otherwise(digits)
        )
    if kind is Kind.BSN:
        digits = text.str.replace_all(r"[\s.\-]", "").str.replace(r"\.0$", "")
        return pl.when(digits.str.contains(r"^\d{8}$")).then(digits.str.zfill(9)).otherwise(digits)
    if kind is Kind.POSTCODE:
        return text.str.replace_all(r"\s", "").str.to_uppercase()
    if kind in (Kind.DATE, Kind.PARTIAL_DATE):
        return _canonical_date(text)
    if kind is Kind.CHOICE:
        return text.str.to_uppercase()
    return text


def _canonical_date(text: pl.Expr) -> pl.Expr:
    """jjjj-mm-dd[Thh:mm], dd-mm-jjjj, d/m/jjjj and jjjjmmdd → 'jjjj-mm-dd' (unvalidated).

    Literal splits and slices only: a regex replace per form costs ten times more
    on a million BRP rows, and dates are the most common column kind.
    """
    dashed = text.str.replace_all("/", "-", literal=True)
    parts = dashed.str.split_exact("-", 2)
    first, second = parts.struct.field("field_0"), parts.struct.field("field_1")
    third = (
        parts.struct.field("field_2")
        .str.split_exact("T", 1)
        .struct.field("field_0")
        .str.split_exact(" ", 1)
        .struct.field("field_0")
    )
    year_first = first.str.len_chars() == 4
    year = pl.when(year_first).then(first).otherwise(third)
    day = pl.when(year_first).then(third).otherwise(first)
    from_parts = pl.concat_str([year, second.str.zfill(2), day.str.zfill(2)], separator="-")
    compact = pl.concat_str(
        [text.str.slice(0, 4), text.str.slice(4, 2), text.str.slice(6, 2)], separator="-"
    )
    return (
        pl.when(text.str.contains(r"^\d{8}$"))
        .then(compact)
        .when(second.is_not_null())
        .then(from_parts)
        .otherwise(text)
    )


def _digits_of_length(
    column: Column, t: pl.Expr, length: int, label: str
) -> tuple[pl.Expr, pl.Expr]:
    ok = t.str.contains(rf"^\d{{{length}}}$")
    return pl.when(ok).then(t), _reason(
        t.is_not_null() & ~ok,
        f"{column.name}: ",
        _quoted(t),
        f" is geen {label} ({length} cijfers)",
    )


def _bsn(column: Column, t: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    # Messages about a BSN never repeat the value: it may be a real person's number.
    shaped = t.str.contains(r"^\d{9}$")
    number = pl.when(shaped).then(t).cast(pl.Int64, strict=False)
    digits = [(number // 10 ** (8 - i)) % 10 for i in range(9)]
    checksum = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    ok = shaped & (checksum % 11 == 0) & (number != 0)
    reason = (
        pl.when(t.is_not_null() & ~shaped)
        .then(pl.lit(f"{column.name}: geen BSN (9 cijfers verwacht, waarde niet getoond)"))
        .when(t.is_not_null() & ~ok)
        .then(pl.lit(f"{column.name}: BSN voldoet niet aan de elfproef (waarde niet getoond)"))
        .otherwise(_NONE)
    )
    return pl.when(ok).then(t), reason


def _postcode(column: Column, t: pl.Expr, raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    ok = t.str.contains(r"^[1-9]\d{3}[A-Z]{2}$")
    return pl.when(ok).then(t), _reason(
        t.is_not_null() & ~ok,
        f"{column.name}: ",
        _quoted(clean_text(raw)),
        " heeft niet de vorm 1234AB",
    )


def _fmt(number: float) -> str:
    return f"{number:g}" if number != int(number) else str(int(number))


def _in_range(column: Column, value: pl.Expr, t: pl.Expr, reason: pl.Expr) -> pl.Expr:
    """The reason of a number outside its column's range (or not finite), else `reason`."""
    lo, hi = column.minimum, column.maximum
    if lo is not None and hi is not None:
        allowed = f"van {_fmt(lo)} t/m {_fmt(hi)}"
    elif lo is not None:
        allowed = f"minstens {_fmt(lo)}"
    elif hi is not None:
        allowed = f"hoogstens {_fmt(hi)}"
    outside = pl.lit(False)
    if lo is not None:
        outside = outside | (value < lo)
    if hi is not None:
        outside = outside | (value > hi)
    result = reason
    if lo is not None or hi is not None:
        result = (
            pl.when(value.is_not_null() & outside)
            .then(
                pl.concat_str(
                    [
                        pl.lit(f"{column.name}: "),
                        _quoted(t),
                        pl.lit(f" valt buiten het bereik {allowed}"),
                    ]
                )
            )
            .otherwise(result)
        )
    if column.kind is Kind.DECIMAL:
        result = (
            pl.when(value.is_not_null() & ~value.is_finite())
            .then(
                pl.concat_str(
                    [pl.lit(f"{column.name}: "), _quoted(t), pl.lit(" is geen eindig getal")]
                )
            )
            .otherwise(result)
        )
    return result


def _integer(column: Column, t: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    # "12.0" comes from spreadsheets and typed exports; "250.000" is a Dutch thousands separator.
    compact = (
        pl.when(t.str.contains(r"^-?\d{1,3}(\.\d{3})+$"))
        .then(t.str.replace_all(".", "", literal=True))
        .otherwise(t.str.replace(r"\.0+$", ""))
    )
    value = compact.cast(pl.Int64, strict=False)
    return value, _reason(
        t.is_not_null() & value.is_null(), f"{column.name}: ", _quoted(t), " is geen geheel getal"
    )


def _decimal(column: Column, t: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    # "1.234,5" (Dutch) and "1234.5" (English) both mean 1234.5.
    compact = (
        pl.when(t.str.contains(","))
        .then(t.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(t)
    )
    value = compact.cast(pl.Float64, strict=False)
    return value, _reason(
        t.is_not_null() & value.is_null(), f"{column.name}: ", _quoted(t), " is geen getal"
    )


def _date(column: Column, t: pl.Expr, raw: pl.Expr, *, partial: bool) -> tuple[pl.Expr, pl.Expr]:
    shaped = t.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    y = t.str.slice(0, 4).cast(pl.Int64, strict=False)
    m = t.str.slice(5, 2).cast(pl.Int64, strict=False)
    d = t.str.slice(8, 2).cast(pl.Int64, strict=False)
    is_partial = shaped & ((m == 0) | (d == 0))
    complete_ok = (
        shaped
        & y.is_between(MIN_YEAR, MAX_YEAR)
        & t.str.to_date("%Y-%m-%d", strict=False).is_not_null()
    )
    # BRP's onvolledige datum: 00 for an unknown month or day (a day without a
    # month is not a thing); 0000-00-00 is an entirely unknown date.
    partial_ok = (
        is_partial
        & (((m == 0) & (d == 0)) | (m.is_between(1, 12) & (d == 0)))
        & ((y == 0) | y.is_between(MIN_YEAR, MAX_YEAR))
    )
    ok = complete_ok | partial_ok if partial else complete_ok
    original = _quoted(clean_text(raw))
    reason = (
        pl.when(t.is_null() | ok)
        .then(_NONE)
        .when(~shaped)
        .then(
            pl.concat_str(
                [
                    pl.lit(f"{column.name}: "),
                    original,
                    pl.lit(" is geen datum (verwacht jjjj-mm-dd, dd-mm-jjjj of jjjjmmdd)"),
                ]
            )
        )
        .when(is_partial & pl.lit(not partial))
        .then(
            pl.concat_str(
                [pl.lit(f"{column.name}: "), original, pl.lit(" is een onvolledige datum")]
            )
        )
        .otherwise(
            pl.concat_str(
                [pl.lit(f"{column.name}: "), original, pl.lit(" is een onmogelijke datum")]
            )
        )
    )
    return pl.when(ok).then(t), reason


def _choice(column: Column, t: pl.Expr, raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    ok = t.is_in(list(column.choices))
    return pl.when(ok).then(t), _reason(
        t.is_not_null() & ~ok,
        f"{column.name}: ",
        _quoted(clean_text(raw)),
        f" is geen toegestane waarde ({' of '.join(column.choices)})",
    )


def _raw_problem(column: Column, raw: pl.Expr, max_chars: int) -> pl.Expr:
    """What is wrong with the raw text whatever the kind: a NUL character, or its length."""
    return (
        pl.when(raw.str.contains("\x00", literal=True))
        .then(pl.lit(f"{column.name}: bevat een NUL-teken (\\0), haal het uit de export"))
        .when(raw.str.len_chars() > max_chars)
        .then(
            pl.concat_str(
                [
                    pl.lit(f"{column.name}: waarde van "),
                    raw.str.len_chars().cast(pl.String),
                    pl.lit(f" tekens, langer dan de grens van {max_chars} (max_field_chars)"),
                ]
            )
        )
        .otherwise(_NONE)
    )


def raw_text_suspects(
    frame: pl.DataFrame, columns: list[str], max_chars: int, *, nul: bool = True
) -> set[str]:
    """The columns in which some value holds a NUL or may be too long: one cheap pass
    (bytes are at least characters), so the per-row reasons are built only where needed.
    ``nul=False``: the reader saw no NUL anywhere in the file, so none is looked for."""
    if not columns or frame.height == 0:
        return set()
    found = frame.select(
        (
            (pl.col(c).str.contains("\x00", literal=True).any() if nul else pl.lit(False))
            | (pl.col(c).str.len_bytes().max() > max_chars)
        ).alias(c)
        for c in columns
    ).row(0, named=True)
    return {c for c, suspect in found.items() if suspect}


def check(column: Column, *, max_chars: int, raw_text: bool = True) -> Check:
    """How one canonical column (raw text under its canonical name) is normalised and checked.

    ``raw_text=False`` leaves out the NUL and length check, for a column that
    ``raw_text_suspects`` found clean (a cheap pass over the whole frame first)."""
    raw = pl.col(column.name)
    helper = f"__n_{column.name}"
    t = pl.col(helper)
    kind = column.kind
    if kind is Kind.TEXT:
        value, reason = t, _NONE
    elif kind is Kind.CODE:
        value, reason = t.str.to_lowercase().str.replace_all(r"[\s\-]+", "_"), _NONE
    elif kind is Kind.LIST:
        value = t.str.split(";").list.eval(
            pl.element().str.strip_chars().str.to_lowercase().filter(pl.element() != "")
        )
        reason = _NONE
    elif kind is Kind.INTEGER:
        value, reason = _integer(column, t)
    elif kind is Kind.DECIMAL:
        value, reason = _decimal(column, t)
    elif kind in (Kind.DATE, Kind.PARTIAL_DATE):
        value, reason = _date(column, t, raw, partial=kind is Kind.PARTIAL_DATE)
    elif kind is Kind.BSN:
        value, reason = _bsn(column, t)
    elif kind is Kind.POSTCODE:
        value, reason = _postcode(column, t, raw)
    elif kind is Kind.KVK_NUMMER:
        value, reason = _digits_of_length(column, t, 8, "KvK-nummer")
    elif kind is Kind.VESTIGINGSNUMMER:
        value, reason = _digits_of_length(column, t, 12, "vestigingsnummer")
    elif kind is Kind.BAG_ID:
        value, reason = _digits_of_length(column, t, 16, "BAG-id")
    elif kind is Kind.CHOICE:
        value, reason = _choice(column, t, raw)
    else:  # pragma: no cover - every Kind is handled above
        raise AssertionError(kind)
    if kind in (Kind.INTEGER, Kind.DECIMAL):
        reason = _in_range(column, value, t, reason)
    if raw_text:
        reason = pl.coalesce(_raw_problem(column, raw, max_chars), reason)
    if not column.nullable:
        reason = (
            pl.when(t.is_null())
            .then(pl.lit(f"{column.name}: is leeg, maar verplicht"))
            .otherwise(reason)
        )
    return Check(
        prepare=_normalise(column, raw).alias(helper),
        value=value.alias(column.stored_name),
        reason=reason.alias(f"__reason_{column.name}"),
    )
