"""Console output shared by the commands: Dutch tables of counts, errors without tracebacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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


def user_errors(function: F) -> F:
    """Show a VikError as its Dutch message and exit 1, never as a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except VikError as error:
            raise fail(str(error)) from None

    return wrapper  # type: ignore[return-value]
