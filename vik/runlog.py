"""What a run leaves outside the database: its log file, and a start the database could not take.

    <data_dir>/runs/<id>/run.log            every log line of run <id> while it ran, with the
                                            full traceback when it failed (the console shows
                                            only VIK's message)
    <data_dir>/runs/niet-vastgelegd.jsonl   runs that failed before the database could record
                                            them (unreachable, read-only, not migrated); `vik
                                            runs` shows them next to the database's runs

    >>> with run_log(data_dir / "runs" / "8" / "run.log"):   # doctest: +SKIP
    ...     ...  # the run
    >>> record_unrecorded(data_dir, UnrecordedRun.now(peildatum, "var/extracts", "start", error, db_error))  # doctest: +SKIP

Both files are readable by VIK's user only: an error message can quote a value from an extract.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from vik.files import private_file

RUNS_SUBDIR = "runs"
RUN_LOG = "run.log"
UNRECORDED_FILE = "niet-vastgelegd.jsonl"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def run_folder(data_dir: Path, run_id: int) -> Path:
    return data_dir / RUNS_SUBDIR / str(run_id)


def run_log_path(data_dir: Path, run_id: int) -> Path:
    return run_folder(data_dir, run_id) / RUN_LOG


@contextmanager
def run_log(path: Path) -> Iterator[None]:
    """Everything logged while the block runs (VIK's and Prefect's lines) also goes to path."""
    private_file(path)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


def append_traceback(path: Path, error: BaseException) -> bool:
    """The full traceback of a failure, for the run's log file; False if it cannot be
    written (the failure itself matters more than its log)."""
    try:
        private_file(path)
        with path.open("a", encoding="utf-8") as file:
            file.write("".join(traceback.format_exception(error)))
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class UnrecordedRun:
    """A run that failed before the database could record it."""

    started_at: str
    peildatum: str
    extracts_dir: str
    step: str
    error: str
    database_error: str

    @classmethod
    def now(
        cls,
        peildatum: date,
        extracts_dir: str,
        step: str,
        error: BaseException,
        database_error: BaseException,
    ) -> UnrecordedRun:
        return cls(
            started_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
            peildatum=peildatum.isoformat(),
            extracts_dir=extracts_dir,
            step=step,
            error=f"{type(error).__name__}: {error}"[:4000],
            database_error=short_error(database_error),
        )


def short_error(error: BaseException) -> str:
    """Type and first line of an error; a database driver's own error, not the SQL around it."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"[:300]


def unrecorded_path(data_dir: Path) -> Path:
    return data_dir / RUNS_SUBDIR / UNRECORDED_FILE


def record_unrecorded(data_dir: Path, entry: UnrecordedRun) -> Path | None:
    """Append entry to the data folder's list; None if even that cannot be written."""
    path = unrecorded_path(data_dir)
    try:
        private_file(path)
        with path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
    except OSError:
        return None
    return path


def read_unrecorded(data_dir: Path) -> list[UnrecordedRun]:
    """The runs in the data folder's list, newest first; an unreadable line is skipped."""
    path = unrecorded_path(data_dir)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        try:
            entries.append(UnrecordedRun(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return entries[::-1]
