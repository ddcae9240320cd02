"""Ingest of every source in every format, encoding and delimiter, with quarantine and guards."""

from __future__ import annotations

import polars as pl
import pytest

from tests.extracts import BSN_A, BSN_B, ROWS, write_all, write_extract
from vik.connectors.config import SourceConfig, sources_config_from_dict
from vik.connectors.guards import Baseline
from vik.connectors.ingest import ingest_extracts, ingest_source, write_quarantine
from vik.connectors.schemas import SOURCES


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("source", list(SOURCES))
def test_every_source_reads_in_every_format(tmp_path, key, source, fmt):
    write_extract(tmp_path, source, ROWS[source], fmt=fmt)
    result = ingest_source(source, tmp_path, SourceConfig(), key)
    assert result.summary.status == "ok", result.summary.error
    assert result.summary.rows_read == len(ROWS[source])
    assert result.summary.rows_accepted == len(ROWS[source])
    assert result.quarantine.height == 0
    schema = SOURCES[source]
    assert result.frame.columns == [*schema.stored_columns, "record_key", "row_number"]
    assert result.frame["record_key"].null_count() == 0


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encoding_and_delimiter_are_detected(tmp_path, key, delimiter, encoding):
    rows = [
        {**ROWS["brp"][1], "geslachtsnaam": "Brontë", "voornamen": "Zoë René"},
    ]
    write_extract(tmp_path, "brp", rows, encoding=encoding, delimiter=delimiter)
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.delimiter == delimiter
    assert result.summary.encoding == encoding
    assert result.frame["geslachtsnaam"].to_list() == ["Brontë"]
    assert result.frame["voornamen"].to_list() == ["Zoë René"]


def test_utf8_with_characters_outside_windows_1252_survives(tmp_path, key):
    write_extract(tmp_path, "brp", ROWS["brp"], delimiter=";")
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.encoding == "utf-8"
    assert result.frame["voornamen"].to_list()[0] == "Ayşe"
    assert result.frame["geslachtsnaam"].to_list()[0] == "Öztürk"


def test_values_are_normalised(tmp_path, key):
    write_extract(tmp_path, "brp", ROWS["brp"])
    frame = ingest_source("brp", tmp_path, SourceConfig(), key).frame
    assert frame["postcode"].to_list() == ["3811AB", "3811AB"]
    assert frame["datum_aanvang_adreshouding"].to_list() == ["2015-03-01", "2010-01-01"]
    assert frame["huisnummer"].dtype == pl.Int64


def test_partial_brp_dates_are_kept_as_partial(tmp_path, key):
    rows = [
        {**ROWS["brp"][0], "record_id": "a", "geboortedatum": "19800000"},
        {**ROWS["brp"][0], "record_id": "b", "geboortedatum": "19800300"},
        {**ROWS["brp"][0], "record_id": "c", "geboortedatum": "00000000"},
        {**ROWS["brp"][0], "record_id": "d", "geboortedatum": "19801300"},
        {**ROWS["brp"][0], "record_id": "e", "geboortedatum": "19800015"},
    ]
    write_extract(tmp_path, "brp", rows)
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.frame["geboortedatum"].to_list() == ["1980-00-00", "1980-03-00", "0000-00-00"]
    assert sorted(result.quarantine["sleutel"].to_list()) == ["d", "e"]
    assert all("onmogelijke datum" in r for r in result.quarantine["redenen"].to_list())


def test_partial_dates_are_refused_where_the_contract_wants_a_full_date(tmp_path, key):
    rows = [{**ROWS["vergunningen"][0], "datum_aanvraag": "20261000"}]
    write_extract(tmp_path, "vergunningen", rows)
    result = ingest_source("vergunningen", tmp_path, SourceConfig(), key)
    assert result.frame.height == 0
    assert "onvolledige datum" in result.quarantine["redenen"][0]


def test_bad_rows_go_to_quarantine_with_row_column_and_reason(tmp_path, key):
    good = ROWS["brp"][0]
    rows = [
        good,
        {**good, "record_id": "x1", "bsn": "123456789"},  # fails the elfproef
        {**good, "record_id": "x2", "postcode": "12345"},
        {**good, "record_id": "x3", "geboortedatum": "2021-02-30"},
        {**good, "record_id": "x4", "huisnummer": "twaalf"},
        {**good, "record_id": "x5", "functie_adres": "Q"},
    ]
    write_extract(tmp_path, "brp", rows)
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    summary = result.summary
    assert summary.rows_read == 6
    assert summary.rows_accepted == 1
    assert summary.rows_quarantined == 5
    q = result.quarantine.sort("rij")
    assert q["rij"].to_list() == [3, 4, 5, 6, 7]  # the file's own line numbers
    assert q["kolommen"].to_list() == [
        "bsn",
        "postcode",
        "geboortedatum",
        "huisnummer",
        "functie_adres",
    ]
    reasons = q["redenen"].to_list()
    assert "elfproef" in reasons[0]
    assert "'12345' heeft niet de vorm 1234AB" in reasons[1]
    assert "'2021-02-30' is een onmogelijke datum" in reasons[2]
    assert "'twaalf' is geen geheel getal" in reasons[3]
    assert "W of B" in reasons[4]
    assert summary.reasons["postcode: … heeft niet de vorm 1234AB"] == 1


def test_quarantine_never_holds_a_bsn(tmp_path, key):
    good = ROWS["brp"][0]
    rows = [
        {**good, "postcode": "bad"},
        {**good, "record_id": "y", "bsn": "123456789"},
    ]
    path = write_extract(tmp_path, "brp", rows)
    with path.open("a") as f:  # a broken row carrying a BSN in raw text
        f.write(f"z,{BSN_B},Jansen,extra,field,count,is,wrong\n")
    extracts = ingest_extracts(tmp_path, key, sources=["brp"])
    assert extracts["brp"].summary.rows_quarantined == 3
    written = write_quarantine(extracts, tmp_path / "q")
    text = written["brp"].read_text()
    for bsn in (BSN_A, BSN_B, "123456789"):
        assert bsn not in text
    assert "[verwijderd]" in text


def test_kvk_numbers_must_have_eight_digits(tmp_path, key):
    rows = [{**ROWS["kvk"][0], "kvk_nummer": "1234567"}]
    write_extract(tmp_path, "kvk", rows)
    result = ingest_source("kvk", tmp_path, SourceConfig(), key)
    assert result.frame.height == 0
    assert "'1234567' is geen KvK-nummer (8 cijfers)" in result.quarantine["redenen"][0]


def test_rows_with_the_wrong_number_of_fields_are_quarantined_not_dropped(tmp_path, key):
    path = write_extract(tmp_path, "meldingen", ROWS["meldingen"])
    with path.open("a") as f:
        f.write("M-2,boa,2026-11-02\n")  # too few fields
        f.write('M-3,boa,2026-11-03,overlast,,,,,,,"Dorpsstraat 1",extra\n')
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert result.summary.rows_read == 3
    assert result.summary.rows_accepted == 1
    assert result.quarantine.height == 2
    assert set(result.quarantine["rij"].to_list()) == {3, 4}


def test_broken_json_lines_are_quarantined(tmp_path, key):
    path = write_extract(tmp_path, "meldingen", ROWS["meldingen"], fmt="jsonl")
    with path.open("a") as f:
        f.write('{"melding_id": "M-2", "bron": \n')
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert result.summary.rows_accepted == 1
    assert "geen geldige JSON" in result.quarantine["redenen"][0]


def test_duplicate_keys(tmp_path, key):
    row = ROWS["meldingen"][0]
    rows = [row, row, {**row, "melding_id": "M-2"}, {**row, "melding_id": "M-2", "bron": "boa"}]
    write_extract(tmp_path, "meldingen", rows)
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert result.frame["record_key"].to_list() == ["M-1"]
    reasons = dict(zip(result.quarantine["rij"], result.quarantine["redenen"], strict=True))
    assert reasons[3] == "dubbele rij: gelijk aan rij 2"
    assert "komt 2 keer voor met verschillende inhoud" in reasons[4]
    assert "komt 2 keer voor" in reasons[5]


def test_record_key_falls_back_to_natural_key_then_stable_hash(tmp_path, key):
    brp = [{k: v for k, v in r.items() if k != "record_id"} for r in ROWS["brp"]]
    write_extract(tmp_path / "one", "brp", brp)
    write_extract(tmp_path / "two", "brp", list(reversed(brp)))
    first = ingest_source("brp", tmp_path / "one", SourceConfig(), key).frame
    second = ingest_source("brp", tmp_path / "two", SourceConfig(), key).frame
    keys = dict(zip(first["geslachtsnaam"], first["record_key"], strict=True))
    assert keys == dict(zip(second["geslachtsnaam"], second["record_key"], strict=True))
    assert all(k.startswith("h") and len(k) == 21 for k in keys.values())

    write_extract(tmp_path / "three", "handhaving", ROWS["handhaving"])
    hh = ingest_source("handhaving", tmp_path / "three", SourceConfig(), key).frame
    assert hh["record_key"].to_list() == ["H-1"]


def test_brp_hash_key_survives_the_end_of_the_address_period(tmp_path, key):
    row = {k: v for k, v in ROWS["brp"][0].items() if k != "record_id"}
    write_extract(tmp_path / "before", "brp", [row])
    write_extract(tmp_path / "after", "brp", [{**row, "datum_einde_adreshouding": "2026-01-01"}])
    before = ingest_source("brp", tmp_path / "before", SourceConfig(), key).frame
    after = ingest_source("brp", tmp_path / "after", SourceConfig(), key).frame
    assert before["record_key"].to_list() == after["record_key"].to_list()


def test_bsn_is_replaced_by_a_stable_keyed_pseudonym(tmp_path, key):
    write_extract(tmp_path, "brp", ROWS["brp"])
    frame = ingest_source("brp", tmp_path, SourceConfig(), key).frame
    assert "bsn" not in frame.columns
    pseudonyms = frame["bsn_pseudoniem"].to_list()
    assert BSN_A not in pseudonyms and len(set(pseudonyms)) == 2
    again = ingest_source("brp", tmp_path, SourceConfig(), key).frame
    assert again["bsn_pseudoniem"].to_list() == pseudonyms
    from vik.connectors.pseudonyms import PseudonymKey

    other = ingest_source("brp", tmp_path, SourceConfig(), PseudonymKey(b"another" * 6)).frame
    assert other["bsn_pseudoniem"].to_list() != pseudonyms
    assert not any(BSN_A in str(v) for v in frame.row(0))


def test_bsn_in_process_sources_is_pseudonymised_the_same_way(tmp_path, key):
    write_all(tmp_path)
    extracts = ingest_extracts(tmp_path, key)
    brp = extracts["brp"].frame
    hh = extracts["handhaving"].frame
    assert hh["betrokkene_bsn_pseudoniem"][0] == brp["bsn_pseudoniem"][0]


def test_vendor_column_names_and_values_are_mapped_by_config(tmp_path, key):
    frame_rows = [
        {
            "MELDNR": "M-9",
            "KANAAL": "Meld Misdaad Anoniem",
            "DATUM": "01-11-2026",
            "SOORT": "drugs",
            "ADRES": "Kerkstraat 12a",
            "NATIONALITEIT": "zou nooit mee mogen",
        }
    ]
    (tmp_path / "export.txt").write_text(
        ";".join(frame_rows[0]) + "\n" + ";".join(frame_rows[0].values()) + "\n",
        encoding="cp1252",
    )
    config = sources_config_from_dict(
        {
            "meldingen": {
                "file": "export.txt",
                "columns": {
                    "melding_id": "MELDNR",
                    "bron": "KANAAL",
                    "datum": "DATUM",
                    "categorie": "SOORT",
                    "adres": "ADRES",
                },
                "values": {"bron": {"Meld Misdaad Anoniem": "mma"}},
            }
        }
    )
    result = ingest_extracts(tmp_path, key, config, sources=["meldingen"])["meldingen"]
    assert result.summary.status == "ok", result.summary.error
    assert result.frame.select("melding_id", "bron", "datum").row(0) == ("M-9", "mma", "2026-11-01")
    assert "NATIONALITEIT" in result.summary.ignored_columns
    assert "NATIONALITEIT" not in result.frame.columns


def test_missing_required_column_names_file_column_and_config_key(tmp_path, key):
    rows = [{k: v for k, v in r.items() if k != "geboortedatum"} for r in ROWS["brp"]]
    write_extract(tmp_path, "brp", rows)
    frame = pl.read_csv(tmp_path / "brp.csv", infer_schema=False).drop("geboortedatum")
    frame.write_csv(tmp_path / "brp.csv")
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    message = result.summary.error
    assert "brp.csv" in message
    assert "'geboortedatum'" in message
    assert "sources.yaml → brp.columns.geboortedatum" in message


def test_process_source_needs_address_parts_or_free_text(tmp_path, key):
    write_extract(tmp_path, "meldingen", ROWS["meldingen"])
    frame = pl.read_csv(tmp_path / "meldingen.csv", infer_schema=False).drop("adres")
    frame = frame.drop("straatnaam", "huisnummer")
    frame.write_csv(tmp_path / "meldingen.csv")
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    assert "'adres'" in result.summary.error


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "brp.parquet",
            b"bsn,geslachtsnaam\n1,2\n",
            "geen Parquet-bestand: het lijkt een tekstbestand",
        ),
        ("brp.csv", b"PK\x03\x04\x14\x00binary", "geen CSV-bestand: het lijkt een ZIP- of Excel"),
        ("brp.jsonl", b"bsn;naam\n1;2\n", "geen JSON Lines-bestand"),
        ("brp.csv", b'{"bsn": "1"}\n', "het lijkt een JSON-bestand"),
        ("brp.parquet", b"PAR1 not really PAR1", "beschadigd Parquet-bestand"),
    ],
)
def test_file_that_is_not_what_its_extension_says(tmp_path, key, name, content, expected):
    (tmp_path / name).write_bytes(content)
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    assert expected in result.summary.error
    assert name in result.summary.error


def test_missing_file_says_what_to_do(tmp_path, key):
    result = ingest_source("kvk", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    assert "kvk.csv, kvk.parquet, kvk.jsonl" in result.summary.error
    assert "kvk.enabled" in result.summary.error


def test_disabled_source_yields_an_empty_typed_frame(tmp_path, key):
    result = ingest_source("meldingen", tmp_path, SourceConfig(enabled=False), key)
    assert result.summary.status == "uitgeschakeld"
    assert result.frame.height == 0
    assert "bron" in result.frame.columns


def test_empty_extract_is_refused_unless_accepted(tmp_path, key):
    write_extract(tmp_path, "meldingen", [])
    refused = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert refused.summary.status == "gestopt"
    assert "leeg" in refused.summary.error
    assert "--accept-shrink meldingen" in refused.summary.error
    accepted = ingest_source("meldingen", tmp_path, SourceConfig(), key, accept_shrink=True)
    assert accepted.summary.status == "ok"
    assert accepted.frame.height == 0


def test_sharp_shrink_against_previous_run_is_refused(tmp_path, key):
    write_extract(tmp_path, "brp", ROWS["brp"])
    refused = ingest_source("brp", tmp_path, SourceConfig(), key, baseline=Baseline(10))
    assert refused.summary.status == "gestopt"
    assert "2 rijen geaccepteerd (0 in quarantaine), tegen 10" in refused.summary.error
    fine = ingest_source("brp", tmp_path, SourceConfig(), key, baseline=Baseline(3))
    assert fine.summary.status == "ok"
    accepted = ingest_source(
        "brp", tmp_path, SourceConfig(), key, baseline=Baseline(10), accept_shrink=True
    )
    assert accepted.summary.status == "ok"


def test_run_stops_when_any_source_is_stopped(tmp_path, key):
    write_all(tmp_path)
    (tmp_path / "kvk.csv").unlink()
    extracts = ingest_extracts(tmp_path, key)
    assert set(extracts.errors()) == {"kvk"}
    with pytest.raises(Exception, match="kvk"):
        extracts.raise_for_errors()
