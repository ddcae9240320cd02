"""Ground truth of a generated municipality, written to ``<out>/truth/``; never a BSN in it.

    >>> write_truth(out / "truth", frames, town, cases, invalid, manifest)  # doctest: +SKIP

- ``addresses.csv``: source, record_key, nummeraanduiding_id, resolvable: the true
  address of every record that has one (resolvable=false: typed beyond finding).
- ``persons.csv``: source, record_key, person: a truth person id (``T0000123``) for
  every BRP row and every record that names a person.
- ``companies.csv``: source, record_key, kvk_nummer: the true company of a record.
- ``planted.csv``: rule_id, kind (planted|control), entity_type (adres|persoon|bedrijf),
  entity_ref, departments, records (``source:record_key;...``), description.
- ``quarantine.csv``: source, record_key, column, problem: rows ingest must refuse.
- ``manifest.json``: seed, addresses, as_of, format, row counts, generator version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from vik.demo.municipality import Municipality
from vik.demo.plans import ADRES, PERSOON, Case

PERSON_PREFIX = "T"


def person_ref(p: pl.Expr) -> pl.Expr:
    return pl.format("{}{}", pl.lit(PERSON_PREFIX), p.cast(pl.String).str.zfill(7))


def person_id(p: int) -> str:
    return f"{PERSON_PREFIX}{p:07d}"


def _addresses(frames: dict[str, pl.DataFrame], town: Municipality) -> pl.DataFrame:
    nid = town.bag["nummeraanduiding_id"]
    parts = [
        frame.select(
            source=pl.lit(source),
            record_key="_key",
            nummeraanduiding_id=pl.lit(nid).gather(pl.col("_a")),
            resolvable=pl.col("_resolvable"),
        )
        for source, frame in frames.items()
    ]
    return pl.concat(parts)


def _persons(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    parts = [
        frame.filter(pl.col("_p").is_not_null()).select(
            source=pl.lit(source), record_key="_key", person=person_ref(pl.col("_p"))
        )
        for source, frame in frames.items()
        if "_p" in frame.columns
    ]
    return pl.concat(parts)


def _companies(frames: dict[str, pl.DataFrame], town: Municipality) -> pl.DataFrame:
    kvk = town.companies["kvk_nummer"]
    parts = [
        frame.filter(pl.col("_c").is_not_null()).select(
            source=pl.lit(source), record_key="_key", kvk_nummer=pl.lit(kvk).gather(pl.col("_c"))
        )
        for source, frame in frames.items()
        if "_c" in frame.columns
    ]
    return pl.concat(parts)


def planted_table(
    cases: list[Case], frames: dict[str, pl.DataFrame], town: Municipality
) -> pl.DataFrame:
    """planted.csv: one row per (rule, entity), records named by their record keys."""
    wanted = {(s, u) for case in cases for s, u in case.records}
    keys: dict[tuple[str, int], str] = {}
    for source in {s for s, _ in wanted}:  # seven sources at most
        uids = [u for s, u in wanted if s == source]
        found = frames[source].filter(pl.col("_uid").is_in(uids)).select("_uid", "_key")
        keys.update({(source, u): k for u, k in found.iter_rows()})
    nid = town.bag["nummeraanduiding_id"]
    kvk = town.companies["kvk_nummer"]
    rows = []
    for case in cases:  # a few hundred planted cases and controls
        if case.entity_type == ADRES:
            ref = nid[case.entity]
        elif case.entity_type == PERSOON:
            ref = person_id(case.entity)
        else:
            ref = kvk[case.entity]
        records = ";".join(f"{s}:{keys[(s, u)]}" for s, u in case.records)
        rows.append(
            (
                case.rule_id,
                case.kind,
                case.entity_type,
                ref,
                ";".join(case.departments) or None,
                records,
                case.description,
            )
        )
    columns = (
        "rule_id",
        "kind",
        "entity_type",
        "entity_ref",
        "departments",
        "records",
        "description",
    )
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def write_truth(
    directory: Path,
    frames: dict[str, pl.DataFrame],
    town: Municipality,
    cases: list[Case],
    invalid: pl.DataFrame,
    manifest: dict[str, Any],
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    _addresses(frames, town).write_csv(directory / "addresses.csv")
    _persons(frames).write_csv(directory / "persons.csv")
    _companies(frames, town).write_csv(directory / "companies.csv")
    planted_table(cases, frames, town).write_csv(directory / "planted.csv")
    invalid.write_csv(directory / "quarantine.csv")
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
