"""Planted cases and near-miss controls for the eight built-in rules, step 2: the cases.

Planting happens in two steps around the background:

    >>> bag, plans, reserved, exclusive = plan_addresses(rng, bag, 300)  # vik.demo.plans
    >>> cases = Planter(rng, town, ids).plant(plans)  # after BRP and KvK exist

Step 1 (``vik.demo.plans``) chooses the cases and their addresses. ``Planter.plant``
adds the people, companies and records of every case, typed as messily as the
background, with the building blocks of ``vik.demo.planting``, and returns one
``Case`` per (rule, entity) the truth lists.

A control is a near miss: it fails the rule on exactly one condition (11 people
instead of 12, a bron 200 days ago, an application before the Damocles case).
Where a control for one rule does satisfy another rule (11 people on 90 m² is
overbewoning per persoon), it is listed as planted for that other rule too.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from vik.demo.cases import BRONNEN, CLOSED_CASE, DAMOCLES, GRONDSLAGEN, OPEN_CASE
from vik.demo.names import FANCY_BUSINESS, FANCY_HORECA, HOME_CARE_TRADES, ORIGINS
from vik.demo.plans import ADRES, BEDRIJF, CONTROL, PERSOON, PLANTED, Case, Plan
from vik.demo.planting import Planting
from vik.demo.population import YEAR, days, draw_origins, draw_surnames, months_back

_MIGRANT_ORIGINS = (ORIGINS.index("pl"), ORIGINS.index("ro_bg"))
_BRIEFBUS_TRADES = (
    ("Holding", "64200"),
    ("Vastgoed", "68204"),
    ("Import Export", "46900"),
    ("Consultancy", "70221"),
    ("Uitzendbureau", "78201"),
    ("Transport", "49410"),
    ("Schoonmaakbedrijf", "81211"),
    ("Bouwbedrijf", "41201"),
    ("Beveiliging", "80101"),
)
_HORECA_TRADES = (("Café", "56301"), ("Eetcafé", "56101"), ("Snackbar", "56102"))

_CLUSTER_BRONNEN = {  # per melding: which of three distinct bronnen sent it
    "twee_bronnen": (0, 1),
    "drie_bronnen": (0, 1, 2),
    "drie_meldingen_twee_bronnen": (0, 0, 1),
    "zelfde_bron": (0, 0),
    "oud": (0, 1),
}
_TEXTS = {
    "persoon": "Persoon met Damoclesszaak vraagt daarna een vergunning aan.",
    "persoon_zelfde_dag": "Persoon vraagt een vergunning aan op de startdatum van de "
    "Damoclesszaak.",
    "eerder_aangevraagd": "Controle: aanvraag ligt vóór de start van de Damoclesszaak.",
    "apv": "Controle: APV-overtreder (geen Damocles) vraagt een vergunning aan.",
    "naamgenoot": "Controle: naamgenoot (andere geboortedatum, ander persoon) van een "
    "Damoclesbetrokkene vraagt een vergunning aan.",
    "persoon_gesloten_hh": "Controle: afgesloten handhavingszaak en een lopende aanvraag van "
    "dezelfde persoon.",
    "persoon_twee_aanvragen": "Controle: twee lopende aanvragen bij één afdeling (vergunningen).",
    "adres_oude_melding": "Controle: lopende handhavingszaak en een melding van 200 dagen "
    "geleden op één adres.",
    "bedrijf_gesloten_hh": "Controle: lopende aanvraag en een afgesloten handhavingszaak van "
    "hetzelfde bedrijf.",
}


class Planter(Planting):
    """Adds the people, companies and records of the planned cases to the town."""

    # -- the rules -----------------------------------------------------------------------------

    def plant(self, plans: list[Plan]) -> list[Case]:
        for plan in plans:  # a few hundred cases at most
            getattr(self, "_" + plan.rule.replace("-", "_"))(plan)
        self.flush()
        for source, rows in self.records.items():
            if rows:
                self.town.add(source, pl.DataFrame(rows, infer_schema_length=None))
        return self.cases

    def _occupants(
        self, a: int, w: int, *, b: int = 0, ended: int = 0, family: bool = False
    ) -> list[tuple[str, int]]:
        """New people registered at a: w current W, b current B, `ended` W that ended last year."""
        rng = self.rng
        k = w + b + ended
        if family:
            origin = np.full(k, int(rng.integers(0, len(ORIGINS))))
            surname = np.full(k, draw_surnames(rng, origin[:1])[0])
            ages = np.where(np.arange(k) < 2, rng.uniform(30, 50, k), rng.uniform(1, 20, k))
            birth = self.today - (ages * YEAR).astype(np.int64)
            p = self.new_persons(k, origin=origin, surname=surname, birth=birth)
            start = np.maximum(self.today - int(rng.integers(200, 2500)), birth)
        else:
            migrant = rng.random(k) < 0.7
            origin = np.where(
                migrant, rng.choice(_MIGRANT_ORIGINS, k), rng.integers(0, len(ORIGINS), k)
            )
            p = self.new_persons(k, origin=origin, ages=(19, 55))
            start = self.today - rng.integers(20, 1000, k)
        uids = self.periods(p[:w], a, start[:w])
        if b:
            uids += self.periods(p[w : w + b], a, start[w : w + b], functie="B")
        if ended:
            old_start = self.today - rng.integers(400, 1500, ended)
            old_end = self.today - rng.integers(30, 330, ended)
            uids += self.periods(p[w + b :], a, old_start, old_end)
        return [("brp", u) for u in uids]

    def _overbewoning(self, plan: Plan) -> None:
        a = plan.addresses[0]
        w, b, ended = plan.params["w"], plan.params.get("b", 0), plan.params.get("ended", 0)
        records = [*self._occupants(a, w, b=b, ended=ended), ("bag", a)]
        surface = self.surface(a)
        text = f"{w} actuele woonadresinschrijvingen op {surface} m²"
        if b:
            text += f" (plus {b} briefadressen)"
        if ended:
            text += f" (plus {ended} inschrijvingen die vorig jaar eindigden)"
        if plan.kind == PLANTED:
            self.case("overbewoning", PLANTED, ADRES, a, records, f"Overbewoning: {text}.")
        else:
            self.case("overbewoning", CONTROL, ADRES, a, records, f"Controle: {text}.")
        # ≥ 12 people on ≤ 100 m², and each control here, is below 12 m² per person.
        self.case(
            "overbewoning-per-persoon",
            PLANTED,
            ADRES,
            a,
            records,
            f"Minder dan 12 m² per persoon: {text}.",
        )

    def _overbewoning_per_persoon(self, plan: Plan) -> None:
        a = plan.addresses[0]
        w = plan.params["w"]
        records = [*self._occupants(a, w, family=True), ("bag", a)]
        surface = self.surface(a)
        text = f"{w} bewoners op {surface} m² ({surface / w:.1f} m² per persoon)"
        prefix = "Minder dan 12 m² per persoon" if plan.kind == PLANTED else "Controle"
        self.case("overbewoning-per-persoon", plan.kind, ADRES, a, records, f"{prefix}: {text}.")

    def _care_company(
        self, a: int, *, ended: int | None = None, vestigingen: int = 1
    ) -> tuple[int, list[int]]:
        rng = self.rng
        trade, sbi, _ = HOME_CARE_TRADES[int(rng.integers(0, len(HOME_CARE_TRADES)))]
        name = FANCY_BUSINESS[int(rng.integers(0, len(FANCY_BUSINESS)))]
        bv = rng.random() < 0.6
        handelsnaam = f"{trade} {name}" + (" B.V." if bv else "")
        rechtsvorm = "Besloten Vennootschap" if bv else "Eenmanszaak"
        return self.company(
            handelsnaam, rechtsvorm, sbi, [a] * vestigingen, ended=[ended] * vestigingen
        )

    def _thuiszorg_cluster(self, plan: Plan) -> None:
        a = plan.addresses[0]
        rng = self.rng
        variant = plan.variant
        uids: list[int] = []
        if variant in ("twee", "drie"):
            for _ in range(2 if variant == "twee" else 3):
                uids += self._care_company(a)[1]
            text = f"{2 if variant == 'twee' else 3} actieve thuiszorgbedrijven op één adres."
        elif variant == "toekomstig_uitgeschreven":
            uids += self._care_company(a)[1]
            uids += self._care_company(a, ended=self.today + int(rng.integers(10, 90)))[1]
            text = "2 thuiszorgbedrijven op één adres; één wordt na de peildatum uitgeschreven."
        elif variant == "zelfde_kvk":
            uids += self._care_company(a, vestigingen=2)[1]
            text = "Controle: 2 thuiszorgvestigingen van hetzelfde KvK-nummer."
        elif variant == "uitgeschreven":
            uids += self._care_company(a)[1]
            uids += self._care_company(a, ended=self.today - int(rng.integers(30, 400)))[1]
            text = "Controle: 2 thuiszorgbedrijven, waarvan één uitgeschreven."
        else:
            uids += self._care_company(a)[1]
            baker = self.town.persons.row(
                int(rng.integers(0, self.town.persons.height)), named=True
            )
            surname = " ".join(filter(None, (baker["voorvoegsel"], baker["geslachtsnaam"])))
            name = f"Bakkerij {surname[0].upper()}{surname[1:]}"
            uids += self.company(name, "Eenmanszaak", "10711", [a])[1]
            text = "Controle: 1 thuiszorgbedrijf en 1 bakkerij op één adres."
        if plan.kind == PLANTED:
            text = f"Thuiszorgcluster: {text}"
        self.case("thuiszorg-cluster", plan.kind, ADRES, a, [("kvk", u) for u in uids], text)

    def _veelverhuizer(self, plan: Plan) -> None:
        rng = self.rng
        window = days(months_back(self.town.as_of, 12))  # starts must be later than this
        variant = plan.variant

        def spread(k: int, low: int, high: int) -> list[int]:
            slots = np.linspace(low, high, k + 1)
            return [
                int(slots[i] + rng.uniform(0.2, 0.8) * (slots[i + 1] - slots[i])) for i in range(k)
            ]

        if variant in ("vier", "vijf", "drie"):
            k = {"vier": 4, "vijf": 5, "drie": 3}[variant]
            starts = spread(k, window + 2, self.today - 2)
        elif variant == "grens" and plan.kind == PLANTED:
            starts = [window + 1, *spread(3, window + 10, self.today - 2)]
        elif variant == "grens":
            starts = [window, *spread(3, window + 10, self.today - 2)]
        else:  # gespreid: five moves over 30 months
            starts = [self.today - d for d in (910, 730, 545, 400, 200)]
        starts = sorted(starts)
        p = self.new_persons(1, origin=draw_origins(rng, 1), ages=(20, 45))[0]
        first = starts[0] - int(rng.integers(700, 3000))
        places = [self.dwelling() for _ in starts] + [self.host()]  # the last one is current
        boundaries = [first, *starts]
        uids = []
        for i, (begin, place) in enumerate(zip(boundaries, places, strict=True)):
            end = boundaries[i + 1] if i + 1 < len(boundaries) else None
            uids.append(
                (begin, self.periods([p], place, [begin], None if end is None else [end])[0])
            )
        in_window = [u for begin, u in uids if begin > window]
        count = len(in_window)
        if plan.kind == PLANTED:
            records = [("brp", u) for u in in_window]
            text = f"Veelverhuizer: {count} nieuwe adressen in de 12 maanden tot de peildatum."
        else:
            records = [("brp", u) for _, u in uids]
            text = (
                f"Controle: {len(starts)} verhuizingen, waarvan {count} in de laatste 12 maanden."
            )
        self.case("veelverhuizer", plan.kind, PERSOON, p, records, text)

    def _closed_case(
        self,
        *,
        p: int | None = None,
        c: int | None = None,
        at: int,
        start: int,
        zaaktype: str | None = None,
        name_style: int | None = None,
        dob_style: int | None = None,
    ) -> int:
        """A handhaving case that has ended (a Damocles case unless zaaktype says otherwise)."""
        rng = self.rng
        zaaktype = zaaktype or DAMOCLES[int(rng.integers(0, 2))]
        end = min(self.today - 5, start + int(rng.integers(30, 150)))
        return self.record(
            "handhaving",
            zaaktype=zaaktype,
            grondslag=GRONDSLAGEN[zaaktype][0],
            status=CLOSED_CASE,
            datum_start=start,
            datum_einde=end,
            _a=at,
            _p=p,
            _c=c,
            _with_id=(c is not None) or bool(rng.random() < 0.25),
            _with_dob=p is not None,
            _name_style=name_style,
            _dob_style=dob_style,
        )

    def _application(
        self,
        *,
        p: int | None = None,
        c: int | None = None,
        at: int,
        applied: int,
        name_style: int | None = None,
        dob_style: int | None = None,
        status: str | None = None,
        kind: str | None = None,
    ) -> int:
        """A vergunning application; decided unless status says it is open."""
        rng = self.rng
        kind = kind or ("exploitatievergunning" if rng.random() < 0.7 else "alcoholvergunning")
        is_open = status in ("aangevraagd", "in_behandeling")
        decided = (
            None
            if is_open
            else applied + int(rng.integers(10, max(11, min(60, self.today - applied))))
        )
        return self.record(
            "vergunningen",
            vergunningtype=kind,
            status=status or ("verleend" if rng.random() < 0.75 else "geweigerd"),
            datum_aanvraag=applied,
            datum_besluit=decided,
            _a=at,
            _p=p,
            _c=c,
            _with_id=c is not None,
            _with_dob=p is not None,
            _name_style=name_style,
            _dob_style=dob_style,
        )

    def _horeca_company(self, at: int) -> int:
        rng = self.rng
        trade, sbi = _HORECA_TRADES[int(rng.integers(0, len(_HORECA_TRADES)))]
        name = FANCY_HORECA[int(rng.integers(0, len(FANCY_HORECA)))]
        return self.company(f"{trade} {name}", "Eenmanszaak", sbi, [at])[0]

    def _damocles_vergunning(self, plan: Plan) -> None:
        rng = self.rng
        variant = plan.variant
        start = self.today - int(rng.integers(200, 900))
        after = start + int(rng.integers(1, max(2, self.today - start - 30)))
        before = start - int(rng.integers(40, 300))
        names, dobs = self.styles(2, 6), self.styles(2, 3)
        rule = "damocles-vergunning"
        if variant.startswith("bedrijf"):
            at = self.business()
            c = self._horeca_company(at)
            case = self._closed_case(c=c, at=at, start=start, zaaktype="damocles_sluiting")
            app = self._application(
                c=c, at=at, applied=before if variant == "bedrijf_eerder" else after
            )
            text = (
                "Bedrijf met Damocles-sluiting vraagt daarna een vergunning aan."
                if plan.kind == PLANTED
                else "Controle: bedrijf vroeg de vergunning aan vóór de Damoclesszaak."
            )
            self.case(
                rule, plan.kind, BEDRIJF, c, [("handhaving", case), ("vergunningen", app)], text
            )
            return
        if variant == "naamgenoot":
            p, home = self.adult()
            case = self._closed_case(
                p=p, at=home, start=start, name_style=names[0], dob_style=dobs[0]
            )
            twin = self._namesake(p)
            app = self._application(
                p=twin, at=self.business(), applied=after, name_style=names[1], dob_style=dobs[1]
            )
            text = _TEXTS["naamgenoot"]
            self.case(
                rule, CONTROL, PERSOON, twin, [("handhaving", case), ("vergunningen", app)], text
            )
            return
        p, home = self.adult()
        zaaktype = "apv_overtreding" if variant == "apv" else None
        case = self._closed_case(
            p=p, at=home, start=start, zaaktype=zaaktype, name_style=names[0], dob_style=dobs[0]
        )
        applied = {"persoon_zelfde_dag": start, "eerder_aangevraagd": before}.get(variant, after)
        app = self._application(
            p=p, at=self.business(), applied=applied, name_style=names[1], dob_style=dobs[1]
        )
        text = _TEXTS[variant]
        self.case(rule, plan.kind, PERSOON, p, [("handhaving", case), ("vergunningen", app)], text)

    def _namesake(self, p: int) -> int:
        """A new person with the same names as p and another birth date, at a host dwelling."""
        row = self.town.persons.row(p, named=True)
        shift = int(self.rng.integers(800, 5000)) * (1 if self.rng.random() < 0.5 else -1)
        birth = np.array([days(row["birth"]) + shift])
        twin = self.new_persons(1, origin=np.array([row["_origin"]]), birth=birth, like=row)[0]
        self.periods([twin], self.host(), [self.today - int(self.rng.integers(100, 3000))])
        return int(twin)

    def _meldingen_cluster(self, plan: Plan) -> None:
        rng = self.rng
        a = plan.addresses[0]
        names = [b for b, _ in BRONNEN]
        picked = [names[i] for i in rng.permutation(len(names))[:3]]
        which = _CLUSTER_BRONNEN[plan.variant]
        ages = rng.integers(1, 86, len(which))  # all within the 90 days up to the peildatum
        if plan.variant == "oud":
            ages[0] = 200
        plan_rows = [(picked[i], self.today - int(age)) for i, age in zip(which, ages, strict=True)]
        categories = ("drugs", "ondermijning_overig", "mensenhandel", "overlast", "huisvesting")
        uids = [
            self.record(
                "meldingen",
                bron=bron,
                categorie=categories[int(rng.integers(0, len(categories)))],
                datum=day,
                _a=a,
                _addr_mode=i % 2 if i < 2 else None,
            )
            for i, (bron, day) in enumerate(plan_rows)
        ]
        bronnen = len({b for b, _ in plan_rows})
        text = {
            PLANTED: f"{len(plan_rows)} meldingen uit {bronnen} bronnen binnen 90 dagen "
            "over één adres.",
            CONTROL: "Controle: "
            + (
                "2 meldingen uit dezelfde bron binnen 90 dagen."
                if plan.variant == "zelfde_bron"
                else "2 bronnen, maar één melding is 200 dagen oud."
            ),
        }[plan.kind]
        self.case("meldingen-cluster", plan.kind, ADRES, a, [("meldingen", u) for u in uids], text)

    def _briefbusfirma(self, plan: Plan) -> None:
        rng = self.rng
        a = plan.addresses[0]
        active, ended = {
            "vijf": (5, 0),
            "zeven": (7, 0),
            "vijf_plus_uitgeschreven": (5, 2),
            "kantoor": (6, 0),
            "vier": (4, 0),
            "woon_winkel": (5, 0),
            "uitgeschreven": (3, 2),
        }[plan.variant]
        uids = []
        for i in range(active + ended):
            trade, sbi = _BRIEFBUS_TRADES[int(rng.integers(0, len(_BRIEFBUS_TRADES)))]
            name = FANCY_BUSINESS[int(rng.integers(0, len(FANCY_BUSINESS)))]
            registered = self.today - int(rng.integers(30, 900))
            end = None if i < active else self.today - int(rng.integers(10, 25))
            uids += self.company(
                f"{name} {trade} B.V.",
                "Besloten Vennootschap",
                sbi,
                [a],
                registered=registered,
                ended=[end],
            )[1]
        doel = self.town.bag["gebruiksdoel"][a]
        text = f"{active} actieve bedrijven ingeschreven op een adres met gebruiksdoel {doel}"
        if ended:
            text += f" (plus {ended} uitgeschreven)"
        text = ("Briefbusfirma's: " if plan.kind == PLANTED else "Controle: ") + text + "."
        self.case(
            "briefbusfirma", plan.kind, ADRES, a, [("kvk", u) for u in uids] + [("bag", a)], text
        )

    # -- betrokkenheid: open matters in several departments ----------------------------------

    def _open_case(self, *, at: int, p: int | None = None, c: int | None = None) -> int:
        rng = self.rng
        zaaktype = ("last_onder_dwangsom", "apv_overtreding", "bestuursdwang")[
            int(rng.integers(0, 3))
        ]
        return self.record(
            "handhaving",
            zaaktype=zaaktype,
            grondslag=GRONDSLAGEN[zaaktype][0],
            status=OPEN_CASE,
            datum_start=self.today - int(rng.integers(20, 300)),
            _a=at,
            _p=p,
            _c=c,
            _with_id=c is not None,
            _with_dob=p is not None,
        )

    def _open_application(
        self, *, at: int, p: int | None = None, c: int | None = None, kind: str | None = None
    ) -> int:
        status = ("aangevraagd", "in_behandeling")[int(self.rng.integers(0, 2))]
        return self._application(
            p=p,
            c=c,
            at=at,
            applied=self.today - int(self.rng.integers(5, 120)),
            status=status,
            kind=kind or "omgevingsvergunning",
        )

    def _open_assessment(
        self, *, at: int, p: int | None = None, c: int | None = None, status: str = "bezwaar"
    ) -> int:
        heffing = "ozb_eigenaar" if p is not None else "ozb_gebruiker"
        return self.assessment(at, p=p, c=c, heffing=heffing, status=status)

    def _melding(self, at: int, age: int) -> int:
        rng = self.rng
        return self.record(
            "meldingen",
            bron=[b for b, _ in BRONNEN][int(rng.integers(0, len(BRONNEN)))],
            categorie=("huisvesting", "overlast", "ondermijning_overig")[int(rng.integers(0, 3))],
            datum=self.today - age,
            _a=at,
        )

    def _betrokkenheid(self, plan: Plan) -> None:
        rng = self.rng
        variant = plan.variant
        first, *rest = plan.addresses  # a second address for persoon and bedrijf variants
        recent = int(rng.integers(95, 170))  # an open oov matter, yet no meldingen cluster
        matters: list[tuple[str, str, int]] = []  # (department, source, uid)
        if variant.startswith("persoon"):
            second = rest[0]
            p, _ = self.adult()
            entity_type, entity = PERSOON, p
            if variant == "persoon_hh_vg":
                matters += [("handhaving", "handhaving", self._open_case(at=first, p=p))]
                matters += [
                    (
                        "vergunningen",
                        "vergunningen",
                        self._open_application(at=second, p=p, kind="exploitatievergunning"),
                    )
                ]
            elif variant == "persoon_vg_bel":
                matters += [
                    ("vergunningen", "vergunningen", self._open_application(at=second, p=p))
                ]
                matters += [("belastingen", "belastingen", self._open_assessment(at=first, p=p))]
            elif variant == "persoon_hh_bel":
                matters += [("handhaving", "handhaving", self._open_case(at=second, p=p))]
                matters += [
                    (
                        "belastingen",
                        "belastingen",
                        self._open_assessment(at=first, p=p, status="dwanginvordering"),
                    )
                ]
            elif variant == "persoon_gesloten_hh":
                closed = self._closed_case(
                    p=p, at=first, start=self.today - 400, zaaktype="apv_overtreding"
                )
                matters += [
                    ("vergunningen", "vergunningen", self._open_application(at=second, p=p))
                ]
                matters += [("", "handhaving", closed)]
            else:  # persoon_twee_aanvragen
                matters += [("vergunningen", "vergunningen", self._open_application(at=first, p=p))]
                matters += [
                    ("vergunningen", "vergunningen", self._open_application(at=second, p=p))
                ]
        elif variant.startswith("bedrijf"):
            second = rest[0]
            trade, sbi = _BRIEFBUS_TRADES[int(rng.integers(0, len(_BRIEFBUS_TRADES)))]
            name = FANCY_BUSINESS[int(rng.integers(0, len(FANCY_BUSINESS)))]
            c, _ = self.company(
                f"{name} {trade} B.V.", "Besloten Vennootschap", sbi, [first, second]
            )
            entity_type, entity = BEDRIJF, c
            matters += [
                (
                    "vergunningen",
                    "vergunningen",
                    self._open_application(at=first, c=c, kind="exploitatievergunning"),
                )
            ]
            if variant == "bedrijf_vg_hh":
                matters += [("handhaving", "handhaving", self._open_case(at=second, c=c))]
            elif variant == "bedrijf_vg_bel":
                matters += [("belastingen", "belastingen", self._open_assessment(at=second, c=c))]
            else:  # bedrijf_gesloten_hh
                closed = self._closed_case(
                    c=c, at=second, start=self.today - 500, zaaktype="last_onder_dwangsom"
                )
                matters += [("", "handhaving", closed)]
        else:
            entity_type, entity = ADRES, first
            if "hh" in variant or variant == "adres_oude_melding":
                owner, _ = self.adult()
                matters += [("handhaving", "handhaving", self._open_case(at=first, p=owner))]
            if variant == "adres_vg_bel":
                applicant, _ = self.adult()
                matters += [
                    ("vergunningen", "vergunningen", self._open_application(at=first, p=applicant))
                ]
            if "bel" in variant:
                owner, _ = self.adult()
                matters += [
                    ("belastingen", "belastingen", self._open_assessment(at=first, p=owner))
                ]
            if "oov" in variant:
                matters += [("oov", "meldingen", self._melding(first, recent))]
            if variant == "adres_oude_melding":
                matters += [("", "meldingen", self._melding(first, 200))]
        departments = sorted({d for d, _, _ in matters if d})
        records = [(source, uid) for _, source, uid in matters]
        if plan.kind == PLANTED:
            subject = {PERSOON: "persoon", BEDRIJF: "onderneming", ADRES: "locatie"}[entity_type]
            text = f"Lopende zaken over dezelfde {subject} bij " + " en ".join(departments) + "."
        else:
            text = _TEXTS[variant]
        self.case("betrokkenheid", plan.kind, entity_type, entity, records, text, departments)
