"""Stable keys: record keys and entity ids that stay the same night after night.

    >>> stable_hashes(pl.Series(["a|b"]), "h", 10)[0]  # doctest: +SKIP
    'h3c7a...'

Ingest keys rows without an identifier with them; the person matcher names a
person outside the BRP with them. Kept apart from ingest so that a later stage
can use them without importing the connectors' machinery.
"""

from __future__ import annotations

import hashlib

import polars as pl


def stable_hashes(values: pl.Series, prefix: str, digest_size: int) -> pl.Series:
    """prefix + a hex digest of each value: ids that stay the same night after night.

    A cryptographic hash, not polars' own (which may change between versions):
    record keys and entity ids are cited as evidence and must survive upgrades.

        >>> stable_hashes(pl.Series(["a|b"]), "h", 10)[0]  # doctest: +SKIP
        'h3c7a...'
    """
    return pl.Series(
        [
            prefix + hashlib.blake2b(v.encode(), digest_size=digest_size).hexdigest()
            for v in values.to_list()
        ],
        dtype=pl.String,
    )
