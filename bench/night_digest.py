"""Digest of one demo night: hashes of the generated files, the links and the flags.

    .venv/bin/python bench/night_digest.py --addresses 5000 --out var/digest
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/night_digest.py ...

Generates the demo municipality (seed 1, peildatum 2026-11-01, fixed pseudonym
key), hashes every generated file, runs ``run_nightly`` once into a fresh SQLite
database and hashes the link table (source, record, entity type, entity,
confidence, method, status, reason) and the flags with their evidence, each
sorted. Two checkouts that print the same digests generate the same files and
produce the same links and flags: how a refactoring is shown to change nothing.

Entity types are hashed in one vocabulary (adres, persoon, bedrijf): before issue 16
the link table said address, person and company. ``--dump`` also writes the links,
flags and evidence as Parquet files beside the digest, to find what differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve()
CONFIG = HERE.parents[1] / "config"
KEY = b"digest-key-" + b"0" * 32
PEILDATUM = date(2026, 11, 1)
ONE_VOCABULARY = {"address": "adres", "person": "persoon", "company": "bedrijf"}


def _sha(rows: list[tuple]) -> str:
    text = "\n".join("\t".join(map(str, row)) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--dump", action="store_true", help="write the rows as Parquet too")
    args = parser.parse_args()

    from vik.connectors.pseudonyms import PseudonymKey
    from vik.demo.generator import generate_municipality
    from vik.nightly import NightlyConfig, run_nightly
    from vik.settings import Settings

    extracts = args.out / "extracts"
    generate_municipality(extracts, addresses=args.addresses, seed=args.seed, as_of=PEILDATUM)
    files = {
        str(p.relative_to(extracts)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(extracts.rglob("*"))
        if p.is_file()
    }
    database = args.out / "vik.db"
    database.unlink(missing_ok=True)
    settings = Settings(data_dir=args.out / "data", config_dir=CONFIG)
    config = NightlyConfig.from_settings(
        settings,
        extracts_dir=extracts,
        database_url=f"sqlite:///{database}",
        peildatum=PEILDATUM,
        key=PseudonymKey(KEY),
    )
    # The database is created on purpose (`vik db upgrade`); older checkouts migrated in
    # run_nightly itself, for which this is a no-op.
    from vik.store.db import connect, migrate

    migrate(connect(f"sqlite:///{database}"))
    result = run_nightly(config)
    with sqlite3.connect(database) as connection:
        links = connection.execute(
            "select source, record_key, entity_type, entity_id, round(confidence, 9), method, "
            "status, reason from link order by 1, 2, 3"
        ).fetchall()
        links = [(r[0], r[1], ONE_VOCABULARY.get(r[2], r[2]), *r[3:]) for r in links]
        flags = connection.execute(
            'select rule_id, entity_type, entity_key, department, status, severity, "values", '
            "explanation from flag order by 1, 2, 3, 4"
        ).fetchall()
        evidence = connection.execute(
            "select f.rule_id, f.entity_key, f.department, e.source, e.record_key, "
            "e.link_confidence, e.link_method from flag_evidence e join flag f on f.id = "
            "e.flag_id order by 1, 2, 3, 4, 5"
        ).fetchall()
    if args.dump:
        import polars as pl

        for name, rows in (("links", links), ("flags", flags), ("evidence", evidence)):
            pl.DataFrame(rows, orient="row", infer_schema_length=None).write_parquet(
                args.out / f"{name}.parquet"
            )
    digest = {
        "addresses": args.addresses,
        "seed": args.seed,
        "files": _sha(sorted(files.items())),
        "links": [len(links), _sha(links)],
        "flags": [len(flags), _sha(flags)],
        "evidence": [len(evidence), _sha(evidence)],
        "flag_counts": result.flag_counts,
    }
    print(json.dumps(digest, indent=1))


if __name__ == "__main__":
    main()
