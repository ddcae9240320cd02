"""`vik run`, `vik runs` and `vik serve`: the nightly flow, its history and its schedule."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import typer

from vik.cli.output import fail, table, user_errors
from vik.errors import VikError
from vik.logs import configure_logging
from vik.settings import Settings
from vik.store.db import masked_url


def _prefect_home(settings: Settings) -> None:
    # Prefect keeps its own state; by default next to VIK's data, not in ~/.prefect.
    os.environ.setdefault("PREFECT_HOME", str((settings.data_dir / "prefect").resolve()))
    # The ephemeral server gets 20 s to start by default; on a busy server at night an
    # unattended run should wait longer rather than fail.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # A municipality's nightly run does not report to anyone: no telemetry from Prefect.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@contextmanager
def _database(db: str | None) -> Iterator[None]:
    """--db for the flow through the environment, not as a Prefect parameter (which
    Prefect stores, password and all)."""
    previous = os.environ.get("VIK_DATABASE_URL")
    if db:
        os.environ["VIK_DATABASE_URL"] = db
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("VIK_DATABASE_URL", None)
        else:
            os.environ["VIK_DATABASE_URL"] = previous


def _refuse_before_start(settings: Settings, db: str | None) -> None:
    """A database this VIK cannot use stops the night before Prefect starts; as a night
    that did not start, it alerts functioneel beheer."""
    from vik.alerts import Alerter, night_not_started
    from vik.store.db import open_current

    try:
        open_current(db or settings.resolved_database_url()).dispose()
    except VikError as error:
        Alerter.from_settings(settings).send(night_not_started(date.today(), str(error)))
        raise


def execute_run(
    extracts: Path | None,
    db: str | None,
    as_of: date | None,
    accept_shrink: list[str],
    settings: Settings | None = None,
) -> dict:
    """Run the nightly Prefect flow once, on a temporary Prefect server that dies with
    this process (flows/ephemeral.py); no Prefect server needed."""
    settings = settings or Settings()
    configure_logging(settings)
    _refuse_before_start(settings, db)
    _prefect_home(settings)
    from flows.ephemeral import run_scoped_prefect
    from flows.nightly import nightly_flow
    from vik.nightly import StepFailed

    try:
        with _database(db), run_scoped_prefect():
            return nightly_flow(
                extracts_dir=str(extracts) if extracts else None,
                peildatum=as_of,
                accept_shrink=accept_shrink,
            )
    except StepFailed as error:
        raise fail(
            f"De run is mislukt in stap '{error.step}': {error.cause}\n"
            "De resultaten van de laatste geslaagde run blijven staan. Zie `vik runs`."
        ) from None


def print_result(result: dict, settings: Settings, db: str | None) -> None:
    flags = result["flags"]
    typer.echo(f"\nRun {result['run_id']}: {result['status']}")
    typer.echo(
        "Signalen: "
        + ", ".join(f"{k} {v}" for k, v in flags.items() if k != "dossiers")
        + f"; dossiers {flags.get('dossiers', 0)}"
    )
    typer.echo(f"Database met signalen: {masked_url(db or settings.resolved_database_url())}")
    typer.echo(f"Rapport van de run:    {result['report']}")
    typer.echo(
        "Bekijk de signalen met `vik web`, of exporteer ze met `vik export flags --out signalen.csv --doel ...`."
    )


@user_errors
def run(
    extracts: Path = typer.Option(
        None,
        "--extracts",
        help="Map met de extracten van vanavond (standaard <data_dir>/extracts).",
    ),
    db: str = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL."),
    as_of: str = typer.Option(None, "--as-of", help="Peildatum jjjj-mm-dd (standaard vandaag)."),
    accept_shrink: list[str] = typer.Option(
        [],
        "--accept-shrink",
        help="Accepteer een leeg of sterk gekrompen extract van deze bron (of 'all').",
    ),
) -> None:
    """Draai de nachtelijke run één keer: inlezen, koppelen, regels, signalen, rapport, opschonen."""
    settings = Settings()
    peildatum = date.fromisoformat(as_of) if as_of else None
    result = execute_run(extracts, db, peildatum, accept_shrink, settings)
    print_result(result, settings, db)


@user_errors
def runs(
    db: str = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL."),
    limit: int = typer.Option(20, "--limit", help="Hoeveel runs."),
) -> None:
    """De laatste runs: status, peildatum, stap waarin het misging, aantallen, en wie de
    runlock heeft. Een run die 'bezig' staat maar de lock niet meer heeft, is afgebroken."""
    from vik.store.db import open_current, session_scope
    from vik.store.lock import LockState, lock_status
    from vik.store.runs import recent_runs, shown_status

    settings = Settings()
    engine = open_current(db or settings.resolved_database_url())
    lock = lock_status(engine, timedelta(hours=settings.run_lock_max_age_hours))
    held = lock.state is LockState.HELD
    running = lock.holder.run_id if lock.holder else None
    with session_scope(engine) as session:
        rows = [
            (
                r.id,
                shown_status(r, running, held),
                r.peildatum.isoformat(),
                r.started_at.strftime("%Y-%m-%d %H:%M"),
                r.failed_step or "",
                (r.flag_counts or {}).get("open", ""),
                (r.error or "")[:80],
            )
            for r in recent_runs(session, limit)
        ]
    typer.echo(
        table(("run", "status", "peildatum", "gestart (UTC)", "mislukt in", "open", "fout"), rows)
    )
    typer.echo("\n" + lock.describe())
    if lock.state is LockState.HELD and lock.too_old:
        typer.echo("Loopt die run echt niet meer? Geef de lock dan vrij met `vik unlock`.")


def serve(
    extracts: Path = typer.Option(
        None, "--extracts", help="Map waar de extracten elke avond klaarstaan."
    ),
) -> None:
    """Plan de nachtelijke run elke nacht om 02:00 (Europe/Amsterdam) met Prefect.

    Dit proces blijft draaien. Het heeft een Prefect-server nodig: start die met
    `prefect server start` en zet PREFECT_API_URL (bijvoorbeeld http://127.0.0.1:4200/api).
    """
    if not os.environ.get("PREFECT_API_URL"):
        raise fail(
            "vik serve heeft een Prefect-server nodig voor het schema. Start in een ander venster "
            "`prefect server start` en zet dan PREFECT_API_URL=http://127.0.0.1:4200/api. "
            "Eén run zonder server: `vik run`."
        )
    from flows.nightly import serve as serve_flow

    serve_flow(str(extracts) if extracts else None)
