"""`vik run`, `vik runs` and `vik serve`: the nightly flow, its history and its schedule."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer

from vik.cli.output import console_without_tracebacks, fail, parse_date, table, user_errors
from vik.errors import DataDirError, StepFailed, VikError
from vik.logs import configure_logging
from vik.settings import Settings
from vik.store.db import masked_url


def _prefect_env(settings: Settings) -> None:
    """Prefect's settings for VIK, before Prefect is imported (it reads them at import)."""
    # Prefect keeps its own state; by default next to VIK's data, not in ~/.prefect.
    os.environ.setdefault("PREFECT_HOME", str(settings.data_dir / "prefect"))
    # The ephemeral server gets 20 s to start by default; on a busy server at night an
    # unattended run should wait longer rather than fail.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # A municipality's nightly run does not report to anyone: no telemetry from Prefect.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # `vik run`'s temporary Prefect server writes to the same console; its shutdown noise
    # (tracebacks of events still in flight) is not the operator's business. Set it to
    # DEBUG to see what the server does.
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


def _prepare(settings: Settings, db: str | None) -> None:
    """Refuse at once what would make Prefect or the run fail later (data folder, database
    file, configuration), then set up Prefect's home inside the data folder."""
    from vik.home import prepare_run

    prepare_run(settings, db or settings.resolved_database_url())
    _prefect_env(settings)
    prefect_home = Path(os.environ["PREFECT_HOME"])
    try:
        prefect_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise DataDirError(
            f"Prefect kan zijn map {prefect_home} niet maken ({error.strerror}). Zet "
            "PREFECT_HOME naar een map waarin VIK mag schrijven, of laat hem weg (dan "
            "gebruikt VIK <datamap>/prefect)."
        ) from None


def _cause(error: BaseException) -> str:
    if isinstance(error, VikError):
        return str(error)
    # Prefect's own errors can carry a server's whole output: its first line says enough here.
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first[:300]}"


def failure_message(error: StepFailed) -> str:
    """What `vik run` prints when the run fails: VIK's message, where it is recorded, and
    where the full traceback is (never the traceback itself)."""
    from vik.nightly import START_STEP

    if error.step == START_STEP:
        lines = [f"De run kon niet beginnen: {_cause(error.cause)}"]
    else:
        lines = [
            f"De run is mislukt in stap '{error.step}': {_cause(error.cause)}",
            "De resultaten van de laatste geslaagde run blijven staan.",
        ]
    if error.run_id is not None:
        lines.append(f"Vastgelegd als run {error.run_id}; zie `vik runs`.")
    elif error.fallback_file is not None:
        lines.append(
            f"De database kon deze mislukte run niet vastleggen ({error.database_error}); "
            f"hij staat in {error.fallback_file} (`vik runs` toont hem ook)."
        )
    else:
        lines.append(
            f"Deze mislukte run kon nergens worden vastgelegd: de database niet "
            f"({error.database_error}) en de datamap ook niet. Deze melding is alles wat "
            "ervan overblijft."
        )
    if error.log_file is not None:
        lines.append(f"Volledige foutmelding: {error.log_file}")
    return "\n".join(lines)


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


def execute_run(
    extracts: Path | None,
    db: str | None,
    as_of: date | None,
    accept_shrink: list[str],
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Run the nightly Prefect flow once, on a temporary Prefect server that dies with
    this process (vik/flows/ephemeral.py); no Prefect server needed.

    What the run needs is checked before Prefect starts; a failure prints VIK's message,
    and the traceback stays in the run's log file."""
    settings = settings or Settings()
    from vik.alerts import Alerter, night_not_started
    from vik.nightly import failed_start
    from vik.store.db import open_current

    try:
        _prepare(settings, db)
        # A database this VIK cannot use (behind, ahead, missing) stops it here too.
        open_current(db or settings.resolved_database_url()).dispose()
    except VikError as error:
        Alerter.from_settings(settings).send(night_not_started(as_of or date.today(), str(error)))
        failure = failed_start(
            db or settings.resolved_database_url(),
            settings.data_dir,
            as_of or date.today(),
            extracts or settings.resolved_extracts_dir(),
            error,
        )
        raise fail(failure_message(failure)) from None

    configure_logging(settings)  # the data folder exists and is VIK's: the log file can go there
    from vik.flows.ephemeral import run_scoped_prefect
    from vik.flows.nightly import nightly_flow, take_failure_recorded_by_hook

    console_without_tracebacks()
    try:
        with _database(db), run_scoped_prefect():
            return nightly_flow(
                extracts_dir=str(extracts) if extracts else None,
                peildatum=as_of,
                accept_shrink=accept_shrink,
            )
    except StepFailed as error:
        raise fail(failure_message(error)) from None
    except Exception as error:  # Prefect could not start or run the flow
        failure = take_failure_recorded_by_hook() or failed_start(
            db or settings.resolved_database_url(),
            settings.data_dir,
            as_of or date.today(),
            extracts or settings.resolved_extracts_dir(),
            error,
        )
        raise fail(failure_message(failure)) from None


def print_result(result: dict[str, Any], settings: Settings, db: str | None) -> None:
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
        help="Map met de extracten van vanavond (standaard VIK_EXTRACTS_DIR, of "
        "<datamap>/extracts).",
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
    peildatum = parse_date(as_of)
    settings = Settings()
    folder = extracts.absolute() if extracts else None
    result = execute_run(folder, db, peildatum, accept_shrink, settings)
    print_result(result, settings, db)


@user_errors
def runs(
    db: str = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL."),
    limit: int = typer.Option(20, "--limit", help="Hoeveel runs."),
) -> None:
    """De laatste runs: status, peildatum, stap waarin het misging, aantallen, en wie de
    runlock heeft. Een run die 'bezig' staat maar de lock niet meer heeft, is afgebroken.
    Runs die de database niet kon vastleggen, staan erboven."""
    from vik.runlog import read_unrecorded, unrecorded_path
    from vik.store.db import open_current, session_scope
    from vik.store.lock import LockState, lock_status
    from vik.store.runs import recent_runs, shown_status

    settings = Settings()
    unrecorded = read_unrecorded(settings.data_dir)[:limit]
    if unrecorded:
        typer.echo(
            f"Runs die de database niet kon vastleggen ({unrecorded_path(settings.data_dir)}):"
        )
        typer.echo(
            table(
                ("gestart (UTC)", "peildatum", "mislukt in", "fout", "database"),
                [
                    (u.started_at, u.peildatum, u.step, u.error[:80], u.database_error[:60])
                    for u in unrecorded
                ],
            )
            + "\n"
        )
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


@user_errors
def serve(
    extracts: Path = typer.Option(
        None,
        "--extracts",
        help="Map waar de extracten elke avond klaarstaan (standaard VIK_EXTRACTS_DIR, of "
        "<datamap>/extracts).",
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
    from vik.connectors.pseudonyms import load_key

    settings = Settings()
    # What every night needs is refused now, not at 02:00.
    _prepare(settings, None)
    load_key(settings)
    from vik.flows.nightly import serve as serve_flow

    serve_flow(str(extracts.absolute()) if extracts else None)
