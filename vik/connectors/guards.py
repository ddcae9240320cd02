"""Volume guards: an extract that would make open flags lapse is refused unless accepted on purpose.

A broken export must not make every open flag disappear overnight. What counts
is what was *accepted*, not what was read: a file whose every row lands in
quarantine (every BRP date written 2014.02.28) is as empty as an empty file.
A source is stopped, with a message that says what to check, when

* no row was accepted (an empty file, or every row quarantined);
* fewer rows were accepted than ``min_ratio`` of the last good run's;
* the share of quarantined rows is more than ``max_quarantine_rise`` above the
  last good run's (a vendor changed a date format: half the rows quarantined).

``vik run --accept-shrink SOURCE`` takes such an extract deliberately.

    >>> guard = Guard(min_ratio=0.5, max_quarantine_rise=0.1)
    >>> guard.check("brp", "brp.csv", accepted=40, quarantined=60,
    ...             baseline=Baseline(rows_accepted=98, rows_quarantined=2))  # doctest: +SKIP
    ShrinkGuardError: brp.csv: 40 rijen geaccepteerd, tegen 98 bij de vorige geslaagde run ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vik.errors import ShrinkGuardError


@dataclass(frozen=True)
class Baseline:
    """What the last good run took in from a source: tonight is judged against it."""

    rows_accepted: int
    rows_quarantined: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, Any]) -> Baseline:
        """From a run's stored source counts (runs before this guard stored rows_read only)."""
        accepted = counts.get("rows_accepted", counts.get("rows_read", 0)) or 0
        return cls(int(accepted), int(counts.get("rows_quarantined") or 0))

    @property
    def quarantine_share(self) -> float:
        delivered = self.rows_accepted + self.rows_quarantined
        return self.rows_quarantined / delivered if delivered else 0.0


@dataclass(frozen=True)
class Guard:
    """The limits of one source (config/sources.yaml: min_ratio, max_quarantine_rise)."""

    min_ratio: float
    max_quarantine_rise: float

    def check(
        self,
        source: str,
        file_name: str,
        *,
        accepted: int,
        quarantined: int,
        baseline: Baseline | None,
        top_reason: str | None = None,
    ) -> None:
        """Raise ShrinkGuardError when tonight's extract must not replace the last good one."""
        delivered = accepted + quarantined
        retry = (
            f"Controleer de export; is dit echt juist, draai dan opnieuw met "
            f"--accept-shrink {source}."
        )
        why = f" Meest voorkomende reden: {top_reason}." if top_reason else ""
        if delivered == 0:
            raise ShrinkGuardError(
                f"{file_name} is leeg (0 rijen) en is daarom geweigerd: een lege levering zou "
                f"alle open signalen laten vervallen. {retry}"
            )
        if accepted == 0:
            raise ShrinkGuardError(
                f"{file_name}: geen enkele rij geaccepteerd, alle {delivered} rijen staan in "
                f"quarantaine, en het bestand is daarom geweigerd: zo'n levering zou alle open "
                f"signalen laten vervallen.{why} Zie het quarantainebestand van deze bron. {retry}"
            )
        if baseline is None:
            return
        previous = baseline.rows_accepted
        if previous and accepted < self.min_ratio * previous:
            raise ShrinkGuardError(
                f"{file_name}: {accepted} rijen geaccepteerd ({quarantined} in quarantaine), "
                f"tegen {previous} bij de vorige geslaagde run (minder dan "
                f"{self.min_ratio:.0%}), en daarom geweigerd.{why} {retry}"
            )
        share = quarantined / delivered
        if share > baseline.quarantine_share + self.max_quarantine_rise:
            raise ShrinkGuardError(
                f"{file_name}: {quarantined} van de {delivered} rijen ({share:.0%}) staan in "
                f"quarantaine, tegen {baseline.quarantine_share:.0%} bij de vorige geslaagde "
                f"run (meer dan {self.max_quarantine_rise * 100:g} procentpunt erboven; "
                f"max_quarantine_rise in "
                f"config/sources.yaml), en daarom geweigerd.{why} Zie het quarantainebestand "
                f"van deze bron. {retry}"
            )
