"""`vik unlock`, `vik purge` and `vik bewaking`: keeping the night running.

vik unlock                 # release a run lock whose run no longer runs (asks first)
vik purge                  # delete what is past its bewaartermijn, now
vik bewaking               # for cron in the morning: did the night run? alerts if not
vik bewaking --test        # send a test alert
"""

from __future__ import annotations

import getpass
import logging
from datetime import date, timedelta

import typer

from vik.cli.output import fail, user_errors
from vik.errors import VikError
from vik.settings import Settings

log = logging.getLogger("vik.cli.operations")

DB_OPTION = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL.")


def _who() -> str:
    try:
        return getpass.getuser()
    except OSError:  # pragma: no cover - no user name in the environment
        return "onbekend"


def _confirmed(question: str) -> bool:
    """A Dutch yes (ja, j); anything else, or no answer, is no."""
    answer = typer.prompt(question, default="nee", show_default=True)
    return answer.strip().lower() in ("ja", "j")


def _max_age(settings: Settings) -> timedelta:
    return timedelta(hours=settings.run_lock_max_age_hours)


@user_errors
def unlock(
    db: str = DB_OPTION,
    yes: bool = typer.Option(
        False, "--ja", help="Niet om bevestiging vragen (alleen in scripts die het zeker weten)."
    ),
) -> None:
    """Geef de runlock vrij als de run die hem houdt niet meer loopt.

    Toont eerst wie de lock houdt en sinds wanneer, en vraagt om bevestiging. Runs die
    nog 'bezig' staan worden 'afgebroken'. Op PostgreSQL wordt de databasesessie van de
    houder beëindigd. Vastgelegd in het auditlog."""
    import socket

    from vik.logs import configure_logging
    from vik.store.audit import record
    from vik.store.db import open_current, session_scope
    from vik.store.lock import LockState, lock_status, release_lock
    from vik.store.runs import abort_unfinished_runs

    settings = Settings()
    configure_logging(settings, console=False)
    engine = open_current(db or settings.resolved_database_url())
    status = lock_status(engine, _max_age(settings))
    who = _who()
    if status.state is LockState.FREE:
        aborted = abort_unfinished_runs(engine, "het proces stopte zonder de run af te ronden")
        typer.echo(
            "De runlock is vrij; er is niets vrij te geven."
            + (
                f" Run(s) {', '.join(map(str, aborted))} gemarkeerd als afgebroken."
                if aborted
                else ""
            )
        )
        return
    typer.echo(status.describe())
    holder = status.holder
    if status.state is LockState.HELD and holder and holder.host == socket.gethostname():
        typer.secho(
            f"Let op: proces {holder.pid} op deze machine bestaat nog. Stop het eerst "
            f"(`kill {holder.pid}`); anders lopen er straks twee runs tegelijk.",
            fg=typer.colors.YELLOW,
            err=True,
        )
    if not yes and not _confirmed(
        "Weet u zeker dat die run niet meer loopt? De lock wordt vrijgegeven en de run "
        "als afgebroken gemarkeerd. Typ 'ja' om door te gaan"
    ):
        raise fail("Niets gedaan: de runlock blijft staan.")
    release_lock(engine)
    aborted = abort_unfinished_runs(
        engine, f"afgebroken: runlock vrijgegeven met `vik unlock` door {who}"
    )
    with session_scope(engine) as session:
        record(
            session,
            actor=f"vik unlock ({who})",
            action="runlock_vrijgegeven",
            object_type="run_lock",
            details={
                "houder": holder.holder if holder else None,
                "sinds": holder.acquired_at.isoformat() if holder else None,
                "afgebroken_runs": aborted,
            },
        )
    log.warning(
        "runlock vrijgegeven met vik unlock door %s (houder %s)",
        who,
        holder.holder if holder else "onbekend",
    )
    typer.echo(
        "Runlock vrijgegeven"
        + (f"; run(s) {', '.join(map(str, aborted))} gemarkeerd als afgebroken" if aborted else "")
        + ". De volgende `vik run` kan starten."
    )


@user_errors
def purge(db: str = DB_OPTION) -> None:
    """Verwijder nu wat over zijn bewaartermijn is, ook als de nachtelijke run niet slaagt.

    Signalen met hun bewijs en beoordelingen, de dossiers die daarmee vervallen, en wat
    alleen die signalen diende. Het auditlog telt per regel hoeveel, niet wat. Wacht
    niet op een lopende run: die heeft de runlock, en dan weigert dit."""
    from vik.flags.priority import load_weights
    from vik.logs import configure_logging
    from vik.lookup.settings import load_lookup_settings
    from vik.store.db import open_current, session_scope
    from vik.store.lock import run_lock
    from vik.store.retention import LEFTOVERS, purge_outside_night

    settings = Settings()
    configure_logging(settings, console=False)
    engine = open_current(db or settings.resolved_database_url())
    weights = load_weights(settings.config_dir)
    terms = load_lookup_settings(settings.config_dir).inzage
    today = date.today()
    with (
        run_lock(engine, label="vik purge", max_age=_max_age(settings)),
        session_scope(engine) as session,
    ):
        purged = purge_outside_night(
            session,
            today,
            weights,
            actor=f"vik purge ({_who()})",
            purged_flag_term=terms.bewaartermijn_verwijderd,
            inzage_request_term=terms.bewaartermijn_verzoek,
        )
    log.info("vik purge, peildatum %s: %s", today.isoformat(), purged or "niets verwijderd")
    if not purged:
        typer.echo(f"Niets over zijn bewaartermijn (peildatum {today.isoformat()}).")
        return
    typer.echo(f"Verwijderd (peildatum {today.isoformat()}):")
    for kind, count in purged.items():
        typer.echo(f"- {kind}: {count}" if kind in LEFTOVERS else f"- {kind}: {count} signalen")


def bewaking(
    db: str = DB_OPTION,
    test: bool = typer.Option(False, "--test", help="Stuur alleen een testmelding."),
) -> None:
    """Controleer of de nacht gedraaid heeft; zo niet, meld het aan functioneel beheer.

    Bedoeld voor cron, bijvoorbeeld elke ochtend om 07:00. Meldt een run die niet
    startte (ouder dan VIK_BEWAKING_MAX_HOURS), die afbrak, mislukte of hangt, een
    laatste geslaagde run die te oud is, en een database die niet bereikbaar of niet
    bijgewerkt is. Stopt dan met code 1. Meldingen gaan naar VIK_ALERT_URLS /
    VIK_ALERT_CONFIG."""
    from vik.alerts import Alerter, check_failed, probe_alert
    from vik.logs import configure_logging
    from vik.store.db import open_current
    from vik.store.watch import check_night

    settings = Settings()
    configure_logging(settings, console=False)
    alerter = Alerter.from_settings(settings)
    if test:
        if not alerter.configured:
            raise fail("Er zijn geen meldingen ingesteld: zet VIK_ALERT_URLS of VIK_ALERT_CONFIG.")
        if not alerter.send(probe_alert()):
            raise fail("De testmelding is niet (overal) afgeleverd; zie het logbestand.")
        typer.echo("Testmelding verstuurd.")
        return
    try:
        engine = open_current(db or settings.resolved_database_url())
        findings = check_night(
            engine, timedelta(hours=settings.bewaking_max_hours), _max_age(settings)
        )
    except VikError as error:
        findings = [str(error)]
    if not findings:
        typer.echo("De nacht is goed verlopen.")
        return
    for finding in findings:
        log.warning("bewaking: %s", finding)
    delivered = alerter.send(check_failed(findings))
    note = (
        "Gemeld aan functioneel beheer."
        if delivered
        else "Niet gemeld: er zijn geen meldingen ingesteld (VIK_ALERT_URLS)."
        if not alerter.configured
        else "Melden mislukt; zie het logbestand."
    )
    raise fail("\n".join(f"- {f}" for f in findings) + f"\n{note}")
