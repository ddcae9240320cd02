"""CPU time of a whole resolution, this checkout against another, on a busy machine.

    .venv/bin/python bench/resolution_cpu.py save var/bench/res-500000 var/bench/frames-500000
    .venv/bin/python bench/resolution_cpu.py compare var/bench/frames-500000 --baseline ../vik-base

``save`` ingests a demo municipality (made by ``bench/resolution.py demo --keep``)
and keeps the ingested frames as Parquet. ``compare`` then runs
``resolve_extracts`` on them ``--runs`` times in one process, for this checkout
and for the one given with ``--baseline`` (its ``vik`` first on PYTHONPATH), in
turns, ``--rounds`` times, and prints per process the least and the median CPU
time (all threads) and wall time of one resolution. On a machine shared with
others the wall clock of one run can double; the least CPU time of several runs in
a warm process moves by a few per cent.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
KEY = "bench-key-" + "0" * 32  # as bench/resolution.py: the benchmark stores nothing


def save(extracts: Path, out: Path) -> None:
    from vik.connectors.ingest import ingest_extracts
    from vik.connectors.pseudonyms import PseudonymKey

    out.mkdir(parents=True, exist_ok=True)
    ingested = ingest_extracts(extracts, PseudonymKey(KEY.encode()), accept_shrink=["all"])
    for name, frame in ingested.frames().items():
        frame.write_parquet(out / f"{name}.parquet")


def loop(frames_dir: Path, runs: int) -> None:
    import polars as pl

    import vik

    try:  # --baseline runs a checkout from before issue 16 split vik/nightly.py
        from vik.pipeline import empty_judgements
    except ImportError:
        from vik.nightly import empty_judgements  # type: ignore[no-redef,attr-defined]
    from vik.resolve import resolve_extracts

    frames = {path.stem: pl.read_parquet(path) for path in sorted(frames_dir.glob("*.parquet"))}
    cpu, wall = [], []
    for _ in range(runs):
        started, clock = time.process_time(), time.perf_counter()
        resolve_extracts(frames, judgements=empty_judgements())
        cpu.append(time.process_time() - started)
        wall.append(time.perf_counter() - clock)
    cpu.sort()
    wall.sort()
    print(
        f"cpu least {cpu[0]:6.2f} s, median {cpu[runs // 2]:6.2f} s; wall least {wall[0]:6.2f} s, "
        f"median {wall[runs // 2]:6.2f} s  ({Path(vik.__file__).parent})"
    )


def compare(frames_dir: Path, baseline: Path, rounds: int, runs: int) -> None:
    for _ in range(rounds):
        for name, checkout in (("here", None), ("base", baseline)):
            env = dict(os.environ)
            if checkout is not None:
                env["PYTHONPATH"] = os.pathsep.join(
                    [str(checkout.resolve()), *filter(None, [env.get("PYTHONPATH")])]
                )
            done = subprocess.run(
                [sys.executable, str(HERE), "loop", str(frames_dir), str(runs)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"{name}: {done.stdout.strip()}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    save_parser = sub.add_parser("save", help="ingest a demo municipality, keep its frames")
    save_parser.add_argument("extracts", type=Path)
    save_parser.add_argument("out", type=Path)
    loop_parser = sub.add_parser("loop", help="resolve saved frames RUNS times, in this process")
    loop_parser.add_argument("frames", type=Path)
    loop_parser.add_argument("runs", type=int)
    compare_parser = sub.add_parser("compare", help="loop, here and in --baseline, in turns")
    compare_parser.add_argument("frames", type=Path)
    compare_parser.add_argument("--baseline", type=Path, required=True)
    compare_parser.add_argument("--rounds", type=int, default=2)
    compare_parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.command == "save":
        save(args.extracts, args.out)
    elif args.command == "loop":
        loop(args.frames, args.runs)
    else:
        compare(args.frames, args.baseline, args.rounds, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
