"""`vik db upgrade`: bring the database's schema to this version of VIK.

vik db upgrade --db postgresql://vik@db/vik
"""

from __future__ import annotations

import typer

from vik.cli.output import user_errors
from vik.settings import Settings

db_app = typer.Typer(
    name="db",
    help="De database van VIK: het schema bijwerken.",
    no_args_is_help=True,
)


@db_app.command("upgrade")
@user_errors
def upgrade(
    db: str = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL."),
) -> None:
    """Werk het schema van de database bij tot deze versie van VIK (maakt hem zo nodig aan)."""
    from vik.home import prepare_data_dir
    from vik.store.db import connect, migrate

    settings = Settings()
    url = db or settings.resolved_database_url()
    if not db and not settings.database_url:
        prepare_data_dir(settings.data_dir)  # the SQLite database lives there
    engine = connect(url)
    migrate(engine)
    typer.echo(f"Database bijgewerkt: {engine.url.render_as_string()}")
