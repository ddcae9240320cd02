"""Deliberately invalid process rows, so that a demo shows VIK's quarantine at work.

    >>> frames, invalid = spoil(rng, frames)  # doctest: +SKIP
    >>> invalid.columns
    ['source', 'record_key', 'column', 'problem']

About 0.05% of the vergunningen, handhaving and meldingen rows (at least one of
each problem) get one value ingest must refuse: a postcode of five digits, a BSN
failing the elfproef, a KvK number of 7 digits, or 30 February. Only background
rows with a resolvable address are spoiled, never a planted case's record.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SHARE = 0.0005
PROBLEMS = {
    "postcode": "postcode heeft vijf cijfers, niet de vorm 1234AB",
    "bsn": "BSN voldoet niet aan de elfproef",
    "kvk": "KvK-nummer heeft 7 cijfers in plaats van 8",
    "datum": "onmogelijke datum (30 februari)",
}
_COLUMNS = {
    "vergunningen": {
        "bsn": "aanvrager_bsn",
        "kvk": "aanvrager_kvk",
        "datum": "datum_aanvraag",
        "postcode": "postcode",
    },
    "handhaving": {
        "bsn": "betrokkene_bsn",
        "kvk": "betrokkene_kvk",
        "datum": "datum_start",
        "postcode": "postcode",
    },
    "meldingen": {"datum": "datum", "postcode": "postcode"},
}


def _spoiled(problem: str, value: str) -> str:
    if problem == "postcode":
        return value.replace(" ", "")[:4] + "5"
    if problem == "bsn":
        return value[:8] + str((int(value[8]) + 1) % 10)  # the one check digit that fits, changed
    if problem == "kvk":
        return value[1:]
    # 30 February of the same year, written the way the source writes dates.
    if "-" in value and len(value.split("-")[0]) == 2:
        return f"30-02-{value[-4:]}"
    return f"{value[:4]}-02-30"


def spoil(
    rng: np.random.Generator, frames: dict[str, pl.DataFrame]
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Spoil a few background rows; returns the frames and truth/quarantine.csv's rows."""
    sources = list(_COLUMNS)
    total = sum(frames[s].height for s in sources)
    wanted = max(len(PROBLEMS), round(SHARE * total))
    candidates: dict[str, list[tuple[str, int]]] = {}
    for problem in PROBLEMS:
        pairs = []
        for source in sources:
            column = _COLUMNS[source].get(problem)
            if column is None:
                continue
            frame = frames[source]
            ok = (
                frame[column].is_not_null()
                & ~frame["_planted"].fill_null(False)
                & frame["_resolvable"]
            )
            pairs += [(source, int(i)) for i in np.flatnonzero(ok.to_numpy())]
        candidates[problem] = [pairs[i] for i in rng.permutation(len(pairs))]
    used: set[tuple[str, int]] = set()
    changes: list[tuple[str, int, str, str]] = []
    problems = list(PROBLEMS)
    for i in range(wanted):  # a few dozen rows at most
        problem = problems[i % len(problems)]
        pool = candidates[problem]
        while pool and pool[-1] in used:
            pool.pop()
        if not pool:
            continue
        source, row = pool.pop()
        used.add((source, row))
        changes.append((source, row, problem, _COLUMNS[source][problem]))

    truth = []
    frames = dict(frames)
    for source, row, problem, column in changes:
        frame = frames[source]
        value = frame[column][row]
        frames[source] = frame.with_columns(frame[column].scatter([row], _spoiled(problem, value)))
        truth.append((source, frame["_key"][row], column, PROBLEMS[problem]))
    schema = dict.fromkeys(("source", "record_key", "column", "problem"), pl.String)
    return frames, pl.DataFrame(truth, schema=schema, orient="row").sort("source", "record_key")
