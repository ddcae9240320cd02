"""Benchmark of a lookup (bevraging) on the 500,000-address demo, after start-up.

    .venv/bin/python bench/lookup.py --keep var/bench --addresses 500000

The demo municipality (seed 1, peildatum 2026-11-01) is generated once into
``<keep>/demo-<size>`` and one night runs into ``<keep>/lookup-<size>`` (SQLite and the
night's lookup projection); both are reused when there. Then, in a fresh process:

* start-up: importing VIK's lookup, reading config/purposes.yaml and connecting;
* per kind of lookup (an address typed as text, a person by BSN, a person by name and
  birth date, a company by KvK number): finding the subject, step 1 (hit/no-hit) and
  step 2 (content), each with its audit entry and commit, timed from the request to the
  answer; the first lookup of the process apart from the median of five repeats;
* the whole command ``vik zoek adres ... --inhoud --json`` as a user runs it, process
  start included, median of five.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
CONFIG = ROOT / "config"
KEY = "bench-key-" + "0" * 32
PEILDATUM = date(2026, 11, 1)
REASON = "Benchmark van de bevraging, zaak BENCH-1"


def prepare(keep: Path, addresses: int) -> tuple[Path, Path]:
    extracts = keep / f"demo-{addresses}"
    if not (extracts / "bag.csv").exists():
        from vik.demo.generator import generate_municipality

        generate_municipality(extracts, addresses=addresses, seed=1, as_of=PEILDATUM)
    night = keep / f"lookup-{addresses}"
    if not (night / "vik.db").exists():
        from vik.connectors.pseudonyms import PseudonymKey
        from vik.nightly import NightlyConfig, run_nightly

        night.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        run_nightly(
            NightlyConfig(
                extracts_dir=extracts,
                database_url=f"sqlite:///{night / 'vik.db'}",
                config_dir=CONFIG,
                data_dir=night / "data",
                peildatum=PEILDATUM,
                key=PseudonymKey(KEY.encode()),
            )
        )
        print(f"nacht: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return extracts, night


def measure(extracts: Path, night: Path) -> dict:
    """In this (fresh) process: start-up, then each kind of lookup."""
    started = time.perf_counter()
    import polars as pl

    from vik.connectors.pseudonyms import PseudonymKey
    from vik.lookup.bevraging import LookupRequest
    from vik.lookup.service import Lookups, Query
    from vik.store.db import connect, session_scope

    lookups = Lookups.from_config(CONFIG, data_dir=night / "data", key=PseudonymKey(KEY.encode()))
    engine = connect(f"sqlite:///{night / 'vik.db'}")
    startup = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    startup_cpu = usage.ru_utime + usage.ru_stime

    brp = pl.read_csv(extracts / "brp.csv", infer_schema=False, n_rows=20000)
    kvk = pl.read_csv(extracts / "kvk.csv", infer_schema=False, n_rows=10)
    resident = brp.row(1234, named=True)
    # A resident as the projection holds them (the extract's dates come in several formats).
    person = pl.read_parquet(
        next((night / "data" / "bevraging").iterdir()) / "personen.parquet"
    ).row(1234, named=True)
    suffix = (resident["huisletter"] or "") + (
        f"-{resident['huisnummertoevoeging']}" if resident["huisnummertoevoeging"] else ""
    )
    queries = {
        "adres (tekst)": (
            "burgerzaken",
            "adresonderzoek",
            Query.address(
                f"{resident['straatnaam']} {resident['huisnummer']}{suffix}, {resident['woonplaats']}"
            ),
        ),
        "persoon (BSN)": ("ondermijning", "ondermijningsbeeld", Query.person(bsn=resident["bsn"])),
        "persoon (naam, geboortedatum)": (
            "ondermijning",
            "ondermijningsbeeld",
            Query.person(naam=person["naam_sleutel"], geboortedatum=person["geboortedatum"]),
        ),
        "bedrijf (KvK)": (
            "handhaving",
            "handhavingsonderzoek",
            Query.company(kvk=kvk["kvk_nummer"][0]),
        ),
    }

    def once(department: str, purpose: str, query: Query) -> tuple[float, str]:
        request = LookupRequest("bench", department, purpose, REASON, "cli")
        begin = time.perf_counter()
        with session_scope(engine) as session:
            found = lookups.find(session, request, query)
            outcome = "kandidaten" if found.subject is None else "gevonden"
            if found.subject is not None:
                lookups.hit_no_hit(session, request, found.subject)
                lookups.content(session, request, found.subject)
        return time.perf_counter() - begin, outcome

    results = {}
    for label, (department, purpose, query) in queries.items():
        first, outcome = once(department, purpose, query)
        repeats = [once(department, purpose, query)[0] for _ in range(5)]
        results[label] = {
            "uitkomst": outcome,
            "eerste_s": round(first, 3),
            "mediaan_s": round(statistics.median(repeats), 3),
            "max_s": round(max(repeats), 3),
        }
    return {
        "opstart_s": round(startup, 3),
        "opstart_cpu_s": round(startup_cpu, 3),
        "bevragingen": results,
    }


def whole_command(extracts: Path, night: Path) -> dict:
    import polars as pl

    resident = pl.read_csv(extracts / "brp.csv", infer_schema=False, n_rows=2000).row(
        1000, named=True
    )
    env = {
        **os.environ,
        "VIK_CONFIG_DIR": str(CONFIG),
        "VIK_DATA_DIR": str(night / "data"),
        "VIK_DATABASE_URL": f"sqlite:///{night / 'vik.db'}",
        "VIK_PSEUDONYM_KEY": KEY,
    }
    command = [
        str(ROOT / ".venv" / "bin" / "vik"), "zoek", "adres",
        f"{resident['straatnaam']} {resident['huisnummer']}{resident['huisletter'] or ''}",
        "--doel", "adresonderzoek", "--reden", REASON, "--afdeling", "burgerzaken",
        "--inhoud", "--json",
    ]  # fmt: skip
    times, cpu = [], []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        begin = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - begin)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
    # CPU time (user + system) says what the command costs whatever else the machine does.
    return {
        "vik_zoek_mediaan_s": round(statistics.median(times), 3),
        "vik_zoek_max_s": round(max(times), 3),
        "vik_zoek_cpu_mediaan_s": round(statistics.median(cpu), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--addresses", type=int, default=500_000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    extracts, night = args.keep / f"demo-{args.addresses}", args.keep / f"lookup-{args.addresses}"
    if args.measure:
        print(json.dumps(measure(extracts, night)))
        return
    prepare(args.keep, args.addresses)
    # A fresh process: start-up is measured as a user meets it.
    inner = subprocess.run(
        [
            sys.executable,
            str(HERE),
            "--keep",
            str(args.keep),
            "--addresses",
            str(args.addresses),
            "--measure",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(inner.stdout)
    result.update(whole_command(extracts, night))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
