"""Console output shared by the commands: Dutch tables of counts, errors without tracebacks."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import wraps
from typing import Any, TypeVar

import typer

from vik.errors import VikError

F = TypeVar("F", bound=Callable[..., Any])


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain aligned text table (numbers right-aligned)."""
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str], numeric: Sequence[bool]) -> str:
        cells = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(cells).rstrip()

    numeric = [
        bool(rows) and all(r[i].replace(".", "").isdigit() or r[i] == "" for r in rows)
        for i in range(len(headers))
    ]
    out = [line(list(headers), [False] * len(headers)), line(["-" * w for w in widths], numeric)]
    out.extend(line(r, numeric) for r in rows)
    return "\n".join(out)


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def parse_date(value: str | None, option: str = "--as-of", what: str = "peildatum") -> date | None:
    """A date option as jjjj-mm-dd; anything else is a Dutch message, not a traceback."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(
            f"Ongeldige {what} bij {option}: {value!r}. Schrijf jjjj-mm-dd, bijvoorbeeld "
            f"{date.today().isoformat()}."
        ) from None


def user_errors(function: F) -> F:
    """Show a VikError as its Dutch message and exit 1, never as a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except VikError as error:
            raise fail(str(error)) from None

    return wrapper  # type: ignore[return-value]


# The longest message a console shows of a log record (the run's log file keeps it whole).
CONSOLE_LINE_CHARS = 300


class _WithoutTraceback(logging.Formatter):
    """Formats as the console handler did, but a record with a traceback, or a long one, as
    its first line.

    A copy of the record is formatted, so the handlers that keep the traceback (the run's
    log file, Prefect's API) still get it whole."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        has_traceback = record.exc_info or record.exc_text or record.stack_info
        if not has_traceback and len(record.getMessage()) <= CONSOLE_LINE_CHARS:
            return self.inner.format(record)
        short = logging.makeLogRecord(record.__dict__)
        short.exc_info, short.exc_text, short.stack_info = None, None, None
        lines = record.getMessage().strip().splitlines() or [""]
        short.msg, short.args = lines[0][:CONSOLE_LINE_CHARS], None
        return self.inner.format(short)


def console_without_tracebacks() -> None:
    """Log records on the console lose their traceback and are cut short (VIK prints its own
    message instead; the run's log file keeps them whole).

    Applies to the handlers that write to the terminal (Prefect's console handler among
    them); call it after Prefect is imported, which sets up its handlers."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if (
                isinstance(handler, logging.StreamHandler)
                and not isinstance(handler, logging.FileHandler)
                and getattr(handler, "stream", None) in (sys.stderr, sys.stdout)
                and not isinstance(handler.formatter, _WithoutTraceback)
            ):
                handler.setFormatter(_WithoutTraceback(handler.formatter or logging.Formatter()))
