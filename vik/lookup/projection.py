"""What a lookup reads: a projection of the last good night, written by that night.

VIK stores links and flags, not the extracts. A lookup's content (step 2) and the search
for a subject need some of the records, so each good night writes, next to its database
transaction, one Parquet file per source with only the columns some purpose covers
(config/purposes.yaml) plus the record key and the entity keys, and three small search
files: the BAG addresses as the resolver indexes them, the BRP's persons (name key,
birth date, current address) and the KvK's establishments. Nothing else of the extracts
is kept.

The files are staged in ``<data_dir>/bevraging/<run>.tmp`` and take their final name only
after the run's transaction committed (as the run report does); the previous night's
folder is then deleted, so the projection is as old as the link table and never older.
Folder and files are readable by VIK's own user only.

    >>> staged = stage_projection(resolved, purposes, data_dir, run_id=8)   # in the night
    >>> projection = open_projection(data_dir, run_id=8)                    # in a lookup
    >>> projection.records("brp", "adres", "0307200000000001", ("voornamen",))
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from vik.connectors.schemas import SOURCES
from vik.errors import NoRunError
from vik.files import private_dir, private_file
from vik.flags.entities import address_label
from vik.lookup.purposes import Purposes
from vik.resolve import Resolved
from vik.resolve.bag import BagIndex, build_index
from vik.resolve.links import entity_key as key_of
from vik.resolve.names import company_key, fold

FOLDER = "bevraging"
ADDRESSES, PERSONS, COMPANIES = "adressen.parquet", "personen.parquet", "bedrijven.parquet"


def name_key(name: pl.Expr) -> pl.Expr:
    """A person's name as sorted folded words: 'Vries, René Zoë de' → 'de rene vries zoe'."""
    words = fold(name).str.replace_all(r"[^a-z]+", " ").str.strip_chars().str.split(" ")
    return words.list.eval(pl.element().filter(pl.element() != "")).list.sort().list.join(" ")


def _write(frame: pl.DataFrame, path: Path) -> None:
    frame.write_parquet(private_file(path), statistics=True)


def _persons(brp: pl.DataFrame) -> pl.DataFrame:
    latest = (
        brp.filter(pl.col("persoon_id").is_not_null())
        .sort("datum_aanvang_adreshouding", descending=True, nulls_last=True)
        .unique("persoon_id", keep="first")
    )
    name = pl.concat_str(
        [pl.col("voornamen"), pl.col("voorvoegsel"), pl.col("geslachtsnaam")],
        separator=" ",
        ignore_nulls=True,
    )
    return latest.select(
        "persoon_id",
        name_key(name).alias("naam_sleutel"),
        pl.col("geboortedatum"),
        address_label().alias("adres"),
    )


def _companies(kvk: pl.DataFrame) -> pl.DataFrame:
    """One row per establishment: a company is found by any of its trade names."""
    return kvk.filter(pl.col("bedrijf_id").is_not_null()).select(
        "bedrijf_id",
        "kvk_nummer",
        "handelsnaam",
        company_key(pl.col("handelsnaam")).alias("naam_sleutel"),
        address_label().alias("adres"),
    )


def stage_projection(resolved: Resolved, purposes: Purposes, data_dir: Path, run_id: int) -> Path:
    """Write tonight's projection as `<data_dir>/bevraging/<run_id>.tmp` (a folder)."""
    staged = data_dir / FOLDER / f"{run_id}.tmp"
    if staged.exists():
        shutil.rmtree(staged)
    private_dir(staged)
    frames = resolved.frames
    for source, columns in purposes.columns().items():
        frame = frames[source]
        keys = [key_of(e) for e in SOURCES[source].links if key_of(e) in frame.columns]
        wanted = list(dict.fromkeys(["record_key", *keys, *columns]))
        _write(
            frame.select([c for c in wanted if c in frame.columns]), staged / f"{source}.parquet"
        )
    bag = frames["bag"]
    index = build_index(bag)
    labels = bag.select("nummeraanduiding_id", address_label().alias("adres"))
    addresses = index.addresses.join(labels, on="nummeraanduiding_id", how="left")
    _write(addresses.sort("nr"), staged / ADDRESSES)
    _write(_persons(frames["brp"]), staged / PERSONS)
    kvk = frames["kvk"].rename({"plaats": "woonplaats"})
    _write(_companies(kvk), staged / COMPANIES)
    return staged


def publish_projection(staged: Path) -> Path:
    """After the run committed: the staged folder takes its name, older nights go."""
    final = staged.with_name(staged.name.removesuffix(".tmp"))
    if final.exists():
        shutil.rmtree(final)
    staged.replace(final)
    for other in final.parent.iterdir():
        if other != final:
            shutil.rmtree(other, ignore_errors=True) if other.is_dir() else other.unlink()
    return final


@dataclass(frozen=True)
class Projection:
    """The last good night's projection, read with Parquet predicate pushdown."""

    directory: Path
    run_id: int

    def has(self, source: str) -> bool:
        return (self.directory / f"{source}.parquet").is_file()

    def columns_of(self, source: str) -> tuple[str, ...]:
        if not self.has(source):
            return ()
        return tuple(pl.read_parquet_schema(self.directory / f"{source}.parquet"))

    def records(
        self,
        source: str,
        entity_type: str,
        entity_key: str,
        columns: tuple[str, ...] | None = None,
    ) -> pl.DataFrame:
        """Records of a source certainly linked to this entity, with the given columns."""
        key = key_of(entity_type)
        scan = pl.scan_parquet(self.directory / f"{source}.parquet")
        wanted = ["record_key", *(columns if columns is not None else scan.collect_schema())]
        return (
            scan.filter(pl.col(key) == entity_key)
            .select(list(dict.fromkeys(wanted)))
            .sort("record_key")
            .collect()
        )

    def records_by_key(self, source: str, record_keys: list[str]) -> pl.DataFrame:
        if not self.has(source) or not record_keys:
            return pl.DataFrame({"record_key": []}, schema={"record_key": pl.String})
        return (
            pl.scan_parquet(self.directory / f"{source}.parquet")
            .filter(pl.col("record_key").is_in(record_keys))
            .collect()
        )

    def bag_index(self, numbers: list[int]) -> tuple[BagIndex, pl.DataFrame]:
        """The resolver's BAG index, with only the addresses of these house numbers (every
        route to a candidate joins on the number) but all street and place names; and the
        readable label of each address."""
        scan = pl.scan_parquet(self.directory / ADDRESSES)
        names = scan.select("b_street", "b_place").unique().collect()
        subset = scan.filter(pl.col("nr").is_in(numbers)).collect()
        index = BagIndex(
            addresses=subset.drop("adres"),
            streets=names["b_street"].drop_nulls().unique().sort(),
            places=names["b_place"].filter(names["b_place"] != "").unique().sort(),
        )
        return index, subset.select("nummeraanduiding_id", "adres")

    def address_label(self, nummeraanduiding_id: str) -> str | None:
        found = (
            pl.scan_parquet(self.directory / ADDRESSES)
            .filter(pl.col("nummeraanduiding_id") == nummeraanduiding_id)
            .select("adres")
            .collect()
        )
        return found["adres"][0] if found.height else None

    def persons_born(self, geboortedatum: str) -> pl.DataFrame:
        return (
            pl.scan_parquet(self.directory / PERSONS)
            .filter(pl.col("geboortedatum") == geboortedatum)
            .collect()
        )

    def person(self, persoon_id: str) -> dict[str, Any] | None:
        found = (
            pl.scan_parquet(self.directory / PERSONS)
            .filter(pl.col("persoon_id") == persoon_id)
            .collect()
        )
        return found.row(0, named=True) if found.height else None

    def companies(self) -> pl.LazyFrame:
        return pl.scan_parquet(self.directory / COMPANIES)


def open_projection(data_dir: Path, run_id: int) -> Projection:
    """The projection of this (the last good) run; a clear message if it is not there."""
    directory = data_dir / FOLDER / str(run_id)
    if not (directory / ADDRESSES).is_file():
        raise NoRunError(
            f"De zoekgegevens van run {run_id} ontbreken in {data_dir / FOLDER}. Ze worden "
            "door elke geslaagde nachtelijke run geschreven; draai `vik run` (of wacht op de "
            "volgende nacht) en zoek dan opnieuw. Zet VIK_DATA_DIR op de map van de run."
        )
    return Projection(directory, run_id)


def discard_staged(data_dir: Path) -> None:
    """A failed run's staged folders go: they hold personal data of a night that did not count."""
    root = data_dir / FOLDER
    if root.is_dir():
        for path in root.glob("*.tmp"):
            shutil.rmtree(path, ignore_errors=True)


__all__ = [
    "Projection",
    "discard_staged",
    "name_key",
    "open_projection",
    "publish_projection",
    "stage_projection",
]
