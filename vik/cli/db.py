"""`vik db upgrade` and `vik db status`: the database's schema, migrated on purpose.

vik db status                 # which version the database has, which this VIK needs
vik db upgrade                # create or upgrade it (make a back-up first)

No other command migrates: each refuses a database that is missing, empty, behind
or ahead of this VIK, and says which of these to run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import typer

from vik.cli.output import fail, table, user_errors
from vik.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("vik.cli.db")

db_app = typer.Typer(
    name="db",
    help="De database van VIK: versie tonen en bijwerken (migraties draaien alleen hier).",
    no_args_is_help=True,
)

DB_OPTION = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL.")


@db_app.command("upgrade")
@user_errors
def upgrade(db: str = DB_OPTION) -> None:
    """Maak de database aan of werk hem bij naar de versie van deze VIK.

    Maak eerst een back-up. Bestaande gegevens blijven staan. Starten meerdere
    upgrades tegelijk, dan wachten ze op elkaar (een databaseslot)."""
    from vik.logs import configure_logging
    from vik.store.db import connect, masked_url, migrate

    settings = Settings()
    configure_logging(settings, console=False)
    url = db or settings.resolved_database_url()
    engine = connect(url)
    before, after = migrate(engine)
    _seed_approvals(engine, settings)
    if before == after:
        typer.echo(f"Database {masked_url(url)} is al actueel (versie {after}).")
        return
    log.info("database bijgewerkt van versie %s naar %s", before or "geen", after)
    typer.echo(
        f"Database {masked_url(url)} bijgewerkt van versie {before or 'geen (nieuw)'} naar {after}."
    )


def _seed_approvals(engine: Engine, settings: Settings) -> None:
    """A fresh database gets the shipped rules' approvals (config/approvals.yaml) once."""
    from vik.store.approvals import seed_in

    added = seed_in(engine, settings.config_dir, actor="vik db upgrade")
    if added:
        typer.echo(f"{added} meegeleverde goedkeuring(en) van regels ingelezen (approvals.yaml).")


@db_app.command("status")
@user_errors
def status(db: str = DB_OPTION) -> None:
    """Toon welke versie de database heeft en welke deze VIK nodig heeft.

    Stopt met code 1 als de database eerst bijgewerkt moet worden (of nieuwer is)."""
    from vik.store.db import (
        SchemaState,
        connect,
        masked_url,
        pending_migrations,
        schema_message,
        schema_version,
    )

    url = db or Settings().resolved_database_url()
    engine = connect(url)
    version = schema_version(engine)
    typer.echo(
        table(
            ("database", "databaseversie", "versie van deze VIK", "toestand"),
            [(masked_url(url), version.database or "geen", version.code, version.state)],
        )
    )
    pending = pending_migrations(version)
    if pending:
        typer.echo("\nNog uit te voeren door `vik db upgrade`:")
        for revision, doc in pending:
            typer.echo(f"- {revision}: {doc.splitlines()[0] if doc else ''}")
    if version.state is not SchemaState.CURRENT:
        raise fail("\n" + schema_message(engine, version))
