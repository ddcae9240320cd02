"""VIK's own log: INFO lines on the console, and a rotating file for the operator or a SIEM.

    configure_logging(Settings())     # by the night's commands and by the flow itself

- ``<data_dir>/logs/vik.log`` (0600), rotated at ``VIK_LOG_MAX_BYTES`` with
  ``VIK_LOG_BACKUPS`` old files, as text or, with ``VIK_LOG_FORMAT=json``, as one
  JSON object per line (``time``, ``level``, ``logger``, ``message``, and fields
  such as ``run_id`` and ``step`` where a line has them).
- The console gets the same lines once: through Prefect's console handler when a
  flow has set one up on the root logger, through VIK's own otherwise.

What VIK logs are counts, rule ids, run ids, steps and exception *types*: no
names, addresses, BSNs or pseudonyms, and no tracebacks, which can quote a value
(a traceback of a failed night goes to the run's own record, not to this log).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from enum import StrEnum
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from vik.files import private_dir, private_opener

LOGGER = "vik"
LOG_FILE = "vik.log"
TEXT_FORMAT = "%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class _WithoutTracebacks(logging.Formatter):
    """Formats a record with its exception's type only; the record itself is left as is,
    so other handlers (Prefect's console) still show what they show."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        exception = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if exception:
            record.exception = exception
        try:
            return self._format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
            if exception:
                del record.exception  # type: ignore[attr-defined]

    def _format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        exception = getattr(record, "exception", None)
        return f"{text} [{exception}]" if exception else text


class TextFormatter(_WithoutTracebacks):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)


class JsonLinesFormatter(_WithoutTracebacks, JsonFormatter):
    """One JSON object per line (python-json-logger), times in UTC ISO 8601."""

    def __init__(self) -> None:
        JsonFormatter.__init__(
            self,
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def _format(self, record: logging.LogRecord) -> str:
        return JsonFormatter.format(self, record)


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log file created 0600 (the rotated ones keep that mode)."""

    def _open(self) -> TextIOWrapper:
        # open() with a mode that is not a literal is typed IO[Any]; in text mode it is this
        return open(  # type: ignore[return-value]
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=private_opener,
        )


class _Console(logging.StreamHandler):  # type: ignore[type-arg]
    """VIK's lines on stderr, unless a handler on the root logger already prints them
    (Prefect's console once a flow runs, pytest's capture): every line once."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(lambda record: not _root_prints())

    @property
    def stream(self) -> TextIO:
        return sys.stderr  # the current one (test runners swap it)

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def _root_prints() -> bool:
    return any(
        isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
        for handler in logging.getLogger().handlers
    )


def log_file(data_dir: Path) -> Path:
    return data_dir / "logs" / LOG_FILE


def detach_logging() -> None:
    """Remove the handlers `configure_logging` attached (tests, or a process that ends)."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, "_vik", False)]:
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.NOTSET)


def configure_logging(settings: Any, *, console: bool = True) -> Path:
    """Attach VIK's file and console handlers to the ``vik`` logger (again: replaces
    the ones a previous call attached); returns the log file's path. Commands that say
    what they did themselves log to the file only (``console=False``)."""
    detach_logging()
    logger = logging.getLogger(LOGGER)
    path = log_file(settings.data_dir)
    private_dir(path.parent)
    file_handler = PrivateRotatingFileHandler(
        path,
        maxBytes=settings.log_max_bytes,
        backupCount=settings.log_backups,
        encoding="utf-8",
        delay=True,
    )
    file_handler.setFormatter(
        JsonLinesFormatter() if settings.log_format == LogFormat.JSON else TextFormatter()
    )
    handlers: list[logging.Handler] = [file_handler]
    if console:
        handlers.append(_Console())
        handlers[-1].setFormatter(TextFormatter())
    for handler in handlers:
        handler._vik = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(settings.log_level.upper())
    return path
