"""The `vik` command line. Each sub-command group lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="vik",
    help="VIK: veiligheidsinformatieknooppunt. Neemt de extracten van de gemeente in, "
    "koppelt ze aan adressen, personen en bedrijven, past openbare regels met doelbinding "
    "toe en legt signalen voor aan de analist.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    from vik.files import restrict_umask

    # Whatever this process writes (the database and its WAL, reports, quarantine,
    # logs, exports, Prefect's own files) is readable by VIK's user only.
    restrict_umask()
    app()


def _register() -> None:
    from vik.cli.address import address_app
    from vik.cli.db import db_app
    from vik.cli.demo import demo_app
    from vik.cli.export import export_app
    from vik.cli.ingest import ingest
    from vik.cli.init import init
    from vik.cli.lookup import lookup_app
    from vik.cli.operations import bewaking, purge, unlock
    from vik.cli.rules import rules_app
    from vik.cli.run import run, runs, serve
    from vik.cli.users import users_app
    from vik.cli.web import web

    app.command("init")(init)
    app.command("ingest")(ingest)
    app.command("run")(run)
    app.command("runs")(runs)
    app.command("serve")(serve)
    app.command("unlock")(unlock)
    app.command("purge")(purge)
    app.command("bewaking")(bewaking)
    app.add_typer(db_app, name="db")
    app.command("web")(web)
    app.add_typer(rules_app, name="rules")
    app.add_typer(export_app, name="export")
    app.add_typer(demo_app, name="demo")
    app.add_typer(users_app, name="users")
    app.add_typer(address_app, name="address")
    app.add_typer(lookup_app, name="zoek")


_register()
