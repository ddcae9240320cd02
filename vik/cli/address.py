"""`vik address parse`: see how VIK reads a free-text address, part by part.

vik address parse "Kerkstr. 12-a, 3811 AB Amersfoort" "Plein 1945 1"
vik address parse --json "t/o Kerkstraat 12"
"""

from __future__ import annotations

import json

import typer

from vik.cli.output import table
from vik.resolve.addresses import PARTS, parse_address

address_app = typer.Typer(
    name="address",
    help="Adressen: laat zien hoe VIK een vrij getypt adres leest.",
    no_args_is_help=True,
)


@address_app.command("parse")
def parse(
    texts: list[str] = typer.Argument(
        ..., help="Eén of meer adressen, elk tussen aanhalingstekens."
    ),
    as_json: bool = typer.Option(False, "--json", help="Eén JSON-object per adres, per regel."),
) -> None:
    """Ontleed adressen in straatnaam, huisnummer, huisletter, huisnummertoevoeging, postcode
    en woonplaats. Welke huisletter of toevoeging het werkelijk is, beslist de BAG pas bij het
    koppelen; een tweede lezing (zoals bij 'Plein 1945 1') staat onder 'andere lezing'."""
    parsed = [parse_address(text) for text in texts]
    if as_json:
        for text, result in zip(texts, parsed, strict=True):
            typer.echo(json.dumps({"tekst": text, **result.as_dict()}, ensure_ascii=False))
        return
    for text, result in zip(texts, parsed, strict=True):
        values = result.as_dict()
        rows = [
            (label, "ja" if values[key] is True else values[key])
            for key, label in PARTS.items()
            if values[key] not in (None, False)
        ]
        typer.echo(f"{text}\n" + table(("deel", "waarde"), rows) + "\n")
