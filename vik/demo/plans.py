"""Planted cases, step 1: which cases each built-in rule gets, and their addresses.

    >>> bag, plans, reserved, exclusive = plan_addresses(rng, bag, 300)  # before the BRP

``plan_addresses`` picks the addresses the cases need and sets their gebruiksdoel
and oppervlakte; the background leaves those addresses alone (and puts no
household at all at the ones marked exclusive). Step 2 adds the people,
companies and records of every case (``vik.demo.planted``); ``Case`` is one line
of truth/planted.csv.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from vik.demo.bag import area, with_address_facts

RULES = (
    "overbewoning",
    "overbewoning-per-persoon",
    "thuiszorg-cluster",
    "veelverhuizer",
    "damocles-vergunning",
    "meldingen-cluster",
    "briefbusfirma",
    "betrokkenheid",
)
PLANTED, CONTROL = "planted", "control"
ADRES, PERSOON, BEDRIJF = "adres", "persoon", "bedrijf"

WOON, WOON_WINKEL, KANTOOR = "woonfunctie", "woonfunctie;winkelfunctie", "kantoorfunctie"
BUSINESS_DOELEN = ("kantoorfunctie", "winkelfunctie", "bijeenkomstfunctie")


def planted_counts(addresses: int) -> tuple[int, int]:
    """(planted cases per rule, controls per control variant)."""
    planted = max(3, addresses // 5000)
    return planted, max(1, planted // 4)


@dataclass
class Case:
    """One line of truth/planted.csv; entity is a (internal) address, person or company."""

    rule_id: str
    kind: str
    entity_type: str
    entity: int
    records: list[tuple[str, int]]
    description: str
    departments: tuple[str, ...] = ()


@dataclass
class Need:
    """An address a case needs: its kind, whether no background household may live there."""

    kind: str  # dwelling | business | kantoor | woon_winkel
    exclusive: bool = False
    area: int | None = None


@dataclass
class Plan:
    rule: str
    kind: str
    variant: str
    needs: list[Need] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    addresses: list[int] = field(default_factory=list)


# --- step 1: which cases, and their addresses ----------------------------------------------


def _plans(rng: np.random.Generator, addresses: int) -> list[Plan]:
    n, c = planted_counts(addresses)
    plans: list[Plan] = []

    def add(rule: str, kind: str, variant: str, needs: Iterable[Need] = (), **params: Any) -> None:
        plans.append(Plan(rule, kind, variant, list(needs), params))

    for i in range(n):
        people = 12 if i % 3 == 0 else int(rng.integers(12, 17))
        surface = 100 if i == 0 else int(rng.integers(55, 101))
        add("overbewoning", PLANTED, "vol", [Need("dwelling", True, surface)], w=people)
    for _ in range(c):
        add("overbewoning", CONTROL, "11_op_90", [Need("dwelling", True, 90)], w=11)
        add("overbewoning", CONTROL, "14_op_150", [Need("dwelling", True, 150)], w=14)
        add("overbewoning", CONTROL, "briefadressen", [Need("dwelling", True, 95)], w=10, b=2)
        add("overbewoning", CONTROL, "beeindigd", [Need("dwelling", True, 90)], w=10, ended=3)
    for i in range(n):
        people = 4 + i % 4
        surface = min(12 * people - 1, int(people * rng.uniform(6.5, 11.5)))
        add(
            "overbewoning-per-persoon", PLANTED, "krap", [Need("dwelling", True, surface)], w=people
        )
    for _ in range(c):
        add("overbewoning-per-persoon", CONTROL, "4_op_60", [Need("dwelling", True, 60)], w=4)
        add("overbewoning-per-persoon", CONTROL, "3_op_25", [Need("dwelling", True, 25)], w=3)
        add("overbewoning-per-persoon", CONTROL, "4_op_48", [Need("dwelling", True, 48)], w=4)

    for i in range(n):
        variant = ("twee", "drie", "toekomstig_uitgeschreven")[i % 3]
        add("thuiszorg-cluster", PLANTED, variant, [Need("dwelling")])
    for variant in ("zelfde_kvk", "uitgeschreven", "met_bakkerij"):
        for _ in range(c):
            add("thuiszorg-cluster", CONTROL, variant, [Need("dwelling")])

    for i in range(n):
        add("veelverhuizer", PLANTED, ("vier", "vijf", "grens")[i % 3])
    for variant in ("drie", "gespreid", "grens"):
        for _ in range(c):
            add("veelverhuizer", CONTROL, variant)

    for i in range(n):
        add("damocles-vergunning", PLANTED, ("persoon", "bedrijf", "persoon_zelfde_dag")[i % 3])
    for variant in ("eerder_aangevraagd", "apv", "naamgenoot", "bedrijf_eerder"):
        for _ in range(c):
            add("damocles-vergunning", CONTROL, variant)

    for i in range(n):
        variant = ("twee_bronnen", "drie_bronnen", "drie_meldingen_twee_bronnen")[i % 3]
        add("meldingen-cluster", PLANTED, variant, [Need("dwelling" if i % 2 else "business")])
    for variant in ("zelfde_bron", "oud"):
        for _ in range(c):
            add("meldingen-cluster", CONTROL, variant, [Need("dwelling")])

    for i in range(n):
        variant = ("vijf", "zeven", "vijf_plus_uitgeschreven")[i % 3]
        add("briefbusfirma", PLANTED, variant, [Need("dwelling")])
    for variant, kind in (
        ("kantoor", "kantoor"),
        ("vier", "dwelling"),
        ("woon_winkel", "woon_winkel"),
        ("uitgeschreven", "dwelling"),
    ):
        for _ in range(c):
            add("briefbusfirma", CONTROL, variant, [Need(kind)])

    variants = (
        "persoon_hh_vg",
        "bedrijf_vg_hh",
        "adres_hh_oov",
        "persoon_vg_bel",
        "bedrijf_vg_bel",
        "adres_vg_bel",
        "persoon_hh_bel",
        "adres_hh_bel_oov",
    )
    for i in range(n):
        variant = variants[i % len(variants)]
        add("betrokkenheid", PLANTED, variant, _betrokkenheid_needs(variant))
    for variant in (
        "persoon_gesloten_hh",
        "persoon_twee_aanvragen",
        "adres_oude_melding",
        "bedrijf_gesloten_hh",
    ):
        for _ in range(c):
            add("betrokkenheid", CONTROL, variant, _betrokkenheid_needs(variant))
    return plans


def _betrokkenheid_needs(variant: str) -> list[Need]:
    if variant.startswith("persoon"):
        return [Need("dwelling"), Need("business")]
    if variant.startswith("bedrijf"):
        return [Need("business"), Need("business")]
    return [Need("dwelling")]


def plan_addresses(
    rng: np.random.Generator, bag: pl.DataFrame, addresses: int
) -> tuple[pl.DataFrame, list[Plan], np.ndarray, np.ndarray]:
    """Choose and shape the addresses of every planted case.

    Returns the BAG with the chosen addresses' gebruiksdoel and oppervlakte set,
    the plans, and two masks over the addresses: reserved (no background records,
    companies or open matters) and exclusive (no background household either).
    """
    plans = _plans(rng, addresses)
    doel = bag["gebruiksdoel"].to_numpy().astype(str)
    free = np.ones(bag.height, dtype=bool)
    shuffled = rng.permutation(bag.height)
    candidates = {
        "dwelling": shuffled[doel[shuffled] == WOON],
        "business": shuffled[np.isin(doel[shuffled], BUSINESS_DOELEN)],
        "kantoor": shuffled[doel[shuffled] == KANTOOR],
        "woon_winkel": shuffled[doel[shuffled] == WOON_WINKEL],
    }
    cursor = dict.fromkeys(candidates, 0)
    fallback = 0
    new_doel: dict[int, str] = {}
    new_area: dict[int, int] = {}
    exclusive = np.zeros(bag.height, dtype=bool)
    for plan in plans:  # a few hundred cases at most
        for need in plan.needs:
            pool = candidates[need.kind]
            while cursor[need.kind] < pool.size and not free[pool[cursor[need.kind]]]:
                cursor[need.kind] += 1
            if cursor[need.kind] < pool.size:
                a = int(pool[cursor[need.kind]])
            else:  # not enough of this kind (small towns): reshape any free address
                while not free[shuffled[fallback]]:
                    fallback += 1
                a = int(shuffled[fallback])
                wanted = {"dwelling": WOON, "business": "winkelfunctie", "kantoor": KANTOOR}
                new_doel[a] = wanted.get(need.kind, WOON_WINKEL)
                new_area[a] = int(area(rng, 1, new_doel[a])[0])
            free[a] = False
            exclusive[a] |= need.exclusive
            if need.area is not None:
                new_area[a] = need.area
            plan.addresses.append(a)
    if new_doel or new_area:
        doel_series = bag["gebruiksdoel"].scatter(list(new_doel), list(new_doel.values()))
        area_series = bag["oppervlakte"].scatter(list(new_area), list(new_area.values()))
        bag = with_address_facts(bag.with_columns(doel_series, area_series))
    return bag, plans, ~free, exclusive
