"""Planted cases, step 2's building blocks: free people and addresses, and the rows a case adds.

    >>> planter = Planter(rng, town, ids)        # vik.demo.planted: a Planting with the rules
    >>> p, home = planter.adult()                # a background adult, reserved for the case
    >>> uids = planter.periods(p, a, start)      # BRP periods, as internal rows

New rows wait as plain values and join the town's frames once, in ``flush``: a
frame per planted person or company would dominate the run. Every row gets a
``_uid`` from the town, so cases can name their records before keys exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from vik.demo.identifiers import Identifiers
from vik.demo.municipality import Municipality
from vik.demo.plans import BUSINESS_DOELEN, Case
from vik.demo.population import (
    EPOCH,
    NO_END,
    YEAR,
    draw_surnames,
    months_back,
    person_frame,
)
from vik.demo.taxes import current_residents


def day(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


class Planting:
    """What planting a case is made of: pools of free people and addresses, and the
    building blocks that add people, periods, companies and records to the town."""

    def __init__(self, rng: np.random.Generator, town: Municipality, ids: Identifiers):
        self.rng = rng
        self.town = town
        self.ids = ids
        self.today = town.today
        self.cases: list[Case] = []
        self.records: dict[str, list[dict[str, Any]]] = {
            "vergunningen": [],
            "handhaving": [],
            "meldingen": [],
        }
        self.assessments: list[dict[str, Any]] = []
        # New rows wait here as plain values and become frames once, at the end:
        # a frame per planted person or company would dominate the run.
        self._new_persons: list[tuple[np.ndarray, ...]] = []
        self._likes: dict[int, dict[str, Any]] = {}
        self._periods: list[tuple[int, int, int, int, int | None, str]] = []
        self._companies: list[dict[str, Any]] = []
        self._vestigingen: list[dict[str, Any]] = []
        self._first_p = self._next_p = town.next_p
        self._next_c = town.next_c
        self._adults = self._adult_candidates()
        self._hosts = self._host_candidates()
        doel = town.bag["gebruiksdoel"].to_numpy().astype(str)
        free = ~town.reserved_a
        self._dwellings = self.rng.permutation(
            np.flatnonzero(free & town.bag["_dwelling"].to_numpy())
        )
        self._business = self.rng.permutation(np.flatnonzero(free & np.isin(doel, BUSINESS_DOELEN)))

    # -- pools --------------------------------------------------------------------------------

    def _adult_candidates(self) -> list[tuple[int, int]]:
        """Background adults who may play a part: (p, home a), in random order."""
        town = self.town
        born_before = months_back(town.as_of, 25 * 12)
        born_after = months_back(town.as_of, 65 * 12)
        frame = (
            current_residents(town.periods, town.as_of)
            .join(
                town.persons.select("p", "birth", "geboortedatum"),
                on="p",
                how="left",
                maintain_order="left",
            )
            .filter(
                pl.col("birth").is_between(born_after, born_before)
                & ~pl.col("geboortedatum").str.ends_with("00")
                & ~pl.lit(pl.Series(town.reserved_a)).gather(pl.col("a"))
            )
            .sort("p")
        )
        order = self.rng.permutation(frame.height)
        return list(
            zip(frame["p"].gather(order).to_list(), frame["a"].gather(order).to_list(), strict=True)
        )

    def _host_candidates(self) -> list[int]:
        """Dwellings where one more resident stays far below every occupancy rule."""
        town = self.town
        counts = current_residents(town.periods, town.as_of).group_by("a").len()
        frame = (
            town.bag.select("a", "oppervlakte", "_only_woon")
            .join(counts, on="a", how="left", maintain_order="left")
            .filter(
                pl.col("_only_woon")
                & (pl.col("len").fill_null(0) <= 2)
                & (pl.col("oppervlakte") >= 60)
                & ~pl.Series(town.reserved_a)
            )
        )
        addresses: list[int] = self.rng.permutation(frame["a"].to_numpy()).tolist()
        return addresses

    def adult(self) -> tuple[int, int]:
        p, a = self._adults.pop()
        self.town.reserved_p.add(p)
        return p, a

    def host(self) -> int:
        return self._hosts.pop()

    def dwelling(self) -> int:
        """A free dwelling (not reserved), each handed out once while they last."""
        if self._dwellings.size:
            a, self._dwellings = int(self._dwellings[0]), self._dwellings[1:]
            return a
        return self._any_free()

    def business(self) -> int:
        """Free business premises; in a tiny town, where planting took them all, a dwelling."""
        if self._business.size:
            a, self._business = int(self._business[0]), self._business[1:]
            return a
        return self.dwelling()

    def _any_free(self) -> int:
        free = np.flatnonzero(~self.town.reserved_a)
        return int(free[self.rng.integers(0, free.size)])

    # -- building blocks -----------------------------------------------------------------------

    def _uid(self) -> int:
        return int(self.town.uids(1)[0])

    def new_persons(
        self,
        k: int,
        *,
        origin: np.ndarray | None = None,
        ages: tuple[float, float] = (20, 55),
        birth: np.ndarray | None = None,
        surname: np.ndarray | None = None,
        like: dict[str, Any] | None = None,
    ) -> np.ndarray:
        """k new persons (reserved); ``like`` copies names and sex from a BRP row (a namesake)."""
        rng = self.rng
        if origin is None:
            origin = np.full(k, 0)
        if birth is None:
            birth = self.today - (rng.uniform(*ages, k) * YEAR).astype(np.int64)
        if surname is None:
            surname = draw_surnames(rng, origin)
        female = rng.random(k) < 0.5
        p = np.arange(self._next_p, self._next_p + k)
        self._next_p += k
        self._new_persons.append((origin, female, np.asarray(birth), np.asarray(surname)))
        if like is not None:
            self._likes.update({int(x): like for x in p})
        self.town.reserved_p.update(int(x) for x in p)
        return p

    def periods(self, p: Any, a: Any, start: Any, end: Any = None, functie: str = "W") -> list[int]:
        """Registration periods; p, a, start and end are numbers or arrays of them."""
        p = np.atleast_1d(np.asarray(p, dtype=np.int64))
        a = np.broadcast_to(np.asarray(a, dtype=np.int64), p.shape)
        start = np.broadcast_to(np.asarray(start, dtype=np.int64), p.shape)
        end = np.full(p.shape, NO_END) if end is None else np.broadcast_to(np.asarray(end), p.shape)
        uids = []
        for i in range(p.size):  # a handful of people per case
            uid = self._uid()
            stop = None if int(end[i]) == NO_END else int(end[i])
            self._periods.append((uid, int(p[i]), int(a[i]), int(start[i]), stop, functie))
            uids.append(uid)
        return uids

    def company(
        self,
        handelsnaam: str,
        rechtsvorm: str,
        sbi: str,
        at: list[int],
        *,
        registered: int | None = None,
        ended: list[int | None] | None = None,
    ) -> tuple[int, list[int]]:
        """A new company with one vestiging per address in ``at``; returns c and kvk uids."""
        c = self._next_c
        self._next_c += 1
        kvk = int(self.ids.kvk_nummer(1)[0])
        self._companies.append(
            {
                "_uid": self._uid(),
                "c": c,
                "kvk_nummer": f"{kvk:08d}",
                "handelsnaam": handelsnaam,
                "rechtsvorm": rechtsvorm,
                "_home_care": sbi in ("88101", "88102", "86942"),
            }
        )
        self.town.reserved_c.add(c)
        if registered is None:
            registered = self.today - int(self.rng.integers(60, 1500))
        ended = ended or [None] * len(at)
        uids = []
        for a, end, number in zip(at, ended, self.ids.vestigingsnummer(len(at)), strict=True):
            uids.append(self._uid())
            self._vestigingen.append(
                {
                    "_uid": uids[-1],
                    "c": c,
                    "a": a,
                    "vestigingsnummer": f"{int(number):012d}",
                    "sbi_codes": sbi,
                    "datum_inschrijving": day(registered),
                    "datum_uitschrijving": None if end is None else day(end),
                }
            )
        return c, uids

    def flush(self) -> None:
        """The new people, periods and companies join the town's frames."""
        town = self.town
        if self._new_persons:
            origin, female, birth, surname = (
                np.concatenate([part[i] for part in self._new_persons]) for i in range(4)
            )
            persons = person_frame(
                self.rng,
                self.ids,
                first_p=self._first_p,
                origin=origin,
                female=female,
                birth=birth,
                surname=surname,
                as_of=town.as_of,
            )
            if self._likes:
                names = ("voornamen", "voorvoegsel", "geslachtsnaam", "female")
                likes = pl.DataFrame(
                    [{"p": p, **{k: row[k] for k in names}} for p, row in self._likes.items()],
                    schema={"p": pl.Int64, **{k: persons.schema[k] for k in names}},
                )
                persons = persons.update(likes, on="p", include_nulls=True)
            persons = persons.with_columns(
                _household=pl.lit(None, dtype=pl.Int64), _role=pl.lit(None, dtype=pl.Int64)
            )
            town.add("persons", town.with_uids(persons))
        if self._periods:
            rows = pl.DataFrame(
                self._periods,
                schema={
                    "_uid": pl.Int64,
                    "p": pl.Int64,
                    "a": pl.Int64,
                    "start": pl.Int64,
                    "end": pl.Int64,
                    "functie_adres": pl.String,
                },
                orient="row",
            )
            town.add(
                "periods",
                rows.with_columns(
                    pl.col("start").cast(pl.Int32).cast(pl.Date),
                    pl.col("end").cast(pl.Int32).cast(pl.Date),
                ),
            )
        if self._companies:
            town.add("companies", pl.DataFrame(self._companies))
            town.add(
                "vestigingen",
                pl.DataFrame(
                    self._vestigingen,
                    schema_overrides={"datum_uitschrijving": pl.Date},
                    infer_schema_length=None,
                ),
            )

    def record(self, source: str, **fields: Any) -> int:
        uid = self._uid()
        for key, value in list(fields.items()):
            if key.startswith("datum") and isinstance(value, int | np.integer):
                fields[key] = day(int(value))
        self.records[source].append({"_uid": uid, "_planted": True, **fields})
        return uid

    def assessment(
        self, a: int, *, p: int | None = None, c: int | None = None, **fields: Any
    ) -> int:
        uid = self._uid()
        surface = self.town.bag["oppervlakte"][a] or 90
        self.assessments.append(
            {
                "_uid": uid,
                "a": a,
                "p": p,
                "c": c,
                "aantal_personen": None,
                "woz_waarde": int(round(surface * self.rng.uniform(2500, 4000), -3)),
                "belastingjaar": self.town.as_of.year,
                "_with_id": True,
                **fields,
            }
        )
        return uid

    def case(
        self,
        rule: str,
        kind: str,
        entity_type: str,
        entity: int,
        records: list[tuple[str, int]],
        description: str,
        departments: Iterable[str] = (),
    ) -> None:
        self.cases.append(
            Case(
                rule,
                kind,
                entity_type,
                int(entity),
                records,
                description,
                tuple(sorted(departments)),
            )
        )

    def styles(self, k: int, choices: int) -> list[int]:
        """k different typing styles (names, dates) so two records never look alike."""
        return [int(s) for s in self.rng.permutation(choices)[:k]]

    def surface(self, a: int) -> int:
        return int(self.town.bag["oppervlakte"][a])
