"""`vik ingest`: read the extracts, validate, pseudonymise, and show what happened per source."""

from __future__ import annotations

from pathlib import Path

import typer

from vik.cli.output import table, user_errors
from vik.connectors.config import load_sources_config
from vik.connectors.ingest import Extracts, ingest_extracts, write_quarantine
from vik.connectors.pseudonyms import load_key
from vik.settings import Settings


def render_summary(extracts: Extracts) -> str:
    rows = []
    for summary in extracts.summaries().values():
        rows.append(
            (
                summary.source,
                summary.status,
                summary.file or "",
                summary.rows_read,
                summary.rows_accepted,
                summary.rows_quarantined,
            )
        )
    lines = [
        table(("bron", "status", "bestand", "aangeleverd", "geaccepteerd", "quarantaine"), rows)
    ]
    for summary in extracts.summaries().values():
        if summary.error:
            lines.append(f"\n{summary.source} gestopt: {summary.error}")
        if summary.reasons:
            lines.append(f"\n{summary.source}: redenen van quarantaine")
            lines.extend(f"  {count:>6}  {reason}" for reason, count in summary.reasons.items())
        if summary.ignored_columns:
            lines.append(
                f"\n{summary.source}: kolommen buiten het contract genegeerd (niet ingelezen): "
                + ", ".join(summary.ignored_columns)
            )
    return "\n".join(lines)


@user_errors
def ingest(
    extracts: Path = typer.Option(
        ..., "--extracts", help="Map met de extracten (<bron>.csv|.parquet|.jsonl)."
    ),
    quarantine_dir: Path = typer.Option(
        None,
        "--quarantine",
        help="Map voor quarantainebestanden (standaard: <data_dir>/ingest/quarantaine).",
    ),
    accept_shrink: list[str] = typer.Option(
        [],
        "--accept-shrink",
        help="Accepteer een leeg of sterk gekrompen extract van deze bron (of 'all').",
    ),
) -> None:
    """Lees de extracten in en toon per bron wat er gelezen, geaccepteerd en in quarantaine gezet is.

    Dit raakt de database niet; het is de controle van een levering. De nachtelijke run
    (`vik run`) doet hetzelfde als eerste stap.
    """
    settings = Settings()
    key = load_key(settings)
    config = load_sources_config(settings.config_dir if settings.config_dir.exists() else None)
    result = ingest_extracts(extracts, key, config, accept_shrink=accept_shrink)
    target = quarantine_dir or settings.data_dir / "ingest" / "quarantaine"
    written = write_quarantine(result, target)
    typer.echo(render_summary(result))
    if written:
        typer.echo(f"\nQuarantainebestanden: {target}")
    if result.errors():
        raise typer.Exit(1)
