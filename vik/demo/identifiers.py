"""Unique identifiers of the synthetic municipality: BSN, KvK numbers and BAG ids.

One ``Identifiers`` per generation hands out numbers that are unique across
background and planted cases, all drawn from the run's seed:

    >>> ids = Identifiers(np.random.default_rng(1))
    >>> bsn = ids.bsn(3)  # int64; as_text(bsn, 9) gives the 9-digit strings
    >>> bool(elfproef(bsn).all())
    True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from vik.demo.names import GEMEENTECODE

_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def _weighted_digit_sum(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum of digit × weight, the last digit weighted by weights[-1]."""
    total = np.zeros(values.shape, dtype=np.int64)
    rest = values.copy()
    for weight in weights[::-1]:
        total += (rest % 10) * weight
        rest //= 10
    return total


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique, by sorting: much faster than np.unique for millions of int64."""
    ordered = np.sort(values)
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def as_text(numbers: np.ndarray, width: int) -> pl.Series:
    """Numbers as zero-padded digit strings (a BSN, KvK number or BAG id as delivered)."""
    return pl.Series(numbers, dtype=pl.Int64).cast(pl.String).str.zfill(width)


def elfproef(bsn: np.ndarray) -> np.ndarray:
    """Whether 9-digit numbers (or their strings) pass the BSN elfproef."""
    numbers = np.asarray(bsn).astype(np.int64)
    total = _weighted_digit_sum(numbers, np.array([*_BSN_WEIGHTS, -1], dtype=np.int64))
    return (total % 11 == 0) & (numbers > 0)


class Identifiers:
    """Hands out unique numbers; every call continues where the previous one stopped.

    Numbers are drawn in chunks and buffered: planting asks for a few numbers at a
    time, thousands of times, and checking each small draw against a million
    numbers already handed out would dominate the run.
    """

    _CHUNK = 4096

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self._used: dict[str, np.ndarray] = {}
        self._buffer: dict[str, np.ndarray] = {}
        self._serial = {"20": 0, "01": 0}

    def _unique(self, kind: str, candidates: np.ndarray, n: int) -> np.ndarray:
        used = self._used.get(kind, np.empty(0, dtype=np.int64))  # kept sorted
        # Sorting makes them unique; a permutation afterwards keeps the order random.
        fresh = sorted_unique(candidates)
        if used.size:
            at = np.minimum(np.searchsorted(used, fresh), used.size - 1)
            fresh = fresh[used[at] != fresh]
        fresh = self._rng.permutation(fresh)
        if fresh.size < n:  # pragma: no cover - candidates are drawn with a wide margin
            raise RuntimeError(f"not enough unique {kind} numbers")
        taken = fresh[:n]
        self._used[kind] = np.sort(np.concatenate([used, taken]))
        return taken

    def _take(self, kind: str, n: int, draw: Callable[[int], np.ndarray]) -> np.ndarray:
        buffer = self._buffer.get(kind, np.empty(0, dtype=np.int64))
        if buffer.size < n:
            more = n - buffer.size + self._CHUNK
            buffer = np.concatenate([buffer, self._unique(kind, draw(more), more)])
        self._buffer[kind] = buffer[n:]
        return buffer[:n]

    def _bsn_candidates(self, n: int) -> np.ndarray:
        # First digit 1-6, as issued BSNs; the check digit follows from the other eight.
        prefix = self._rng.integers(10_000_000, 70_000_000, size=2 * n + 64, dtype=np.int64)
        check = _weighted_digit_sum(prefix, _BSN_WEIGHTS) % 11
        valid = check < 10
        return prefix[valid] * 10 + check[valid]

    def bsn(self, n: int) -> np.ndarray:
        """n unique BSNs passing the elfproef (int64; 9 digits)."""
        return self._take("bsn", n, self._bsn_candidates)

    def kvk_nummer(self, n: int) -> np.ndarray:
        """n unique KvK numbers (int64; 8 digits with leading zeros)."""
        return self._take(
            "kvk",
            n,
            lambda k: self._rng.integers(1_000_000, 99_999_999, size=int(k * 1.2) + 64),
        )

    def vestigingsnummer(self, n: int) -> np.ndarray:
        """n unique vestigingsnummers (int64; 12 digits, as the KvK issues them: 0000...)."""
        return self._take(
            "vestiging",
            n,
            lambda k: self._rng.integers(1_000_000, 99_999_999_99, size=int(k * 1.2) + 64),
        )

    def bag_id(self, objecttype: str, n: int) -> np.ndarray:
        """n BAG ids: gemeentecode, object type (20 nummeraanduiding, 01 verblijfsobject), serial.

        Serials rise with gaps, as in a real BAG where objects were added and withdrawn.
        """
        steps = self._rng.integers(1, 4, size=n, dtype=np.int64)
        serials = self._serial[objecttype] + 1000 + np.cumsum(steps)
        self._serial[objecttype] = int(serials[-1]) - 1000 if n else self._serial[objecttype]
        return int(f"{GEMEENTECODE}{objecttype}") * 10**10 + serials
