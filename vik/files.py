"""VIK's own files are readable by VIK only: files 0600, folders 0700.

The database, quarantine files, run reports, logs, exports and the demo key hold
personal data or secrets. Whatever VIK creates goes through these helpers, so the
mode is right from the first byte (not chmod'ed after a window of 0644); the
command line also sets the process umask to 077 (``restrict_umask``) for files
that libraries create on their own (Prefect's database, SQLite's WAL and SHM).

    >>> private_dir(Path("var/runs/12/quarantaine"))
    >>> write_private_text(Path("var/runs/12/rapport.md"), "# Run 12")
    >>> with open(path, "w", opener=private_opener) as handle: ...
    >>> write_private_csv(frame, Path("var/export/signalen.csv"))
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import polars as pl

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
PRIVATE_UMASK = 0o077


def restrict_umask() -> int:
    """Make every file this process creates private; returns the previous umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create the folder (and missing parents) as 0700; a folder VIK owns is tightened."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=PRIVATE_DIR)
    _tighten(path, PRIVATE_DIR)
    return path


def private_opener(path: str, flags: int) -> int:
    """An ``opener`` for ``open()`` that creates the file 0600."""
    return os.open(path, flags, PRIVATE_FILE)


def private_file(path: Path) -> Path:
    """Create the file empty as 0600 (or tighten it): a writer that then opens it for
    writing keeps that mode (xlsxwriter, polars)."""
    private_dir(path.parent)
    with open(path, "a", opener=private_opener):
        pass
    _tighten(path, PRIVATE_FILE)
    return path


def write_private_text(path: Path, text: str) -> Path:
    private_dir(path.parent)
    with open(path, "w", encoding="utf-8", opener=private_opener) as handle:
        handle.write(text)
    _tighten(path, PRIVATE_FILE)
    return path


# A spreadsheet opening a CSV reads a cell that starts with one of these as a formula
# (=HYPERLINK(...) sending a dossier's address elsewhere, or a DDE command). Values come
# from extracts, so such a cell gets a leading apostrophe: the spreadsheet shows it as
# text, and a reader can still see what the source said (OWASP "CSV injection").
FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell that a spreadsheet would run as a formula, made plain text.

    >>> spreadsheet_safe(pl.DataFrame({"a": ["=1+1", "Kerkstraat 1", "-5"]}))["a"].to_list()
    ["'=1+1", 'Kerkstraat 1', "'-5"]
    """
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )


def write_private_csv(frame: pl.DataFrame, path: Path) -> Path:
    """Every CSV VIK writes (exports, quarantine, dry-run differences) goes through here:
    readable by this user only, and text stays text when a spreadsheet opens it."""
    spreadsheet_safe(frame).write_csv(private_file(path))
    return path


def tighten(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Make an existing file VIK owns private (files left by an older VIK)."""
    _tighten(path, mode)


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    # Only what this user owns: an operator's shared parent folder is theirs to set.
    if info.st_uid == os.getuid() and info.st_mode & 0o777 != mode:
        path.chmod(mode)
