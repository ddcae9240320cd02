"""Bytes to text: what a file is, and which encoding it is in.

    >>> text, encoding = decode(path.read_bytes(), "auto", path)  # doctest: +SKIP
    >>> encoding
    'utf-16-le'

'auto' trusts a byte-order mark (UTF-8 or UTF-16) or the zero bytes UTF-16
gives every ASCII character, then strict UTF-8, then Windows-1252. A file that is
not what its name says gets a message saying what it looks like.
"""

from __future__ import annotations

import re
from pathlib import Path

from vik.connectors.config import SourceConfig
from vik.errors import FileFormatError

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# Bytes that no text file holds (C0 controls other than tab, LF, CR): above this
# share of a file's first 4 KiB, the file is binary, not text with a stray NUL.
_BINARY_SHARE = 0.1
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f]")


def utf16_encoding(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the bytes are UTF-16 (by BOM, or by the zero
    bytes every ASCII character has in UTF-16), else None."""
    for bom, name in _UTF16_BOMS.items():
        if data.startswith(bom):
            return name
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    # Text that is mostly ASCII: in UTF-16-LE every second byte is zero, in -BE every first.
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def looks_like(head: bytes) -> str:
    """What the first bytes of a file say it is, in words for a message."""
    if head.startswith(b"PAR1"):
        return "een Parquet-bestand"
    if head.startswith(b"PK\x03\x04"):
        return "een ZIP- of Excel-bestand (xlsx)"
    if head.startswith(b"\x1f\x8b"):
        return "een met gzip ingepakt bestand"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "een oud Excel-bestand (xls)"
    if utf16_encoding(head):
        return "een UTF-16-tekstbestand"
    # One NUL in a text file is a bad value (its row goes to quarantine), not a binary file.
    if head and len(_CONTROL.findall(head)) > _BINARY_SHARE * len(head):
        return "een binair bestand"
    stripped = head.removeprefix(_UTF8_BOM).lstrip()
    if stripped.startswith((b"{", b"[")):
        return "een JSON-bestand"
    return "een tekstbestand (CSV)"


def wrong_format(path: Path, expected: str, head: bytes) -> FileFormatError:
    return FileFormatError(
        f"{path.name} is geen {expected}: het lijkt {looks_like(head)}. Lever het juiste "
        "formaat aan, geef het bestand de juiste extensie, of zet het formaat in "
        "config/sources.yaml (format: csv|parquet|jsonl)."
    )


def decode(data: bytes, encoding: str, path: Path) -> tuple[str, str]:
    """Decode text; 'auto' trusts a BOM or UTF-16's zero bytes, then strict UTF-8,
    then Windows-1252.

    Strict UTF-8 first is what keeps é, ë and ş intact: valid UTF-8 with
    multi-byte characters practically never is also plausible Windows-1252.
    """
    utf16 = utf16_encoding(data)
    if encoding == "utf-16" or (encoding == "auto" and utf16):
        name = utf16 or "utf-16"
        body = data[2:] if data[:2] in _UTF16_BOMS else data
        try:
            return body.decode(name), name
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"{path.name} is een UTF-16-bestand, maar niet te lezen als UTF-16 (byte "
                f"{error.start}: {error.reason}); het is mogelijk afgebroken of beschadigd. Lever "
                "het opnieuw aan, bij voorkeur als UTF-8."
            ) from None
    if encoding != "auto":
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"{path.name} is niet te lezen als {encoding} (byte {error.start}). Controleer "
                "encoding in config/sources.yaml, of zet die op auto."
            ) from None
    if data.startswith(_UTF8_BOM):
        try:
            return data[len(_UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"{path.name} begint als UTF-8 (met BOM), maar byte {error.start + 3} is geen "
                "UTF-8. Lever het bestand opnieuw aan in één encoding."
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_text(
    path: Path, data: bytes, config: SourceConfig, expected: str, kind: str
) -> tuple[str, str]:
    """The file as text, after checking it is text of the expected kind (UTF-16 is
    checked once decoded: its zero bytes would make any text look binary)."""
    utf16 = config.encoding == "utf-16" or utf16_encoding(data) is not None
    if not utf16 and data.strip() and looks_like(data[:4096]) != kind:
        raise wrong_format(path, expected, data[:4096])
    text, encoding = decode(data, config.encoding, path)
    head = text[:4096].encode("utf-8", "replace")
    if utf16 and text.strip() and looks_like(head) != kind:
        raise wrong_format(path, expected, head)
    return text, encoding
