"""Small hand-made extracts for tests: canonical rows per source, written in any format.

>>> write_extract(tmp_path, "bag", BAG_ROWS, fmt="csv", delimiter=";")
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from vik.connectors.schemas import SOURCES

# Valid under the elfproef, invented for tests.
BSN_A, BSN_B, BSN_C, BSN_D = "111222333", "123456782", "835337406", "278683873"
TEST_KEY = b"test-key-" + b"0" * 32

BAG_ROWS = [
    {
        "nummeraanduiding_id": "0307200000000001",
        "verblijfsobject_id": "0307010000000001",
        "straatnaam": "Kerkstraat",
        "huisnummer": "12",
        "huisletter": "A",
        "postcode": "3811AB",
        "woonplaats": "Amersfoort",
        "gebruiksdoel": "woonfunctie",
        "oppervlakte": "82",
    },
    {
        "nummeraanduiding_id": "0307200000000002",
        "verblijfsobject_id": "0307010000000002",
        "straatnaam": "Kerkstraat",
        "huisnummer": "14",
        "postcode": "3811AB",
        "woonplaats": "Amersfoort",
        "gebruiksdoel": "woonfunctie;winkelfunctie",
        "oppervlakte": "120,5",
    },
]

BRP_ROWS = [
    {
        "record_id": "brp-1",
        "bsn": BSN_A,
        "geslachtsnaam": "Öztürk",
        "voornamen": "Ayşe",
        "geboortedatum": "19800000",
        "straatnaam": "Kerkstraat",
        "huisnummer": "12",
        "huisletter": "A",
        "postcode": "3811 AB",
        "woonplaats": "Amersfoort",
        "functie_adres": "W",
        "datum_aanvang_adreshouding": "01-03-2015",
    },
    {
        "record_id": "brp-2",
        "bsn": BSN_B,
        "geslachtsnaam": "Vries",
        "voorvoegsel": "de",
        "voornamen": "René Zoë",
        "geboortedatum": "1975-06-21",
        "straatnaam": "Kerkstraat",
        "huisnummer": "14",
        "postcode": "3811AB",
        "woonplaats": "Amersfoort",
        "functie_adres": "W",
        "datum_aanvang_adreshouding": "20100101",
        "datum_einde_adreshouding": "2019-12-31",
    },
]

KVK_ROWS = [
    {
        "vestigingsnummer": "000012345678",
        "kvk_nummer": "01234567",
        "handelsnaam": "Zorg Thuis B.V.",
        "rechtsvorm": "Besloten Vennootschap",
        "sbi_codes": "88101;86942",
        "datum_inschrijving": "2020-01-01",
        "straatnaam": "Kerkstraat",
        "huisnummer": "12",
        "huisletter": "A",
        "postcode": "3811AB",
        "plaats": "Amersfoort",
    }
]

BELASTINGEN_ROWS = [
    {
        "aanslag_id": "A-2026-1",
        "belastingjaar": "2026",
        "heffing": "OZB",
        "subject_bsn": BSN_A,
        "subject_naam": "A. Öztürk",
        "straatnaam": "Kerkstraat",
        "huisnummer": "12",
        "huisletter": "A",
        "postcode": "3811AB",
        "woonplaats": "Amersfoort",
        "woz_waarde": "250.000",
        "aantal_personen": "1",
        "status": "opgelegd",
    }
]

VERGUNNINGEN_ROWS = [
    {
        "zaak_id": "V-1",
        "vergunningtype": "Exploitatievergunning",
        "aanvrager_naam": "ÖZTÜRK, A.",
        "aanvrager_geboortedatum": "1980-00-00",
        "adres": "Kerkstr. 12-a, 3811 AB Amersfoort",
        "datum_aanvraag": "2026-10-01",
        "status": "in behandeling",
    }
]

HANDHAVING_ROWS = [
    {
        "zaak_id": "H-1",
        "zaaktype": "damocles_sluiting",
        "grondslag": "Opiumwet art. 13b",
        "betrokkene_naam": "Ayse Ozturk",
        "betrokkene_bsn": BSN_A,
        "adres": "Kerkstraat 12a",
        "datum_start": "2025-02-01",
        "status": "gesloten",
    }
]

MELDINGEN_ROWS = [
    {
        "melding_id": "M-1",
        "bron": "MMA",
        "datum": "2026-11-01",
        "categorie": "drugs",
        "adres": "Kerkstraat 12 A",
    }
]

ROWS = {
    "brp": BRP_ROWS,
    "bag": BAG_ROWS,
    "kvk": KVK_ROWS,
    "belastingen": BELASTINGEN_ROWS,
    "vergunningen": VERGUNNINGEN_ROWS,
    "handhaving": HANDHAVING_ROWS,
    "meldingen": MELDINGEN_ROWS,
}


def frame_of(source: str, rows: list[dict]) -> pl.DataFrame:
    """Rows as a text frame with every canonical column of the source, in order."""
    columns = [
        c
        for c in SOURCES[source].column_names
        if any(c in r for r in rows) or c not in ("record_id", "adres")
    ]
    return pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in columns}, schema=dict.fromkeys(columns, pl.String)
    )


def write_extract(
    directory: Path,
    source: str,
    rows: list[dict],
    *,
    fmt: str = "csv",
    encoding: str = "utf-8",
    delimiter: str = ",",
    name: str | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name or f"{source}.{fmt}")
    frame = frame_of(source, rows)
    if fmt == "csv":
        text = frame.write_csv(separator=delimiter)
        data = text.encode("utf-8-sig" if encoding == "utf-8-sig" else encoding)
        path.write_bytes(data)
    elif fmt == "parquet":
        frame.write_parquet(path)
    else:
        lines = [
            json.dumps({k: v for k, v in r.items() if v is not None}, ensure_ascii=False)
            for r in frame.to_dicts()
        ]
        path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def write_all(directory: Path, *, fmt: str = "csv") -> Path:
    for source, rows in ROWS.items():
        write_extract(directory, source, rows, fmt=fmt)
    return directory
