"""Benchmark of the demo generator: wall time and peak memory of one `generate_municipality`.

    .venv/bin/python bench/generate.py --addresses 500000 --out /tmp/vik-demo-500k

Prints the rows per extract, the wall time of the generation alone (imports
excluded) and the peak resident set size of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from vik.demo.generator import generate_municipality


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--format", choices=("csv", "parquet", "jsonl"), default="csv")
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary folder)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="vik-demo-") as scratch:
        out = args.out or Path(scratch)
        start = time.perf_counter()
        manifest = generate_municipality(
            out, addresses=args.addresses, seed=args.seed, as_of=args.as_of, fmt=args.format
        )
        seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    for source, rows in manifest.rows.items():
        print(f"{source:<13} {rows:>10,}")
    planted = sum(c["planted"] for c in manifest.planted.values())
    controls = sum(c["control"] for c in manifest.planted.values())
    print(f"planted cases {planted:>10,}   controls {controls:,}")
    print(f"addresses={args.addresses} format={args.format} seed={args.seed}")
    print(f"wall time     {seconds:>10.1f} s")
    print(f"peak RSS      {peak_mib:>10.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
