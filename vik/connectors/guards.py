"""Volume guard: an empty or sharply shrunk extract is refused unless accepted on purpose.

A broken export must not make every open flag disappear overnight, so an
extract with no rows, or with fewer than ``min_ratio`` of the previous run's
rows, stops its source. ``vik run --accept-shrink SOURCE`` takes it deliberately.
"""

from __future__ import annotations

from vik.errors import ShrinkGuardError


def check_volume(
    source: str,
    file_name: str,
    rows: int,
    previous_rows: int | None,
    *,
    min_ratio: float,
    accepted: bool,
) -> None:
    if accepted:
        return
    if rows == 0:
        raise ShrinkGuardError(
            f"{file_name} is leeg (0 rijen) en is daarom geweigerd: een lege levering zou alle "
            f"open signalen laten vervallen. Controleer de export; is leeg echt juist, draai "
            f"dan opnieuw met --accept-shrink {source}."
        )
    if previous_rows and rows < min_ratio * previous_rows:
        raise ShrinkGuardError(
            f"{file_name} heeft {rows} rijen, tegen {previous_rows} bij de vorige run (minder "
            f"dan {min_ratio:.0%}) en is daarom geweigerd. Controleer de export; is de krimp "
            f"echt juist, draai dan opnieuw met --accept-shrink {source}."
        )
