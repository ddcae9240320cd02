"""Generate a synthetic municipality: one extract per source, planted cases and the ground truth.

    >>> out, as_of = Path("var/demo"), date(2026, 11, 1)
    >>> manifest = generate_municipality(out, addresses=300, seed=1, as_of=as_of)
    >>> manifest.rows["bag"]
    300
    >>> (manifest.truth_dir / "planted.csv").exists()
    True

The same seed, number of addresses, peildatum and format give byte-identical
files. Every stage draws from its own random stream (spawned from the seed), so
changing one stage does not reshuffle the others.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

import vik
from vik.connectors.schemas import FORMATS
from vik.demo.bag import build_bag
from vik.demo.cases import build_background_cases
from vik.demo.companies import build_companies
from vik.demo.extracts import assemble, public
from vik.demo.identifiers import Identifiers
from vik.demo.municipality import BELASTINGEN, Municipality
from vik.demo.plans import RULES, Case, plan_addresses
from vik.demo.planted import Planter
from vik.demo.population import build_population
from vik.demo.quarantine import spoil
from vik.demo.taxes import build_assessments
from vik.demo.truth import write_truth

GENERATOR_VERSION = f"vik-demo 1 (vik {vik.__version__})"
MIN_ADDRESSES = 200
_STAGES = (
    "ids",
    "bag",
    "plan",
    "population",
    "companies",
    "planted",
    "classes",
    "taxes",
    "cases",
    "assemble",
    "quarantine",
)


@dataclass(frozen=True)
class DemoManifest:
    """What was generated where; ``as_json()`` is truth/manifest.json."""

    out_dir: Path
    seed: int
    addresses: int
    as_of: date
    format: str
    rows: dict[str, int]
    planted: dict[str, dict[str, int]]  # rule_id -> {"planted": n, "control": m}
    quarantined: int
    unresolvable: int
    version: str = GENERATOR_VERSION
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def truth_dir(self) -> Path:
        return self.out_dir / "truth"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("out_dir")
        data.pop("files")
        data["as_of"] = self.as_of.isoformat()
        data["generator_version"] = data.pop("version")
        return data


def write_extract(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=False)
    else:
        frame.write_ndjson(path)


def _planted_counts(cases: list[Case]) -> dict[str, dict[str, int]]:
    counts = Counter((c.rule_id, c.kind) for c in cases)
    return {
        rule: {"planted": counts[(rule, "planted")], "control": counts[(rule, "control")]}
        for rule in RULES
    }


def build_town(
    addresses: int, seed: int, as_of: date
) -> tuple[Municipality, list[Case], dict[str, Any]]:
    """The whole municipality in memory: internal frames, planted cases, random streams."""
    streams = np.random.SeedSequence(seed).spawn(len(_STAGES))
    rng = {name: np.random.default_rng(s) for name, s in zip(_STAGES, streams, strict=True)}
    ids = Identifiers(rng["ids"])
    bag = build_bag(rng["bag"], addresses, ids)
    bag, plans, reserved, exclusive = plan_addresses(rng["plan"], bag, addresses)
    town = Municipality(as_of=as_of, bag=bag, reserved_a=reserved)

    population = build_population(rng["population"], bag, ids, as_of, exclusive)
    town.add("persons", population.persons)
    town.add("periods", population.periods)
    kvk = build_companies(rng["companies"], bag, population, ids, as_of, reserved)
    town.add("companies", kvk.companies)
    town.add("vestigingen", kvk.vestigingen)

    planter = Planter(rng["planted"], town, ids)
    cases = planter.plant(plans)
    town.classes(rng["classes"])

    assessments = build_assessments(
        rng["taxes"],
        bag,
        town.periods,
        town.vestigingen,
        as_of,
        lambda rows: town.may_be_open(BELASTINGEN, rows["a"], rows["p"], rows["c"]),
    )
    town.add("assessments", assessments.with_columns(_with_id=pl.lit(None, dtype=pl.Boolean)))
    if planter.assessments:
        town.add("assessments", pl.DataFrame(planter.assessments, infer_schema_length=None))
    build_background_cases(rng["cases"], town, addresses)
    return town, cases, rng


def generate_municipality(
    out_dir: Path, *, addresses: int, seed: int, as_of: date, fmt: str = "csv"
) -> DemoManifest:
    """Write ``out_dir/<source>.<fmt>`` for every source and ``out_dir/truth/``."""
    if fmt not in FORMATS:
        raise ValueError(f"onbekend formaat {fmt!r}; kies uit {', '.join(FORMATS)}")
    if addresses < MIN_ADDRESSES:
        raise ValueError(f"kies minstens {MIN_ADDRESSES} adressen (gekozen: {addresses})")
    town, cases, rng = build_town(addresses, seed, as_of)
    frames = assemble(rng["assemble"], town)
    frames, invalid = spoil(rng["quarantine"], frames)

    out_dir.mkdir(parents=True, exist_ok=True)
    # The extract date is the file's date: the demo's extracts are the evening's of as_of.
    evening = datetime.combine(as_of, time(20, 0)).timestamp()
    files = {}
    for source in frames:
        for other in FORMATS:  # an older run in another format would make ingest ambiguous
            stale = out_dir / f"{source}.{other}"
            if other != fmt and stale.is_file():
                stale.unlink()
        files[source] = out_dir / f"{source}.{fmt}"
        write_extract(public(source, frames[source]), files[source], fmt)
        os.utime(files[source], (evening, evening))

    process = ("vergunningen", "handhaving", "meldingen")
    manifest = DemoManifest(
        out_dir=out_dir,
        seed=seed,
        addresses=addresses,
        as_of=as_of,
        format=fmt,
        rows={source: frame.height for source, frame in frames.items()},
        planted=_planted_counts(cases),
        quarantined=invalid.height,
        unresolvable=sum(int((~frames[s]["_resolvable"]).sum()) for s in process),
        files=files,
    )
    write_truth(manifest.truth_dir, frames, town, cases, invalid, manifest.as_json())
    return manifest
