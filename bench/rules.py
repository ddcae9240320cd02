"""Benchmark of rule evaluation: all built-in rules on a resolved demo municipality.

    .venv/bin/python bench/rules.py --addresses 500000 --keep var/bench

The demo municipality (seed 1, peildatum 2026-11-01) is generated once into
``<keep>/demo-<addresses>``, then ingested and resolved once in a subprocess
whose resolved frames are written as Parquet to ``<keep>/resolved-<addresses>``
(both reused when present: neither is part of the figure; ``--refresh`` resolves
again, after a change to vik/connectors or vik/resolve). The measurement runs
in a fresh subprocess: it reads the resolved frames, loads config/rules and
calls ``evaluate_rules`` ``--repeat`` times. Reported: wall time of every
evaluation (and the CPU time of all its threads, which a busy machine disturbs
less) and of each rule in it, hits, and the process's peak resident set
size (ru_maxrss: Python, the libraries and the resolved frames included), next
to the resident size before evaluation started.

``--dump DIR`` writes what the last evaluation decided (every hit with its
values, explanation and evidence; every onbeslist outcome; the per-rule counts)
to DIR; ``--compare DIR`` then says whether it is identical to an earlier dump.
That is how a change to vik/rules is checked to leave behaviour unchanged:

    .venv/bin/python bench/rules.py --addresses 50000 --keep var/bench --dump var/bench/before
    (change the engine)
    .venv/bin/python bench/rules.py --addresses 50000 --keep var/bench --dump var/bench/after \
        --compare var/bench/before

``--baseline CHECKOUT`` measures an earlier checkout of VIK (for instance
``git worktree add ../vik-main main``) and this one in turn, ``--rounds``
times, each in a fresh process on the same frames, and prints the ratios: on a
busy machine only such interleaved ratios mean anything.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve()
CONFIG = HERE.parents[1] / "config"
KEY = "bench-key-" + "0" * 32
SEED = 1
PEILDATUM = date(2026, 11, 1)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _current_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _in_subprocess(*args: str, code: Path | None = None) -> dict:
    """Run a worker in a fresh process; with code, that checkout's vik instead of this one."""
    env = {**os.environ, "PYTHONPATH": str(code)} if code else None
    done = subprocess.run(
        [sys.executable, str(HERE), "_worker", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _prepare_worker(extracts: str, out: str) -> dict:
    from vik.connectors.pseudonyms import PseudonymKey

    try:  # --baseline runs a checkout from before issue 16 split vik/nightly.py
        from vik.pipeline import ingest_and_resolve
    except ImportError:
        from vik.nightly import ingest_and_resolve  # type: ignore[no-redef,attr-defined]

    started = time.perf_counter()
    _, resolved = ingest_and_resolve(Path(extracts), CONFIG, PseudonymKey(KEY.encode()))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in resolved.frames.items():
        frame.write_parquet(folder / f"{name}.parquet")
    return {"seconds": round(time.perf_counter() - started, 1), "peak_mib": round(_peak_mib())}


def _blanked(frames: dict, pl) -> dict:  # type: ignore[no-untyped-def]
    """The frames with values emptied on purpose, so that the rules meet unknown values
    (onbeslist) and records tied to no address (unlinked): every 50th floor area, every
    77th gebruiksdoel, every 33rd BRP start date, every 40th address link of brp, kvk,
    meldingen and vergunningen."""
    blanks = {
        "bag": {"oppervlakte": 50, "gebruiksdoel": 77},
        "brp": {"nummeraanduiding_id": 40, "datum_aanvang_adreshouding": 33},
        "kvk": {"nummeraanduiding_id": 40},
        "meldingen": {"nummeraanduiding_id": 40},
        "vergunningen": {"nummeraanduiding_id": 40},
    }
    row = pl.int_range(pl.len())
    return {
        name: frame.with_columns(
            pl.when(row % every == 0).then(None).otherwise(pl.col(column)).alias(column)
            for column, every in blanks.get(name, {}).items()
        )
        for name, frame in frames.items()
    }


def _evaluate_worker(resolved: str, repeat: str, dump: str = "", blank: str = "") -> dict:
    import polars as pl

    from vik.rules import evaluate_rules, load_context, load_rules

    frames = {p.stem: pl.read_parquet(p) for p in sorted(Path(resolved).glob("*.parquet"))}
    if blank:
        frames = _blanked(frames, pl)
    context = load_context(CONFIG)
    rules = load_rules(CONFIG / "rules", context)
    before = _current_mib()
    runs = []
    for _ in range(int(repeat)):
        started, cpu = time.perf_counter(), time.process_time()
        evaluation = evaluate_rules(rules, frames, PEILDATUM, context)
        seconds = time.perf_counter() - started
        runs.append(
            {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(time.process_time() - cpu, 2),
                "rules": {
                    o.rule_id: {
                        "seconds": round(o.seconds, 2),
                        "hits": o.hits.height,
                        "undecided": o.undecided.height,
                        "ran": o.ran,
                    }
                    for o in evaluation.outcomes
                },
            }
        )
    if dump:
        _dump(evaluation, Path(dump))
    return {
        "rows": {name: frame.height for name, frame in frames.items()},
        "rss_before_mib": round(before),
        "peak_mib": round(_peak_mib()),
        "runs": runs,
    }


def _dump(evaluation, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    evaluation.hits().sort("rule_id", "entity_type", "entity_key", "department").write_parquet(
        folder / "hits.parquet"
    )
    evaluation.undecided().sort("rule_id", "entity_type", "entity_key").write_parquet(
        folder / "undecided.parquet"
    )
    counts = [{k: v for k, v in o.counts().items() if k != "seconds"} for o in evaluation.outcomes]
    (folder / "outcomes.json").write_text(json.dumps(counts, indent=1, sort_keys=True))


def _compare(before: Path, after: Path) -> list[str]:
    """What differs between two dumps (empty: identical)."""
    import polars as pl
    from polars.testing import assert_frame_equal

    differences = []
    for name in ("hits.parquet", "undecided.parquet"):
        try:
            assert_frame_equal(pl.read_parquet(before / name), pl.read_parquet(after / name))
        except AssertionError as error:
            differences.append(f"{name}: {error}")
    if (before / "outcomes.json").read_text() != (after / "outcomes.json").read_text():
        differences.append("outcomes.json differs")
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=500_000)
    parser.add_argument("--keep", type=Path, help="folder for extracts and resolved frames")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--refresh", action="store_true", help="ingest and resolve again")
    parser.add_argument("--dump", type=Path, help="write the last evaluation's decisions here")
    parser.add_argument("--compare", type=Path, help="a dump to compare --dump with")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of the code before a change (e.g. a git worktree of main): it and "
        "this checkout are measured in turn, --rounds times, and the ratio is printed",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds with --baseline")
    parser.add_argument(
        "--blank",
        action="store_true",
        help="empty some values first, so that rules meet onbeslist and unlinked records",
    )
    args = parser.parse_args(argv)
    if args.compare and not args.dump:
        parser.error("--compare needs --dump")

    with tempfile.TemporaryDirectory(prefix="vik-bench-") as scratch:
        keep = args.keep or Path(scratch)
        extracts = keep / f"demo-{args.addresses}"
        if not (extracts / "truth" / "manifest.json").is_file():
            from vik.demo.generator import generate_municipality

            generate_municipality(
                extracts, addresses=args.addresses, seed=SEED, as_of=PEILDATUM, fmt="csv"
            )
        resolved = keep / f"resolved-{args.addresses}"
        if args.refresh or not (resolved / "brp.parquet").is_file():
            prepared = _in_subprocess("prepare", str(extracts), str(resolved))
            print(f"ingest + resolve (once): {prepared['seconds']} s", flush=True)
        dump = str(args.dump.resolve()) if args.dump else ""
        if args.baseline:
            _before_and_after(args, resolved, dump)
            figures = {}
        else:
            blank = "blank" if args.blank else ""
            figures = _in_subprocess("evaluate", str(resolved), str(args.repeat), dump, blank)
    if args.baseline:
        return _compared(args)

    print(f"addresses={args.addresses} rows: {figures['rows']}")
    for number, run in enumerate(figures["runs"], 1):
        print(f"evaluation {number}: {run['seconds']:.1f} s ({run['cpu_seconds']:.1f} s CPU)")
    print(f"{'rule':<26} {'seconds':>8} {'hits':>8} {'onbeslist':>10}")
    for rule_id, rule in figures["runs"][-1]["rules"].items():
        state = "" if rule["ran"] else "  (niet gedraaid)"
        print(
            f"{rule_id:<26} {rule['seconds']:>8.2f} {rule['hits']:>8,} "
            f"{rule['undecided']:>10,}{state}"
        )
    print(f"RSS before evaluation {figures['rss_before_mib']:,} MiB")
    print(f"peak RSS              {figures['peak_mib']:,} MiB")
    return _compared(args)


def _compared(args: argparse.Namespace) -> int:
    if not args.compare:
        return 0
    differences = _compare(args.compare, args.dump)
    print("\n".join(differences) or f"identical to {args.compare}")
    return 1 if differences else 0


def _before_and_after(args: argparse.Namespace, resolved: Path, dump: str) -> None:
    """Before (the baseline checkout) and after (this one) in turn, on the same frames, so
    that a busy machine slows both alike; medians and fastest runs side by side."""
    figures: dict[str, list[dict]] = {"before": [], "after": []}
    blank = "blank" if args.blank else ""
    for number in range(1, args.rounds + 1):
        for label, code in (("before", args.baseline.resolve()), ("after", None)):
            last = number == args.rounds and label == "after"
            worker = ("evaluate", str(resolved), str(args.repeat), dump if last else "", blank)
            figures[label].append(_in_subprocess(*worker, code=code))
            found = figures[label][-1]["runs"]
            wall = ", ".join(f"{run['seconds']:.1f}" for run in found)
            cpu = ", ".join(f"{run['cpu_seconds']:.1f}" for run in found)
            print(f"round {number} {label:<6}: {wall} s ({cpu} s CPU)", flush=True)
    runs = {label: [run for f in found for run in f["runs"]] for label, found in figures.items()}
    print(f"\n{'':<26} {'before':>8} {'after':>8} {'ratio':>6}")
    for name, measure, summary in (
        ("wall, median (s)", "seconds", statistics.median),
        ("wall, fastest (s)", "seconds", min),
        ("CPU, median (s)", "cpu_seconds", statistics.median),
        ("CPU, least (s)", "cpu_seconds", min),
    ):
        before, after = (summary([run[measure] for run in runs[x]]) for x in ("before", "after"))
        print(f"{name:<26} {before:>8.2f} {after:>8.2f} {after / before:>6.2f}")
    peak = {label: max(f["peak_mib"] for f in found) for label, found in figures.items()}
    print(
        f"{'peak RSS (MiB)':<26} {peak['before']:>8,} {peak['after']:>8,} "
        f"{peak['after'] / peak['before']:>6.2f}"
    )
    print("fastest per rule (s):")
    for rule_id in runs["after"][-1]["rules"]:
        before, after = (min(run["rules"][rule_id]["seconds"] for run in runs[x]) for x in runs)
        print(f"  {rule_id:<24} {before:>8.2f} {after:>8.2f}")


def worker(argv: list[str]) -> None:
    kind, *rest = argv
    figures = {"prepare": _prepare_worker, "evaluate": _evaluate_worker}[kind](*rest)
    print(json.dumps(figures))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        worker(sys.argv[2:])
    else:
        sys.exit(main())
