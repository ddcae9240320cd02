"""BSN pseudonyms: a keyed HMAC-SHA256, applied at the door.

A raw BSN never leaves the connector: it is validated (elfproef) and replaced
by ``pseudonymise`` before anything is written, logged or handed on.

    >>> key = PseudonymKey(b"0" * 32)
    >>> pseudonymise(pl.Series(["111222333"]), key).to_list()  # doctest: +SKIP
    ['5f0c...']
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from vik.errors import PseudonymKeyError
from vik.files import write_private_text
from vik.settings import Settings

MIN_KEY_BYTES = 32
PSEUDONYM_HEX_CHARS = 32  # 128 bits: collisions are out of reach for any population


@dataclass(frozen=True)
class PseudonymKey:
    """The secret; never printed (its repr hides it)."""

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            raise PseudonymKeyError(
                f"De sleutel voor BSN-pseudoniemen is te kort ({len(self.secret)} bytes); "
                f"gebruik ten minste {MIN_KEY_BYTES} willekeurige bytes, bijvoorbeeld "
                "`openssl rand -hex 32`."
            )

    def __repr__(self) -> str:
        return "PseudonymKey(<verborgen>)"


# Where `vik init` (<home>/secrets) and `vik demo run` (<data_dir>/secrets) put the key.
KEY_FILE = Path("secrets") / "pseudoniem.key"


def default_key_files(settings: Settings) -> tuple[Path, ...]:
    """The key file VIK itself wrote, read when no key is configured: never a new key, so
    the pseudonyms stay the same from night to night."""
    return tuple(dict.fromkeys((settings.home / KEY_FILE, settings.data_dir / KEY_FILE)))


def load_key(settings: Settings) -> PseudonymKey:
    """Read the key from VIK_PSEUDONYM_KEY, the file VIK_PSEUDONYM_KEY_FILE names, or else
    the key file `vik init` or `vik demo run` wrote (``default_key_files``)."""
    if settings.pseudonym_key is not None:
        return PseudonymKey(settings.pseudonym_key.get_secret_value().strip().encode())
    if settings.pseudonym_key_file is not None:
        path = settings.pseudonym_key_file
        if not path.is_file():
            raise PseudonymKeyError(
                f"Het sleutelbestand voor BSN-pseudoniemen bestaat niet: {path}. "
                "Zet VIK_PSEUDONYM_KEY_FILE naar een bestaand bestand."
            )
        return PseudonymKey(path.read_bytes().strip())
    for path in default_key_files(settings):
        if path.is_file():
            return PseudonymKey(path.read_bytes().strip())
    raise PseudonymKeyError(
        "Geen sleutel voor BSN-pseudoniemen. Zet VIK_PSEUDONYM_KEY_FILE naar een bestand met "
        "ten minste 32 willekeurige bytes (bijvoorbeeld `openssl rand -hex 32 > vik.key`), "
        "of VIK_PSEUDONYM_KEY. Bewaar de sleutel geheim en houd hem gelijk van nacht tot "
        "nacht: een andere sleutel geeft andere pseudoniemen."
    )


def create_demo_key(path: Path) -> tuple[PseudonymKey, bool]:
    """Create (once) a local key file for the demo; returns the key and whether it is new."""
    if path.is_file():
        return PseudonymKey(path.read_bytes().strip()), False
    write_private_text(path, secrets.token_hex(MIN_KEY_BYTES))  # 0600 from the first byte
    return PseudonymKey(path.read_bytes().strip()), True


def _hmac_sha256_hex(key: bytes, values: list[str]) -> list[str]:
    """HMAC-SHA256 (RFC 2104) of many short messages, hex-truncated.

    Identical to ``hmac.digest(key, value, "sha256")``; the padded inner and outer
    hash states are computed once and copied per value, which halves the cost at a
    million BSNs a night.
    """
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    result = []
    for value in values:
        step = inner.copy()
        step.update(value.encode())
        final = outer.copy()
        final.update(step.digest())
        result.append(final.hexdigest()[:PSEUDONYM_HEX_CHARS])
    return result


def valid_bsn(text: str) -> bool:
    """Nine digits passing the elfproef (what the connectors accept as a BSN)."""
    if len(text) != 9 or not text.isdigit() or int(text) == 0:
        return False
    digits = [int(d) for d in text]
    checksum = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return checksum % 11 == 0


def pseudonymise_one(bsn: str, key: PseudonymKey) -> str:
    """One BSN typed at a lookup or inzageverzoek, as the connectors pseudonymise it."""
    return _hmac_sha256_hex(key.secret, [bsn])[0]


def keyed_reference(text: str, key: PseudonymKey) -> str:
    """A keyed hash of a normalised search (name and birth date, say): the audit log can
    say that the same search was made again, and an inzage finds it, without holding it."""
    return _hmac_sha256_hex(key.secret, ["zoekvraag\x1f" + text])[0]


def pseudonymise(bsn: pl.Series, key: PseudonymKey) -> pl.Series:
    """Map valid 9-digit BSNs to hex pseudonyms; nulls stay null.

    The HMAC runs once per distinct BSN; polars maps the result back onto the rows.
    """
    distinct = bsn.drop_nulls().unique()
    pseudonyms = _hmac_sha256_hex(key.secret, distinct.to_list())
    return bsn.replace_strict(
        distinct, pl.Series(pseudonyms, dtype=pl.String), default=None, return_dtype=pl.String
    ).alias(bsn.name)
