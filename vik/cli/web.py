"""`vik web`: serve the review and audit application on localhost.

vik web --port 8000 --db sqlite:///var/vik.db
"""

from __future__ import annotations

import typer

from vik.cli.output import user_errors
from vik.settings import Settings

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@user_errors
def web(
    host: str = typer.Option("127.0.0.1", "--host", help="Adres om op te luisteren."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Poort."),
    db: str = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL."),
) -> None:
    """Start de webapplicatie voor de analist en de compliance officer (stoppen: Ctrl+C)."""
    from vik.home import require_configuration
    from vik.store.db import open_current, session_scope
    from vik.web import create_app, serve
    from vik.web.settings import WebSettings
    from vik.web.users import list_users

    settings = Settings()
    require_configuration(settings.config_dir)
    url = db or settings.resolved_database_url()
    engine = open_current(url)
    with session_scope(engine) as session:
        if not list_users(session):
            typer.secho(
                "Er zijn nog geen gebruikers: maak er een met `vik users add`, of draai "
                "`vik demo run` voor de demo-accounts.",
                fg=typer.colors.YELLOW,
                err=True,
            )
    web_settings = WebSettings()
    if host not in LOCAL_HOSTS and not web_settings.secure_cookies:
        typer.secho(
            f"Let op: {host} is niet alleen deze computer. Zet VIK achter HTTPS en "
            "VIK_WEB_SECURE_COOKIES=true voordat anderen het gebruiken.",
            fg=typer.colors.YELLOW,
            err=True,
        )
    if host not in LOCAL_HOSTS and set(web_settings.allowed_hosts) <= set(LOCAL_HOSTS):
        typer.secho(
            "Let op: alleen localhost is toegestaan als hostnaam; anderen krijgen een "
            "weigering. Zet VIK_WEB_ALLOWED_HOSTS op de naam waaronder VIK bereikbaar is.",
            fg=typer.colors.YELLOW,
            err=True,
        )
    app = create_app(engine=engine, config_dir=settings.config_dir, settings=web_settings)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"VIK web op http://{shown}:{port}{web_settings.root_path}/  "
        f"(database {engine.url.render_as_string()})"
    )
    typer.echo("Stop met Ctrl+C.")
    serve(app, host=host, port=port)
