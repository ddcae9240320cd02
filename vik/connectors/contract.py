"""The extract contract as Markdown, generated from the schemas (docs/extracts.md).

    python -m vik.connectors.contract docs/extracts.md   # rewrite the generated part

A test keeps docs/extracts.md in step with vik/connectors/schemas.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vik.connectors.model import ENTITIES, MAX_YEAR, MIN_YEAR, Column, Kind
from vik.connectors.schemas import SOURCES

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


def _number(value: float) -> str:
    if value != int(value):
        return f"{value:g}"
    return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))


def _allowed(column: Column) -> str:
    """The range of a number column, as the docs state it."""
    if column.kind in (Kind.DATE, Kind.PARTIAL_DATE):
        return f"years {MIN_YEAR} to {MAX_YEAR}"
    lo, hi = column.minimum, column.maximum
    finite = ", finite" if column.kind is Kind.DECIMAL else ""
    if lo is not None and hi is not None:
        return f"{_number(lo)} to {_number(hi)}{finite}"
    if lo is not None:
        return f"at least {_number(lo)}{finite}"
    if hi is not None:
        return f"at most {_number(hi)}{finite}"
    return finite.removeprefix(", ")


def _category(column: Column) -> str:
    """The data category; a forbidden one (profiling ban, docs/rules.md) says so."""
    if column.category is None:
        return ""
    return f"{column.category} (forbidden)" if column.forbidden else str(column.category)


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
        links = ", ".join(
            f"{e} (`{ENTITIES[e].key}`)" for e in schema.links if e is not schema.register_of
        )
        if schema.register_of is not None:
            lines += [f"The register of `{schema.register_of}`: its records define them."]
        if links:
            lines += [f"Records are linked to: {links}."]
        if schema.subject is not None:
            named = ", ".join(
                f"{role} `{column}`"
                for role, column in (
                    ("name", schema.subject.naam),
                    ("BSN", schema.subject.bsn),
                    ("date of birth", schema.subject.geboortedatum),
                    ("KvK number", schema.subject.kvk),
                )
                if column
            )
            lines += [f"Who a record is about: {named}."]
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
            "| column | kind | category | required | may be empty | allowed | meaning |",
            "|---|---|---|---|---|---|---|",
        ]
        for column in schema.columns:
            kind = _KIND_TEXT[column.kind]
            if column.choices:
                kind += " " + ", ".join(f"`{c}`" for c in column.choices)
            lines.append(
                f"| `{column.name}` | {kind} | {_category(column)} | "
                f"{'yes' if column.required else 'no'} | "
                f"{'yes' if column.nullable else 'no'} | {_allowed(column)} | "
                f"{column.description} |"
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
