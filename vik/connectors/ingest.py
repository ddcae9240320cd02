"""Ingest: from the evening's files to validated, pseudonymised, keyed frames.

    >>> extracts = ingest_extracts(Path("var/demo/extracts"), key=key)  # doctest: +SKIP
    >>> extracts["brp"].frame.columns[:3]
    ['record_id', 'bsn_pseudoniem', 'geslachtsnaam']
    >>> extracts.summaries()["brp"].rows_quarantined
    3

Every row delivered ends either in ``frame`` or in ``quarantine`` with its
reasons: ``rows_read == rows_accepted + rows_quarantined`` for every source
(``rows_read`` counts the rows delivered, including those whose structure is
broken), checked on every ingest. This module is the one ingest path: ``vik
ingest``, exports and dry-runs call ``ingest_extracts``, and the night maps
``extract_source`` over the sources as Prefect tasks; both judge every source
with the same guards (vik.connectors.guards).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from vik.connectors.config import SourceConfig, SourcesConfig, mapping_key
from vik.connectors.files import read_extract
from vik.connectors.guards import Baseline, Guard
from vik.connectors.keys import stable_hashes
from vik.connectors.model import Kind, SourceSchema
from vik.connectors.pseudonyms import PseudonymKey, pseudonymise
from vik.connectors.raw import ROW_NUMBER, RawExtract, column_key
from vik.connectors.schemas import SOURCES
from vik.connectors.values import check, raw_text_suspects
from vik.errors import ExtractError, FileFormatError, MissingColumnError
from vik.files import write_private_csv

RECORD_KEY = "record_key"
QUARANTINE_META = ("rij", "sleutel", "kolommen", "redenen")
_MASK = "[verwijderd]"


@dataclass
class SourceSummary:
    """What happened to one source in one run; safe to log (counts, no content)."""

    source: str
    status: str = "ok"  # ok | gestopt | uitgeschakeld
    file: str | None = None
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    extract_date: date | None = None
    rows_read: int = 0  # rows delivered: accepted + quarantined
    rows_accepted: int = 0
    rows_quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = self.__dict__.copy()
        data["extract_date"] = self.extract_date.isoformat() if self.extract_date else None
        return data


@dataclass
class IngestedSource:
    source: str
    frame: pl.DataFrame
    quarantine: pl.DataFrame
    summary: SourceSummary

    @property
    def extract_date(self) -> date | None:
        return self.summary.extract_date


class Extracts(Mapping[str, IngestedSource]):
    """The ingested sources of one run, by name."""

    def __init__(self, sources: Iterable[IngestedSource]):
        self._sources = {s.source: s for s in sources}

    def __getitem__(self, name: str) -> IngestedSource:
        return self._sources[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def frames(self) -> dict[str, pl.DataFrame]:
        return {name: s.frame for name, s in self._sources.items()}

    def summaries(self) -> dict[str, SourceSummary]:
        return {name: s.summary for name, s in self._sources.items()}

    def without_rows(self) -> Extracts:
        """The same sources with empty frames: summaries, dates and quarantine stay.

        Resolution builds frames of its own; at city scale the ingested ones hold
        about a gigabyte that the rest of the night no longer needs."""
        return Extracts(replace(s, frame=s.frame.clear()) for s in self._sources.values())

    def errors(self) -> dict[str, str]:
        return {n: s.summary.error for n, s in self._sources.items() if s.summary.error}

    def raise_for_errors(self) -> None:
        """Stop the run when any source was stopped: yesterday's results must stay."""
        errors = self.errors()
        if errors:
            raise ExtractError("\n".join(errors.values()))


def empty_frame(schema: SourceSchema) -> pl.DataFrame:
    """A source with no rows, typed exactly as an ingested one."""
    return pl.DataFrame(schema=stored_schema(schema))


def stored_schema(schema: SourceSchema) -> dict[str, pl.DataType]:
    types: dict[Kind, pl.DataType] = {
        Kind.INTEGER: pl.Int64(),
        Kind.DECIMAL: pl.Float64(),
        Kind.LIST: pl.List(pl.String),
    }
    result: dict[str, pl.DataType] = {
        c.stored_name: types.get(c.kind, pl.String()) for c in schema.columns
    }
    result[RECORD_KEY] = pl.String()
    result[ROW_NUMBER] = pl.Int64()
    return result


def _canonical_names(
    raw: RawExtract, schema: SourceSchema, config: SourceConfig
) -> tuple[pl.DataFrame, list[str]]:
    """Rename vendor columns to canonical ones; names match without case and spaces
    (the reader refused a file in which two columns would match one name)."""
    present = {column_key(name): name for name in raw.frame.columns if name != ROW_NUMBER}
    renames: dict[str, str] = {}
    for column in schema.columns:
        vendor = config.columns.get(column.name, column.name)
        actual = present.get(column_key(vendor))
        if actual is None:
            continue
        if actual in renames:
            raise FileFormatError(
                f"{raw.path.name}: kolom '{actual}' is gekoppeld aan zowel '{renames[actual]}' "
                f"als '{column.name}'. Koppel elke kolom aan één kolom van het contract in "
                f"{mapping_key(schema.name, column.name)}."
            )
        nested = raw.nested.get(actual)
        if nested is not None and not (nested == "een lijst" and column.kind is Kind.LIST):
            raise FileFormatError(
                f"{raw.path.name}: kolom '{actual}' ({column.name}) bevat {nested} waar "
                f"{_expected(column.kind)} verwacht wordt. Lever die kolom als platte waarde "
                "aan (tekst, getal of datum), of koppel een andere kolom in "
                f"{mapping_key(schema.name, column.name)}."
            )
        renames[actual] = column.name
    ignored = sorted(n for n in raw.frame.columns if n not in renames and n != ROW_NUMBER)
    # Columns outside the contract are dropped at the door: data minimisation.
    frame = raw.frame.select([pl.col(v).alias(c) for v, c in renames.items()] + [ROW_NUMBER])
    return frame, ignored


def _expected(kind: Kind) -> str:
    return {
        Kind.INTEGER: "een geheel getal",
        Kind.DECIMAL: "een getal",
        Kind.DATE: "een datum",
        Kind.PARTIAL_DATE: "een datum",
        Kind.LIST: "een lijst van teksten",
    }.get(kind, "tekst")


def _require_columns(frame: pl.DataFrame, schema: SourceSchema, path: Path) -> None:
    for column in schema.required_columns:
        if column not in frame.columns:
            raise MissingColumnError(
                f"{path.name}: verplichte kolom '{column}' ontbreekt. Voeg hem toe aan het "
                f"extract, of koppel de kolomnaam van de leverancier in "
                f"{mapping_key(schema.name, column)}."
            )
    if schema.address_parts_or_text:
        has_parts = {"straatnaam", "huisnummer"} <= set(frame.columns)
        if not has_parts and "adres" not in frame.columns:
            raise MissingColumnError(
                f"{path.name}: geen adres: lever de kolommen 'straatnaam' en 'huisnummer' "
                f"(met huisletter, huisnummertoevoeging, postcode, woonplaats) of één kolom "
                f"'adres', of koppel ze in {mapping_key(schema.name, 'adres')}."
            )


def _apply_value_maps(frame: pl.DataFrame, config: SourceConfig) -> pl.DataFrame:
    exprs = []
    for column, mapping in config.values.items():
        if column in frame.columns:
            exprs.append(pl.col(column).replace(mapping))
    return frame.with_columns(exprs) if exprs else frame


def _record_keys(frame: pl.DataFrame, schema: SourceSchema) -> pl.Series:
    candidates = [pl.col(c) for c in ("record_id", schema.natural_key) if c]
    key = frame.select(pl.coalesce(*candidates).alias(RECORD_KEY))[RECORD_KEY]
    missing = key.is_null()
    if not missing.any():
        return key
    identity = [schema.column(c).stored_name for c in schema.identity_columns] or [
        c.stored_name for c in schema.columns if c.name != "record_id"
    ]
    material = (
        frame.filter(missing)
        .select(
            pl.concat_str(
                [pl.col(c).cast(pl.String).fill_null("") for c in identity], separator="\x1f"
            )
        )
        .to_series()
    )
    hashes = stable_hashes(material, "h", 10)  # stable keys for rows without an identifier
    return key.scatter(missing.arg_true(), hashes)


def _mask_personal(frame: pl.DataFrame, schema: SourceSchema) -> pl.DataFrame:
    """Raw values as written to quarantine: BSN columns masked, everything as text,
    NUL characters written as \\0 (a file of VIK's holds no NUL either)."""
    exprs = []
    for column in schema.columns:
        if column.name not in frame.columns:
            continue
        if column.kind is Kind.BSN:
            exprs.append(
                pl.when(pl.col(column.name).str.strip_chars().fill_null("") != "")
                .then(pl.lit(_MASK))
                .otherwise(None)
                .alias(column.name)
            )
        else:
            exprs.append(pl.col(column.name).str.replace_all("\x00", "\\0", literal=True))
    return frame.select(exprs)


def mask_bsn_like(text: str) -> str:
    """Raw lines that could not be split may hold a BSN: mask every 8-9 digit run."""
    return re.sub(r"(?<!\d)\d{8,9}(?!\d)", _MASK, text).replace("\x00", "\\0")


def _quarantine_frame(
    rows: pl.DataFrame, raw_columns: pl.DataFrame, schema: SourceSchema
) -> pl.DataFrame:
    masked = _mask_personal(raw_columns, schema)
    meta = rows.select(
        pl.col(ROW_NUMBER).alias("rij"),
        pl.col(RECORD_KEY).alias("sleutel"),
        pl.col("kolommen"),
        pl.col("redenen"),
    )
    return pl.concat([meta, masked], how="horizontal")


def _ingest_frame(
    raw: RawExtract, schema: SourceSchema, config: SourceConfig, key: PseudonymKey
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    named, ignored = _canonical_names(raw, schema, config)
    _require_columns(named, schema, raw.path)
    named = _apply_value_maps(named, config)
    absent = [c.name for c in schema.columns if c.name not in named.columns]
    named = named.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in absent])

    limit = config.max_field_chars
    present = [c.name for c in schema.columns if c.name not in absent]
    suspects = raw_text_suspects(named, present, limit, nul=raw.may_hold_nul)
    checks = [
        check(column, max_chars=limit, raw_text=column.name in suspects)
        for column in schema.columns
    ]
    checked = named.with_columns([c.prepare for c in checks]).select(
        *[c.value for c in checks], *[c.reason for c in checks], pl.col(ROW_NUMBER)
    )

    reason_columns = [f"__reason_{c.name}" for c in schema.columns]
    checked = checked.with_columns(
        pl.concat_str(reason_columns, separator="; ", ignore_nulls=True).alias("redenen"),
        pl.concat_list(
            [
                pl.when(pl.col(r).is_not_null()).then(pl.lit(c.name))
                for r, c in zip(reason_columns, schema.columns, strict=True)
            ]
        )
        .list.drop_nulls()
        .list.join(", ")
        .alias("kolommen"),
    ).drop(reason_columns)
    checked = checked.with_columns(
        pl.when(pl.col("redenen") == "").then(None).otherwise(pl.col("redenen")).alias("redenen")
    )

    for column in schema.columns:
        if column.kind is Kind.BSN:
            name = column.stored_name
            checked = checked.with_columns(pseudonymise(checked[name], key).alias(name))

    checked = checked.with_columns(_record_keys(checked, schema).alias(RECORD_KEY))

    # A key that occurs twice makes evidence ambiguous: identical copies keep the
    # first row, conflicting rows all go to quarantine.
    stored = list(schema.stored_columns)
    valid = pl.col("redenen").is_null()
    checked = checked.with_columns(
        pl.len().over(pl.when(valid).then(pl.col(RECORD_KEY))).alias("__key_count"),
        pl.struct(stored)
        .n_unique()
        .over(pl.when(valid).then(pl.col(RECORD_KEY)))
        .alias("__versions"),
        pl.col(ROW_NUMBER).min().over(pl.when(valid).then(pl.col(RECORD_KEY))).alias("__first"),
    )
    duplicate = valid & (pl.col("__key_count") > 1)
    checked = checked.with_columns(
        pl.when(duplicate & (pl.col("__versions") == 1) & (pl.col(ROW_NUMBER) != pl.col("__first")))
        .then(
            pl.concat_str(
                [pl.lit("dubbele rij: gelijk aan rij "), pl.col("__first").cast(pl.String)]
            )
        )
        .when(duplicate & (pl.col("__versions") > 1))
        .then(
            pl.concat_str(
                [
                    pl.lit("sleutel "),
                    pl.lit("'") + pl.col(RECORD_KEY) + pl.lit("'"),
                    pl.lit(" komt "),
                    pl.col("__key_count").cast(pl.String),
                    pl.lit(" keer voor met verschillende inhoud"),
                ]
            )
        )
        .otherwise(pl.col("redenen"))
        .alias("redenen"),
    )
    checked = checked.with_columns(
        pl.when(duplicate & pl.col("kolommen").eq(""))
        .then(pl.lit(RECORD_KEY))
        .otherwise(pl.col("kolommen"))
        .alias("kolommen")
    ).drop("__key_count", "__versions", "__first")

    bad = pl.col("redenen").is_not_null()
    accepted = checked.filter(~bad).select([*stored, RECORD_KEY, ROW_NUMBER])
    rejected = checked.filter(bad)
    raw_rejected = named.join(rejected.select(ROW_NUMBER), on=ROW_NUMBER, how="semi")
    raw_rejected = rejected.select(ROW_NUMBER).join(raw_rejected, on=ROW_NUMBER, how="left")
    quarantine = _quarantine_frame(rejected, raw_rejected, schema)
    return accepted, quarantine, ignored


def _structural_quarantine(raw: RawExtract, schema: SourceSchema) -> pl.DataFrame:
    rows = {
        "rij": [r.row_number for r in raw.rejects],
        "sleutel": [None] * len(raw.rejects),
        "kolommen": [None] * len(raw.rejects),
        "redenen": [r.reason for r in raw.rejects],
        "ruwe_regel": [mask_bsn_like(r.text) for r in raw.rejects],
    }
    return pl.DataFrame(rows, schema=dict.fromkeys(rows, pl.String) | {"rij": pl.Int64})


def ingest_source(
    source: str,
    extracts_dir: Path,
    config: SourceConfig,
    key: PseudonymKey,
    *,
    baseline: Baseline | None = None,
    accept_shrink: bool = False,
) -> IngestedSource:
    """Ingest one source. Stopping problems are kept in the summary, not raised.

    ``baseline`` is what the last good run accepted of this source; the guards
    judge tonight's accepted and quarantined rows against it (vik.connectors.guards).
    A source stopped by a guard keeps its quarantine, so the file says why."""
    schema = SOURCES[source].extended(config.extra_schema())
    summary = SourceSummary(source)
    if not config.enabled:
        summary.status = "uitgeschakeld"
        return IngestedSource(source, empty_frame(schema), pl.DataFrame(), summary)
    try:
        raw = _read(source, extracts_dir, config)
        summary.file = raw.path.name
        summary.format, summary.encoding, summary.delimiter = (
            raw.format,
            raw.encoding,
            raw.delimiter,
        )
        summary.extract_date = raw.extract_date
        summary.rows_read = raw.rows_read
        if raw.frame.height == 0 and len(raw.frame.columns) <= 1:
            accepted, quarantine = empty_frame(schema), pl.DataFrame()
            ignored: list[str] = []
        else:
            accepted, quarantine, ignored = _ingest_frame(raw, schema, config, key)
    except ExtractError as error:
        summary.status = "gestopt"
        summary.error = str(error)
        return IngestedSource(source, empty_frame(schema), pl.DataFrame(), summary)

    if raw.rejects:
        structural = _structural_quarantine(raw, schema)
        quarantine = pl.concat([quarantine, structural], how="diagonal_relaxed")
    if quarantine.height:
        quarantine = quarantine.sort("rij")
    summary.rows_accepted = accepted.height
    summary.rows_quarantined = quarantine.height
    summary.ignored_columns = ignored
    if quarantine.height:
        # Counted per kind of reason, with the quoted values and line numbers left out:
        # "postcode: '12345' heeft ..." counts as "postcode: … heeft ...".
        counts = (
            quarantine.select(
                pl.col("redenen")
                .str.split("; ")
                .explode()
                .str.replace_all(r"'[^']*'", "…")
                .str.replace_all(r"regel \d+", "regel …")
            )
            .to_series()
            .value_counts(sort=True)
        )
        summary.reasons = dict(zip(counts[counts.columns[0]], counts["count"], strict=True))
    if summary.rows_read != summary.rows_accepted + summary.rows_quarantined:
        # A row lost between reading and quarantine is a defect of VIK, not of the file:
        # stop rather than let flags lapse on rows nobody can see.
        summary.status = "gestopt"
        summary.error = (
            f"{raw.path.name}: {summary.rows_read} rijen aangeleverd, maar "
            f"{summary.rows_accepted} geaccepteerd en {summary.rows_quarantined} in "
            "quarantaine: de telling klopt niet. Meld dit aan de beheerders van VIK."
        )
        return IngestedSource(source, empty_frame(schema), quarantine, summary)
    if not accept_shrink:
        guard = Guard(config.min_ratio, config.max_quarantine_rise)
        try:
            guard.check(
                source,
                raw.path.name,
                accepted=summary.rows_accepted,
                quarantined=summary.rows_quarantined,
                baseline=baseline,
                top_reason=next(iter(summary.reasons), None),
            )
        except ExtractError as error:
            summary.status = "gestopt"
            summary.error = str(error)
            return IngestedSource(source, empty_frame(schema), quarantine, summary)
    return IngestedSource(source, accepted, quarantine, summary)


def _read(source: str, extracts_dir: Path, config: SourceConfig) -> RawExtract:
    """read_extract, with any polars or csv failure said as a Dutch message with the file:
    a file VIK cannot read must stop its source with a message, never with a traceback."""
    try:
        return read_extract(source, extracts_dir, config)
    except (pl.exceptions.PolarsError, csv.Error, UnicodeError) as error:
        name = config.file or f"{source}-extract"
        raise FileFormatError(
            f"{name}: het bestand is niet te lezen ({type(error).__name__}: {error}). "
            "Controleer het formaat, de encoding en het scheidingsteken in "
            f"config/sources.yaml ({source}), of lever het bestand opnieuw aan."
        ) from None


def accepts_shrink(source: str, accept_shrink: Iterable[str]) -> bool:
    """Whether --accept-shrink names this source (or 'all')."""
    accepted = set(accept_shrink)
    return source in accepted or "all" in accepted


def extract_source(
    source: str,
    extracts_dir: Path,
    config: SourcesConfig,
    key: PseudonymKey,
    baselines: Mapping[str, Baseline],
    accept_shrink: Iterable[str],
) -> IngestedSource:
    """One source of the registry, with its configuration and baseline: the unit
    ``ingest_extracts`` runs per source and the night runs as a Prefect task."""
    return ingest_source(
        source,
        extracts_dir,
        config.source(source),
        key,
        baseline=baselines.get(source),
        accept_shrink=accepts_shrink(source, accept_shrink),
    )


def ingest_extracts(
    extracts_dir: Path,
    key: PseudonymKey,
    config: SourcesConfig | None = None,
    *,
    baselines: Mapping[str, Baseline] | None = None,
    accept_shrink: Iterable[str] = (),
    sources: Iterable[str] | None = None,
) -> Extracts:
    """Ingest every source of the registry (or the ones named) from one folder."""
    config = config or SourcesConfig()
    names = list(sources) if sources is not None else list(SOURCES)
    accept = tuple(accept_shrink)
    return Extracts(
        extract_source(name, extracts_dir, config, key, baselines or {}, accept) for name in names
    )


def baselines_from_counts(source_counts: Mapping[str, Mapping[str, Any]]) -> dict[str, Baseline]:
    """The guards' baselines from a run's stored source counts (``Run.source_counts``)."""
    return {name: Baseline.from_counts(counts) for name, counts in source_counts.items()}


def write_quarantine(extracts: Extracts, directory: Path) -> dict[str, Path]:
    """One CSV per source with quarantined rows; returns the files written."""
    written = {}
    for name, source in extracts.items():
        if source.quarantine.height == 0:
            continue
        # quarantined rows are personal data (VIK's eyes only) read in a spreadsheet
        written[name] = write_private_csv(source.quarantine, directory / f"{name}.csv")
    return written
