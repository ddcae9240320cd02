"""Benchmark of the whole nightly run: wall time per step and peak memory, per size.

    .venv/bin/python bench/nightly.py --keep var/bench
    .venv/bin/python bench/nightly.py --keep var/bench --sizes 500000 --db postgres
    .venv/bin/python bench/nightly.py --keep var/bench --sizes 10000 --prefect --flow

For every size (addresses of a demo municipality, seed 1, peildatum 2026-11-01)
the extracts are generated once into ``<keep>/demo-<size>`` (reused when they are
there: generation is not part of the figure). Then ``run_nightly`` (the whole
night without Prefect: extract, resolve, evaluate, persist, purge, report in one
transaction) runs ``--nights`` times on one fresh database and the same
extracts: night 1 writes everything, night 2 finds links and flags unchanged.

Every night runs in a fresh subprocess, so its peak memory (ru_maxrss, which
includes Python and the imported libraries) is its own. Reported per night: the
step times the run records itself (``run.step_seconds``), the persist step split
into its parts, ``setup+commit`` (engine, migrations, rule loading, lock, the
final commit: the run's wall time minus its steps) and the total wall time of
``run_nightly``.

``--prefect`` measures Prefect's own start-up apart, twice, each in a fresh
process: importing prefect, the time until the first task of a trivial flow
starts (the ephemeral API server is started as a subprocess), and that flow's
whole run; the first start finds an empty PREFECT_HOME, the second finds the
one the first left, as every later night does. ``--flow`` also runs the real
``nightly_flow`` once per size on a fresh database, with that same PREFECT_HOME;
"the rest" is its wall time minus its steps: Prefect's start-up and task
overhead, plus the run's own setup and commit.

``--db postgres`` uses the PostgreSQL server at ``--pg-url`` (default
postgresql://postgres@127.0.0.1:5432/vik_bench, created if missing; a database
of its own because the run lock is an advisory lock per database, which would
otherwise collide with a test run on the same server), one schema per size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve()
CONFIG = HERE.parents[1] / "config"
KEY = "bench-key-" + "0" * 32  # a fixed pseudonym key: the benchmark keeps nothing secret
SEED = 1
PEILDATUM = date(2026, 11, 1)
PG_URL = "postgresql://postgres@127.0.0.1:5432/vik_bench"
PERSIST_PARTS = ("record_rules", "persist_evaluation", "sync_links", "_refresh_dossiers")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _in_subprocess(*args: str, env: dict[str, str] | None = None) -> dict:
    """Run this script as a worker in a fresh process; it prints one JSON line last."""
    done = subprocess.run(
        [sys.executable, str(HERE), "_worker", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- workers (each in its own process) ----------------------------------------------------


def _night_worker(extracts: str, database_url: str, data_dir: str) -> dict:
    import vik.nightly as nightly
    from vik.connectors.pseudonyms import PseudonymKey
    from vik.store.db import connect, session_scope
    from vik.store.models import Run

    parts: dict[str, float] = {}

    def timed(name: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    try:  # the night's steps live in vik.pipeline since issue 16; before, in vik.nightly
        import vik.pipeline as steps
    except ImportError:
        steps = nightly
    for name in PERSIST_PARTS:
        setattr(steps, name, timed(name, getattr(steps, name)))
    peaks: dict[str, int] = {}

    class PeakSteps(nightly.Steps):
        """The process's peak RSS after each step: which step sets the peak."""

        def run(self, name, function, *args):  # type: ignore[no-untyped-def]
            try:
                return super().run(name, function, *args)
            finally:
                peaks[name] = round(_peak_mib())

        def map(self, name, function, items, *args):  # type: ignore[no-untyped-def]
            try:
                return super().map(name, function, items, *args)
            finally:
                peaks[name] = round(_peak_mib())

    from vik.store.db import migrate

    migrate(connect(database_url))  # `vik db upgrade`, outside the night's timing
    config = nightly.NightlyConfig(
        extracts_dir=Path(extracts),
        database_url=database_url,
        config_dir=CONFIG,
        data_dir=Path(data_dir),
        peildatum=PEILDATUM,
        key=PseudonymKey(KEY.encode()),
    )
    started = time.perf_counter()
    result = nightly.run_nightly(config, PeakSteps())
    total = time.perf_counter() - started
    with session_scope(connect(database_url)) as session:
        run = session.get(Run, result.run_id)
        steps = dict(run.step_seconds or {})
        link_changes = json.loads(result.report_path.with_suffix(".json").read_text())[
            "link_changes"
        ]
    return {
        "steps": steps,
        # The dossier refresh also runs inside purge when flags were purged.
        "persist_parts": {k: round(v, 3) for k, v in parts.items()},
        "setup_commit": round(total - sum(steps.values()), 3),
        "total": round(total, 3),
        "peak_mib": round(_peak_mib()),
        "peak_after_mib": peaks,
        "flags": result.flag_counts,
        "links": link_changes,
    }


def _prefect_startup_worker() -> dict:
    started = time.perf_counter()
    from prefect import flow, task

    imported = time.perf_counter()
    first_task: list[float] = []

    @task
    def probe() -> None:
        first_task.append(time.perf_counter())

    @flow
    def trivial() -> None:
        probe()

    trivial()
    finished = time.perf_counter()
    return {
        "import": round(imported - started, 3),
        "until_first_task": round(first_task[0] - imported, 3),
        "trivial_flow": round(finished - imported, 3),
        "peak_mib": round(_peak_mib()),
    }


def _flow_worker(extracts: str, database_url: str) -> dict:
    import os

    from vik.store.db import connect, migrate, session_scope
    from vik.store.models import Run

    migrate(connect(database_url))  # `vik db upgrade`; the flow reads VIK_DATABASE_URL
    os.environ["VIK_DATABASE_URL"] = database_url
    started = time.perf_counter()
    from vik.flows.nightly import nightly_flow

    imported = time.perf_counter()
    result = nightly_flow(extracts_dir=extracts, peildatum=PEILDATUM)
    finished = time.perf_counter()

    with session_scope(connect(database_url)) as session:
        steps = dict(session.get(Run, result["run_id"]).step_seconds or {})
    return {
        "import": round(imported - started, 3),
        "flow": round(finished - imported, 3),
        "steps": steps,
        "peak_mib": round(_peak_mib()),
    }


# --- the driver ---------------------------------------------------------------------------


def _extracts(keep: Path, size: int) -> Path:
    folder = keep / f"demo-{size}"
    if not (folder / "truth" / "manifest.json").is_file():
        from vik.demo.generator import generate_municipality

        print(f"generating {size:,} addresses into {folder}", flush=True)
        generate_municipality(folder, addresses=size, seed=SEED, as_of=PEILDATUM, fmt="csv")
    return folder


def _fresh_database(kind: str, size: int, work: Path, pg_url: str, label: str) -> str:
    if kind == "sqlite":
        path = work / f"vik-{label}-{size}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    server, _, database = pg_url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}"')
    schema = f"bench_{label}_{size}"
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.execute(f'CREATE SCHEMA "{schema}"')
    return f"{pg_url}?options={quote(f'-csearch_path={schema}')}"


def _print_night(size: int, db: str, night: int, figures: dict) -> None:
    steps = " ".join(f"{k} {v:.1f}" for k, v in figures["steps"].items())
    parts = " ".join(f"{k} {v:.1f}" for k, v in figures["persist_parts"].items())
    print(
        f"{size:>8,} {db:<8} night {night}: total {figures['total']:6.1f} s  "
        f"peak {figures['peak_mib']:>6,} MiB | {steps} | setup+commit "
        f"{figures['setup_commit']:.1f} | persist: {parts} | links {figures['links']} | "
        f"peak after: {figures['peak_after_mib']}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 500_000])
    parser.add_argument("--keep", type=Path, help="folder for the demo extracts and databases")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--nights", type=int, default=2)
    parser.add_argument("--prefect", action="store_true", help="measure Prefect's start-up")
    parser.add_argument("--flow", action="store_true", help="also run nightly_flow once")
    parser.add_argument("--json", type=Path, help="append the figures as JSON lines here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="vik-bench-") as scratch:
        keep = args.keep or Path(scratch)
        keep.mkdir(parents=True, exist_ok=True)
        work = keep / "nightly"
        work.mkdir(exist_ok=True)
        results = []
        kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
        # One PREFECT_HOME for this invocation: the first start creates Prefect's
        # database, later ones find it, as every later night (vik run keeps it in data_dir).
        home = tempfile.mkdtemp(prefix="prefect-home-", dir=work)
        if args.prefect:
            for start in ("first", "later"):
                figures = _in_subprocess("prefect-startup", env={"PREFECT_HOME": home})
                print(
                    f"Prefect start-up ({start} run): import {figures['import']:.1f} s, first "
                    f"task after {figures['until_first_task']:.1f} s, trivial flow "
                    f"{figures['trivial_flow']:.1f} s, peak {figures['peak_mib']:,} MiB",
                    flush=True,
                )
                results.append({"measure": "prefect-startup", "start": start, **figures})
        for size in args.sizes:
            extracts = _extracts(keep, size)
            for kind in kinds:
                url = _fresh_database(kind, size, work, args.pg_url, "night")
                data_dir = work / f"data-{kind}-{size}"
                for night in range(1, args.nights + 1):
                    figures = _in_subprocess("night", str(extracts), url, str(data_dir))
                    _print_night(size, kind, night, figures)
                    results.append(
                        {"measure": "night", "size": size, "db": kind, "night": night, **figures}
                    )
                if args.flow:
                    url = _fresh_database(kind, size, work, args.pg_url, "flow")
                    env = {
                        "PREFECT_HOME": home,
                        "VIK_CONFIG_DIR": str(CONFIG),
                        "VIK_DATA_DIR": str(work / f"flow-{kind}-{size}"),
                        "VIK_PSEUDONYM_KEY": KEY,
                    }
                    figures = _in_subprocess("flow", str(extracts), url, env=env)
                    print(
                        f"{size:>8,} {kind:<8} nightly_flow: {figures['flow']:.1f} s "
                        f"(steps {sum(figures['steps'].values()):.1f} s), import "
                        f"{figures['import']:.1f} s, peak {figures['peak_mib']:,} MiB",
                        flush=True,
                    )
                    results.append({"measure": "flow", "size": size, "db": kind, **figures})
        if args.json:
            with args.json.open("a", encoding="utf-8") as out:
                for row in results:
                    out.write(json.dumps({"date": date.today().isoformat(), **row}) + "\n")
    print()
    print(markdown(results))
    return 0


def markdown(results: list[dict]) -> str:
    """The figures as the Markdown tables of bench/README.md."""
    steps = ("extract", "resolve", "evaluate", "persist", "purge", "report")
    lines = [
        "| addresses | database | night | " + " | ".join(steps) + " | setup+commit | total (s) "
        "| peak RSS (MiB) |",
        "|" + "---:|" * 3 + "---:|" * (len(steps) + 3),
    ]
    for row in (r for r in results if r["measure"] == "night"):
        cells = [f"{row['size']:,}", row["db"], str(row["night"])]
        cells += [f"{row['steps'].get(step, 0):.1f}" for step in steps]
        cells += [f"{row['setup_commit']:.1f}", f"{row['total']:.1f}", f"{row['peak_mib']:,}"]
        lines.append("| " + " | ".join(cells) + " |")
    flows = [r for r in results if r["measure"] == "flow"]
    if flows:
        lines += [
            "",
            "| addresses | database | nightly_flow (s) | its steps (s) | the rest (s) "
            "| peak RSS (MiB) |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for row in flows:
            inside = sum(row["steps"].values())
            lines.append(
                f"| {row['size']:,} | {row['db']} | {row['flow']:.1f} | {inside:.1f} "
                f"| {row['flow'] - inside:.1f} | {row['peak_mib']:,} |"
            )
    starts = [r for r in results if r["measure"] == "prefect-startup"]
    if starts:
        lines += [
            "",
            "| Prefect start-up | import prefect (s) | until the first task runs (s) "
            "| trivial flow (s) |",
            "|---|---:|---:|---:|",
        ]
        for row in starts:
            lines.append(
                f"| {row['start']} run | {row['import']:.1f} | {row['until_first_task']:.1f} "
                f"| {row['trivial_flow']:.1f} |"
            )
    return "\n".join(lines)


def worker(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "night":
        figures = _night_worker(*rest)
    elif kind == "prefect-startup":
        figures = _prefect_startup_worker()
    elif kind == "flow":
        figures = _flow_worker(*rest)
    else:
        raise SystemExit(f"unknown worker {kind}")
    print(json.dumps(figures))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        worker(sys.argv[2:])
    else:
        sys.exit(main())
