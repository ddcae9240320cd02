"""The inzage report as a PDF, in plain Dutch, made with reportlab (no system libraries).

    >>> pdf_bytes = render_pdf(report, departments, organisation="Gemeente Lindewaard")

Every section is always there, also when it is empty ("VIK heeft hierover niets"), so
the person sees what VIK looked for. DejaVu Sans is used where the system has it, for
every letter of every name (Yılmaz, Øvergaard); otherwise Helvetica.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vik.inzage.flags import FlagItem
from vik.inzage.report import KEPT_BY_LOG, InzageReport

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
LOCAL = ZoneInfo("Europe/Amsterdam")
SECTIONS = (
    "Uw verzoek",
    "Wat is VIK?",
    "Uw gegevens per bron",
    "Signalen over u",
    "Signalen waarin uw gegevens meetellen",
    "Dossier",
    "Besproken in het lokaal ondermijningsoverleg (LOO)",
    "Verwijderde signalen",
    "Wie uw gegevens heeft bekeken of opgezocht",
    "Uw rechten",
)


def _fonts() -> tuple[str, str]:
    for path in FONT_PATHS:
        bold = path.with_name("DejaVuSans-Bold.ttf")
        if path.is_file() and bold.is_file():
            if "VikSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("VikSans", str(path)))
                pdfmetrics.registerFont(TTFont("VikSans-Bold", str(bold)))
            return "VikSans", "VikSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _day(value: Any) -> str:
    if value is None or value == "":
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}-{text[5:7]}-{text[0:4]}"
    return text


def _moment(value: Any) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(LOCAL)
    text: str = value.strftime("%d-%m-%Y %H:%M")
    return text


def _value(value: Any) -> str:
    if value is None:
        return "onbekend"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


class _Writer:
    def __init__(self) -> None:
        regular, bold = _fonts()
        base = getSampleStyleSheet()
        self.body = ParagraphStyle(
            "body", parent=base["BodyText"], fontName=regular, fontSize=9.5, leading=12.5
        )
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8.5, leading=11)
        self.h1 = ParagraphStyle(
            "h1", parent=base["Title"], fontName=bold, fontSize=17, leading=21, alignment=0
        )
        self.h2 = ParagraphStyle(
            "h2", parent=base["Heading2"], fontName=bold, fontSize=13, leading=16, spaceBefore=10
        )
        self.h3 = ParagraphStyle(
            "h3", parent=base["Heading3"], fontName=bold, fontSize=10.5, leading=13, spaceBefore=6
        )
        self.bold = bold
        self.story: list[Any] = []

    def p(self, text: str, style: ParagraphStyle | None = None) -> None:
        self.story.append(Paragraph(escape(text), style or self.body))

    def h(self, text: str, level: int = 2) -> None:
        self.story.append(Paragraph(escape(text), {1: self.h1, 2: self.h2, 3: self.h3}[level]))

    def table(
        self, headers: list[str], rows: Iterable[list[Any]], widths: list[float] | None = None
    ) -> None:
        cells = [[Paragraph(escape(h), self.small) for h in headers]]
        cells += [
            [Paragraph(escape(_value(c) if not isinstance(c, str) else c), self.small) for c in row]
            for row in rows
        ]
        table = Table(cells, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ebf0")),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#b9c2cc")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story.append(table)
        self.story.append(Spacer(1, 4))


def _flags(w: _Writer, flags: list[FlagItem], empty: str) -> None:
    if not flags:
        w.p(empty)
        return
    for f in flags:
        w.h(f"{f.titel} ({f.status})", 3)
        w.p(
            f"Over: {f.over}. Regel {f.regel}. Eerst gezien {_day(f.eerst_gezien)}, laatst gezien {_day(f.laatst_gezien)}."
        )
        w.p(f"Uitleg van de regel: {f.uitleg}")
        w.p(f"Afdelingen die dit signaal ontvangen: {', '.join(f.afdelingen) or 'geen'}.")
        w.p(
            "Wordt verwijderd op: "
            + (
                _day(f.verwijderd_op)
                if f.verwijderd_op
                else "geen termijn vastgelegd (wordt bewaard)"
            )
            + "; met het signaal gaan ook het bewijs, de besluiten en de melding van informeren."
        )
        if f.bewijs:
            w.table(
                ["Bewijs: bron", "record", "extractdatum", "zekerheid koppeling"],
                [
                    [
                        b["bron"],
                        b["record"],
                        _day(b["extractdatum"]),
                        _value(b["zekerheid_koppeling"]),
                    ]
                    for b in f.bewijs
                ],
                [35 * mm, 55 * mm, 35 * mm, 40 * mm],
            )
        if f.besluiten:
            w.table(
                ["Besluit van afdeling", "besluit", "reden", "door, op"],
                [
                    [
                        d.afdeling,
                        d.besluit + (f" naar {d.naar}" if d.naar else ""),
                        d.reden,
                        f"{d.door}, {_moment(d.op)}",
                    ]
                    for d in f.besluiten
                ],
                [38 * mm, 30 * mm, 70 * mm, 32 * mm],
            )
        else:
            w.p("Er is nog geen besluit over dit signaal genomen. Zonder besluit gebeurt er niets.")
        if f.geinformeerd:
            w.table(
                ["Informatieplicht: geïnformeerd op", "hoe", "kenmerk", "door afdeling"],
                [
                    [_day(n["op"]), n["hoe"], n["kenmerk"] or "", n["afdeling"] or ""]
                    for n in f.geinformeerd
                ],
                [45 * mm, 30 * mm, 50 * mm, 45 * mm],
            )
        else:
            w.p("De gemeente heeft niet vastgelegd dat u over dit signaal bent geïnformeerd.")
        if f.uitkomsten:
            w.table(
                ["Uitkomst van afdeling", "uitkomst", "reden", "op; wordt verwijderd"],
                [
                    [
                        u["afdeling"],
                        u["uitkomst"] + (f" ({u['categorie']})" if u["categorie"] else ""),
                        u["reden"] or "",
                        f"{_day(u['op'])}; {_day(u['verwijderd'])}",
                    ]
                    for u in f.uitkomsten
                ],
                [38 * mm, 40 * mm, 60 * mm, 32 * mm],
            )
        if f.momentopnamen:
            w.p(
                "Bij elk besluit legde VIK vast wat de beslisser zag (de regelversie, de waarden, "
                "de uitleg en het bewijs): "
                + "; ".join(
                    f"{m['afdeling']} op {_day(m['vastgelegd_op'])}, wordt verwijderd op "
                    f"{_day(m['verwijderd'])}"
                    for m in f.momentopnamen
                )
                + "."
            )


def render_pdf(report: InzageReport, *, organisation: str, contact: str) -> bytes:
    w = _Writer()
    data = report.as_dict()
    request = data["verzoek"]
    w.h("Inzageverzoek: wat VIK over u bewaart", 1)
    w.p(f"{organisation} · opgesteld op {_moment(report.generated_at)}")
    w.h(SECTIONS[0])
    w.table(
        ["", ""],
        [
            ["Nummer van uw verzoek", str(request["nummer"])],
            ["Ontvangen op", _day(request["ontvangen"])],
            ["Wettelijke termijn", request["wettelijke_termijn"]],
            ["Uiterlijk te beantwoorden op", _day(request["uiterlijk_beantwoorden"])],
            [
                "U bent gevonden met",
                "uw BSN" if request["geidentificeerd_met"] == "bsn" else "uw naam en geboortedatum",
            ],
            ["Uw kenmerk in VIK", report.subject_label],
        ],
        [60 * mm, 110 * mm],
    )
    w.h(SECTIONS[1])
    w.p(
        "VIK (veiligheidsinformatieknooppunt) legt 's nachts gegevens uit registers van de gemeente "
        "naast elkaar, volgens openbare regels met een wettelijke grondslag. Als een regel iets "
        "opvalt, maakt VIK een signaal. Een signaal is geen besluit en geen verdenking: een "
        "medewerker bekijkt het en besluit, met een reden. Uw BSN bewaart VIK niet; VIK werkt met "
        "een versleuteld kenmerk."
    )
    w.h(SECTIONS[2])
    if report.person:
        w.p(
            "Uit de basisregistratie personen: "
            + "; ".join(
                f"{k.replace('_', ' ')}: {_value(v)}"
                for k, v in report.person.items()
                if k not in ("persoon_id", "naam_sleutel")
            )
        )
    if report.records:
        w.table(
            ["Bron", "Record", "Koppeling aan u", "Gegevens die VIK bewaart", "Wordt verwijderd"],
            [
                [
                    r.bron,
                    r.record,
                    f"{r.koppeling}"
                    + (f", zekerheid {_value(r.zekerheid)}" if r.zekerheid is not None else "")
                    + (f" ({r.methode})" if r.methode else ""),
                    "; ".join(f"{k}: {_value(v)}" for k, v in r.gegevens.items())
                    or "alleen de koppeling",
                    r.verwijderd,
                ]
                for r in report.records
            ],
            [22 * mm, 28 * mm, 32 * mm, 55 * mm, 38 * mm],
        )
    else:
        w.p("VIK heeft geen records uit de bronnen aan u gekoppeld.")
    w.h(SECTIONS[3])
    _flags(w, report.flags, "Er zijn geen signalen over u.")
    w.h(SECTIONS[4])
    w.p("Signalen over een adres of bedrijf waarbij een record over u als bewijs meetelt.", w.small)
    _flags(
        w, report.evidence_flags, "Er zijn geen signalen waarin uw gegevens als bewijs meetellen."
    )
    w.h(SECTIONS[5])
    if report.dossier:
        w.p(
            f"Dossier {report.dossier['nummer']} over u, met {report.dossier['signalen']} signaal/signalen. "
            "Daarin staan ook deze gegevens (alleen te zien na het opgeven van een doel): "
            + (
                "; ".join(
                    f"{k.replace('_', ' ')}: {_value(v)}"
                    for k, v in report.dossier["gegevens"].items()
                )
                or "geen"
            )
            + ". Het dossier wordt verwijderd met het laatste signaal"
            + (
                f", uiterlijk op {_day(report.dossier['verwijderd_op'])}."
                if report.dossier["verwijderd_op"]
                else "."
            )
        )
    else:
        w.p("Er is geen dossier over u.")
    w.h(SECTIONS[6])
    if report.loo:
        for item in report.loo:
            w.p(
                f"Overleg van {_day(item['overleg_op'])}, agendapunt {item['agendapunt']}: "
                f"{', '.join(item['signalen'])}; doorgezet door "
                f"{', '.join(item['doorgezet_door']) or 'het LOO'}."
                + (f" Besproken: {item['bespreking']}" if item["bespreking"] else "")
                + (
                    f" Wordt verwijderd op {_day(item['verwijderd'])}."
                    if item["verwijderd"]
                    else ""
                )
            )
            if item["afspraken"]:
                w.table(
                    ["Afspraak", "eigenaar", "uiterlijk", "status; integrale controle"],
                    [
                        [
                            a["actie"],
                            a["eigenaar"],
                            _day(a["uiterlijk"]),
                            a["status"]
                            + (
                                f"; controle op {_day(a['integrale_controle']['op'])} door "
                                f"{', '.join(a['integrale_controle']['afdelingen'])}: "
                                f"{a['integrale_controle']['bevindingen'] or ''}"
                                if a["integrale_controle"]
                                else ""
                            ),
                        ]
                        for a in item["afspraken"]
                    ],
                    [45 * mm, 35 * mm, 25 * mm, 65 * mm],
                )
    else:
        w.p("Uw gegevens of signalen zijn niet in een lokaal ondermijningsoverleg besproken.")
    w.h(SECTIONS[7])
    if report.purged:
        w.table(
            ["Regel", "Verwijderd op", "Aantal", "Deze telling bewaard tot"],
            [
                [
                    p["regel"],
                    _day(p["verwijderd_op"]),
                    str(p["aantal"]),
                    _day(p["telling_bewaard_tot"]),
                ]
                for p in report.purged
            ],
            [60 * mm, 35 * mm, 20 * mm, 50 * mm],
        )
        w.p(
            "Van deze signalen is niets meer bewaard dan de regel, de datum en het aantal.", w.small
        )
    else:
        w.p("Er zijn geen signalen over u verwijderd (of de telling daarvan is zelf al verlopen).")
    w.h(SECTIONS[8])
    if report.accesses:
        w.table(
            ["Wanneer", "Wie", "Afdeling", "Wat", "Doel"],
            [
                [_moment(a.op), a.wie, a.afdeling or "", a.wat, a.doel or ""]
                for a in report.accesses
            ],
            [30 * mm, 35 * mm, 30 * mm, 40 * mm, 35 * mm],
        )
        w.p(f"Deze regels uit het toegangslog: {KEPT_BY_LOG}.", w.small)
    else:
        w.p("Niemand heeft uw gegevens in VIK bekeken of opgezocht.")
    w.h(SECTIONS[9])
    w.p(
        "U kunt de gemeente vragen onjuiste gegevens te verbeteren (art. 16 AVG) of te wissen "
        "(art. 17 AVG), en bezwaar maken tegen het gebruik ervan (art. 21 AVG). U kunt ook een "
        "klacht indienen bij de Autoriteit Persoonsgegevens. Vragen over dit overzicht: "
        f"{contact}."
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title="Inzageverzoek VIK",
        author=organisation,
    )
    doc.build(w.story)
    return buffer.getvalue()
