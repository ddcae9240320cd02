"""The synthetic municipality while it is being generated: every register as internal frames.

    >>> town = Municipality(as_of=date(2026, 11, 1), bag=bag)  # doctest: +SKIP
    >>> town.add("meldingen", frame)  # rows get a unique _uid

Internal frames hold the truth (BAG address ``a``, person ``p``, company ``c``)
next to the fields; the generator types and writes them at the end. Every row of
every source carries ``_uid``, unique across sources, so planted cases can name
their records before the record keys exist.

Open matters and the betrokkenheid rule: every address, person and company
belongs to exactly one department class. A background matter may only be open
(a handhaving case without end, a vergunning in behandeling, a belastingen
bezwaar, a recent melding) in the department of the class of every entity it
concerns, so no entity ever has open background matters in two departments.
Entities used by planted cases are reserved: background records never touch them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from vik.demo.population import days

DEPARTMENTS = ("handhaving", "vergunningen", "belastingen", "oov")
HANDHAVING, VERGUNNINGEN, BELASTINGEN, OOV = range(4)
PROCESS_SOURCES = ("vergunningen", "handhaving", "meldingen")

# Typing knobs a process row may fix (null: the clerk decides at random).
KNOBS: dict[str, pl.DataType] = {
    "_name_style": pl.Int64(),  # see clerks.type_person_names
    "_addr_mode": pl.Int64(),  # 0 address parts, 1 free-text adres
    "_dob_style": pl.Int64(),  # 0 jjjj-mm-dd, 1 dd-mm-jjjj, 2 jjjjmmdd
    "_with_id": pl.Boolean(),  # BSN or KvK number typed in
    "_with_dob": pl.Boolean(),  # birth date typed in
    "_unresolvable": pl.Boolean(),
    "_planted": pl.Boolean(),
}
_PROCESS_FIELDS: dict[str, dict[str, pl.DataType]] = {
    "vergunningen": {
        "vergunningtype": pl.String(),
        "status": pl.String(),
        "datum_aanvraag": pl.Date(),
        "datum_besluit": pl.Date(),
    },
    "handhaving": {
        "zaaktype": pl.String(),
        "grondslag": pl.String(),
        "status": pl.String(),
        "datum_start": pl.Date(),
        "datum_einde": pl.Date(),
    },
    "meldingen": {"bron": pl.String(), "categorie": pl.String(), "datum": pl.Date()},
}
_ENTITIES: dict[str, pl.DataType] = {"_a": pl.Int64(), "_p": pl.Int64(), "_c": pl.Int64()}


def process_schema(source: str) -> dict[str, pl.DataType]:
    return {"_uid": pl.Int64(), **_PROCESS_FIELDS[source], **_ENTITIES, **KNOBS}


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Frame with exactly the schema's columns (missing ones null), in order."""
    return frame.select(
        [
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )


@dataclass
class Municipality:
    as_of: date
    bag: pl.DataFrame
    persons: pl.DataFrame = field(default_factory=pl.DataFrame)
    periods: pl.DataFrame = field(default_factory=pl.DataFrame)
    companies: pl.DataFrame = field(default_factory=pl.DataFrame)
    vestigingen: pl.DataFrame = field(default_factory=pl.DataFrame)
    assessments: pl.DataFrame = field(default_factory=pl.DataFrame)
    process: dict[str, pl.DataFrame] = field(default_factory=dict)
    reserved_a: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    reserved_p: set[int] = field(default_factory=set)
    reserved_c: set[int] = field(default_factory=set)
    _uid: int = 0

    @property
    def today(self) -> int:
        return days(self.as_of)

    def uids(self, n: int) -> np.ndarray:
        first = self._uid
        self._uid += n
        return np.arange(first, first + n, dtype=np.int64)

    def with_uids(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.Series("_uid", self.uids(frame.height)))

    def add(self, name: str, frame: pl.DataFrame) -> np.ndarray:
        """Append rows to an internal frame; returns their uids."""
        if "_uid" not in frame.columns:
            frame = self.with_uids(frame)
        uids = frame["_uid"].to_numpy()
        if name in PROCESS_SOURCES:
            frame = conform(frame, process_schema(name))
            current = self.process.get(name)
            self.process[name] = frame if current is None else pl.concat([current, frame])
            return uids
        current = getattr(self, name)
        if current.height or current.width:
            frame = frame.select(current.columns).cast(current.schema)
            setattr(self, name, pl.concat([current, frame]))
        else:
            setattr(self, name, frame)
        return uids

    # --- department classes -------------------------------------------------------------

    def classes(self, rng: np.random.Generator) -> None:
        """Draw the department class of every address, person and company (see module doc)."""
        self.class_a = rng.integers(0, len(DEPARTMENTS), self.bag.height)
        self.class_p = rng.integers(0, len(DEPARTMENTS), self.next_p)
        self.class_c = rng.integers(0, len(DEPARTMENTS), self.next_c)

    def may_be_open(self, department: int, a: pl.Series, p: pl.Series, c: pl.Series) -> pl.Series:
        """Whether a background matter on (a, p, c) may be open in this department."""
        frame = pl.DataFrame({"a": a, "p": p, "c": c}, schema=dict.fromkeys("apc", pl.Int64))
        ok = np.ones(frame.height, dtype=bool)
        for column, classes, reserved in (
            ("a", self.class_a, None),
            ("p", self.class_p, self.reserved_p),
            ("c", self.class_c, self.reserved_c),
        ):
            values = frame[column]
            present = values.is_not_null().to_numpy()
            index = values.fill_null(0).to_numpy()
            ok &= ~present | (classes[index] == department)
            if reserved is None:
                ok &= ~present | ~self.reserved_a[index]
            elif reserved:
                ok &= ~present | ~np.isin(index, np.fromiter(reserved, np.int64))
        return pl.Series(ok)

    # --- counters -----------------------------------------------------------------------

    @property
    def next_p(self) -> int:
        # Series.max() is typed for every dtype; of this Int64 column it is an int.
        return int(self.persons["p"].max()) + 1 if self.persons.height else 0  # type: ignore[arg-type]

    @property
    def next_c(self) -> int:
        # Series.max() is typed for every dtype; of this Int64 column it is an int.
        return int(self.companies["c"].max()) + 1 if self.companies.height else 0  # type: ignore[arg-type]

    def reserved_p_array(self) -> np.ndarray:
        return np.fromiter(self.reserved_p, np.int64) if self.reserved_p else np.zeros(0, np.int64)

    def reserved_c_array(self) -> np.ndarray:
        return np.fromiter(self.reserved_c, np.int64) if self.reserved_c else np.zeros(0, np.int64)
