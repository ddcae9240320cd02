"""docs/extracts.md is generated from the schemas and must not drift from them."""

from __future__ import annotations

from pathlib import Path

from vik.connectors.contract import replace_generated
from vik.connectors.schemas import SOURCES

DOC = Path(__file__).resolve().parents[2] / "docs" / "extracts.md"


def test_extract_contract_document_is_current():
    text = DOC.read_text(encoding="utf-8")
    assert text == replace_generated(text), (
        "run: python -m vik.connectors.contract docs/extracts.md"
    )


def test_every_source_and_column_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for schema in SOURCES.values():
        assert f"### `{schema.name}`" in text
        for column in schema.columns:
            assert f"| `{column.name}` |" in text
