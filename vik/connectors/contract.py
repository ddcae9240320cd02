"""The extract contract as Markdown, generated from the schemas (docs/extracts.md).

    python -m vik.connectors.contract docs/extracts.md   # rewrite the generated part

A test keeps docs/extracts.md in step with vik/connectors/schemas.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vik.connectors.schemas import SOURCES, Kind

START, END = "<!-- generated:start -->", "<!-- generated:end -->"

_KIND_TEXT = {
    Kind.TEXT: "text",
    Kind.CODE: "code (lower-cased, spaces → _)",
    Kind.INTEGER: "integer",
    Kind.DECIMAL: "decimal (`82,5` or `82.5`)",
    Kind.DATE: "date",
    Kind.PARTIAL_DATE: "date, partial allowed (`19800000`)",
    Kind.BSN: "BSN (elfproef; pseudonymised at ingest)",
    Kind.POSTCODE: "postcode `1234AB`",
    Kind.KVK_NUMMER: "KvK number, 8 digits",
    Kind.VESTIGINGSNUMMER: "vestigingsnummer, 12 digits",
    Kind.BAG_ID: "BAG id, 16 digits",
    Kind.LIST: "list, `;`-separated",
    Kind.CHOICE: "one of",
}


def render_contract() -> str:
    lines = []
    for schema in SOURCES.values():
        lines += [f"### `{schema.name}`: {schema.title}", ""]
        if schema.natural_key in (None, "record_id"):
            lines += ["Record key: `record_id` if delivered, else a stable row hash."]
        else:
            lines += [
                f"Record key: `record_id` if delivered, else `{schema.natural_key}`, "
                "else a stable row hash."
            ]
        if schema.name == "brp":
            lines += [
                "Without record_id, the hash covers the identity of the address period "
                f"({', '.join(schema.identity_columns)}), so ending a period keeps its key."
            ]
        if schema.address_parts_or_text:
            lines += [
                "Address: the parts (at least straatnaam and huisnummer) or one free-text `adres`."
            ]
        if schema.criminal_data:
            lines += [
                "Holds data about (suspected) offences: rules reading it need an art. 10 AVG basis."
            ]
        if schema.tax_secrecy:
            lines += [
                "Under tax secrecy (art. 67 AWR): rules reading it name the disclosure decision."
            ]
        lines += [
            "",
            "| column | kind | required | may be empty | meaning |",
            "|---|---|---|---|---|",
        ]
        for column in schema.columns:
            kind = _KIND_TEXT[column.kind]
            if column.choices:
                kind += " " + ", ".join(f"`{c}`" for c in column.choices)
            lines.append(
                f"| `{column.name}` | {kind} | {'yes' if column.required else 'no'} | "
                f"{'yes' if column.nullable else 'no'} | {column.description} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def replace_generated(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{render_contract()}{END}{tail}"


if __name__ == "__main__":  # pragma: no cover
    path = Path(sys.argv[1])
    path.write_text(replace_generated(path.read_text(encoding="utf-8")), encoding="utf-8")
