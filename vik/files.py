"""VIK's own files are readable by VIK only: files 0600, folders 0700.

The database, quarantine files, run reports, logs, exports and the demo key hold
personal data or secrets. Whatever VIK creates goes through these helpers, so the
mode is right from the first byte (not chmod'ed after a window of 0644); the
command line also sets the process umask to 077 (``restrict_umask``) for files
that libraries create on their own (Prefect's database, SQLite's WAL and SHM).

    >>> private_dir(Path("var/runs/12/quarantaine"))
    >>> write_private_text(Path("var/runs/12/rapport.md"), "# Run 12")
    >>> with open(path, "w", opener=private_opener) as handle: ...
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

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
