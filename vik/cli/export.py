"""`vik export`: links and flags as CSV, from extracts directly or from the last good run."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import typer

from vik.cli.output import parse_date, user_errors
from vik.errors import LookupRefusedError
from vik.files import write_private_csv
from vik.settings import Settings

if TYPE_CHECKING:
    from vik.connectors.ingest import Extracts
    from vik.resolve import Resolved
    from vik.rules import LoadedRule

export_app = typer.Typer(
    help="Koppelingen en signalen exporteren als CSV; regels en hun uitkomsten publiceren.",
    no_args_is_help=True,
)

DOEL = typer.Option(
    ...,
    "--doel",
    help="Waarvoor u exporteert (verplicht, minstens 10 tekens); komt met uw naam in het "
    "toegangslog.",
)
GEBRUIKER = typer.Option(
    None,
    "--gebruiker",
    help="VIK-account namens wie u exporteert (standaard: uw systeemgebruiker).",
)


def record_export(
    db: str | None,
    settings: Settings,
    *,
    action: str,
    purpose: str,
    gebruiker: str | None,
    details: dict[str, Any],
) -> None:
    """An export of personal data leaves an audit entry with user and purpose."""
    from vik.cli.lookup import operating_system_user
    from vik.store.audit import record
    from vik.store.db import open_current, session_scope
    from vik.web.users import get_user

    engine = open_current(db or settings.resolved_database_url())
    with session_scope(engine) as session:
        name = gebruiker or operating_system_user()
        account = get_user(session, name)
        if gebruiker and account is None:
            raise LookupRefusedError(f"'{gebruiker}' is geen VIK-account (zie `vik users list`).")
        record(
            session,
            actor=account.username if account else name,
            action=action,
            object_type="export",
            purpose=purpose,
            details={**details, "kanaal": "cli"},
        )


def check_purpose(doel: str) -> str:
    """The stated purpose of an export: at least ten characters of real words (the same
    test as a purpose typed in the web application)."""
    from vik.errors import ReviewError
    from vik.web.inputs import check_purpose as check_words

    text = " ".join((doel or "").split())
    example = "--doel 'controle koppelingen na nieuwe levering BRP'"
    if len(text) < 10:
        raise LookupRefusedError(
            f"Geef met --doel waarvoor u exporteert (minstens 10 tekens), bijvoorbeeld "
            f"{example}. Het doel komt in het toegangslog."
        )
    try:
        check_words(text)
    except ReviewError:
        raise LookupRefusedError(
            f"Beschrijf met --doel in woorden waarvoor u exporteert, bijvoorbeeld {example}. "
            "Het doel komt in het toegangslog."
        ) from None
    return text


LINK_COLUMNS = [
    "source",
    "record_id",
    "entity_type",
    "entity_id",
    "confidence",
    "method",
    "status",
    "reason",
]
FLAG_COLUMNS = ["rule_id", "entity_type", "entity_key", "department", "evidence", "explanation"]


def _from_extracts(extracts: Path, settings: Settings) -> tuple[Extracts, Resolved]:
    from vik.connectors.pseudonyms import load_key
    from vik.pipeline import ingest_and_resolve

    return ingest_and_resolve(extracts, settings.config_dir, load_key(settings))


def links_frame(extracts: Path | None, db: str | None, settings: Settings) -> pl.DataFrame:
    if extracts is not None:
        _, resolved = _from_extracts(extracts, settings)
        links = resolved.links
    else:
        from vik.store.db import open_current, session_scope
        from vik.store.links import load_links
        from vik.store.runs import require_last_good_run

        engine = open_current(db or settings.resolved_database_url())
        with session_scope(engine) as session:
            require_last_good_run(session)
            links = load_links(session)
    return (
        links.rename({"record_key": "record_id"})
        .select(LINK_COLUMNS)
        .sort("source", "record_id", "entity_type")
    )


def flags_frame(
    extracts: Path | None, db: str | None, as_of: date | None, settings: Settings
) -> pl.DataFrame:
    if extracts is not None:
        from vik.rules import evaluate_rules, load_context, load_rules

        _, resolved = _from_extracts(extracts, settings)
        from vik.store.approvals import approvals_from_database

        context = load_context(settings.config_dir)
        context.approvals = approvals_from_database(
            db or settings.resolved_database_url(), settings.config_dir, actor="vik export"
        )
        rules = load_rules(settings.config_dir / "rules", context)
        hits = evaluate_rules(rules, resolved.frames, as_of or date.today(), context).hits()
    else:
        from vik.store.db import open_current, session_scope
        from vik.store.queries import open_flags_with_evidence
        from vik.store.runs import require_last_good_run

        engine = open_current(db or settings.resolved_database_url())
        with session_scope(engine) as session:
            require_last_good_run(session)
            hits = open_flags_with_evidence(session)
    evidence = hits["evidence"].list.eval(
        pl.element().struct.field("source") + ":" + pl.element().struct.field("record_key")
    )
    return (
        hits.with_columns(evidence.list.sort().list.join(";").alias("evidence"))
        .with_columns(pl.col("department").fill_null(""))
        .select(FLAG_COLUMNS)
        .sort("rule_id", "entity_type", "entity_key", "department")
    )


@export_app.command("links")
@user_errors
def links(
    out: Path = typer.Option(..., "--out", help="CSV-bestand om te schrijven."),
    extracts: Path = typer.Option(
        None,
        "--extracts",
        help="Koppel de extracten in deze map (zonder: de laatste geslaagde run).",
    ),
    db: str = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL."),
    doel: str = DOEL,
    gebruiker: str = GEBRUIKER,
) -> None:
    """Per bronrecord en soort entiteit: het BAG-adres, de persoon of het bedrijf, met zekerheid en methode.

    Niet gekoppelde records staan erin met een lege entity_id en de reden.
    """
    purpose = check_purpose(doel)
    settings = Settings()
    frame = links_frame(extracts, db, settings)
    record_export(
        db,
        settings,
        action="export_koppelingen",
        purpose=purpose,
        gebruiker=gebruiker,
        details={"rijen": frame.height, "bron": "extracten" if extracts else "laatste run"},
    )
    write_private_csv(frame, out)
    typer.echo(f"{frame.height} koppelingen geschreven naar {out}")


@export_app.command("flags")
@user_errors
def flags(
    out: Path = typer.Option(..., "--out", help="CSV-bestand om te schrijven."),
    extracts: Path = typer.Option(
        None,
        "--extracts",
        help="Draai de actieve regels op deze extracten (zonder: de laatste geslaagde run).",
    ),
    db: str = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL."),
    as_of: str = typer.Option(
        None, "--as-of", help="Peildatum jjjj-mm-dd bij --extracts (standaard vandaag)."
    ),
    doel: str = DOEL,
    gebruiker: str = GEBRUIKER,
) -> None:
    """Eén rij per signaal: regel, entiteit, bewijs (bron:record_id;...) en uitleg."""
    purpose = check_purpose(doel)
    peildatum = parse_date(as_of)
    settings = Settings()
    frame = flags_frame(extracts, db, peildatum, settings)
    record_export(
        db,
        settings,
        action="export_signalen",
        purpose=purpose,
        gebruiker=gebruiker,
        details={"rijen": frame.height, "bron": "extracten" if extracts else "laatste run"},
    )
    write_private_csv(frame, out)
    typer.echo(f"{frame.height} signalen geschreven naar {out}")


@export_app.command("algoritmeregister")
@user_errors
def algoritmeregister(
    out: Path = typer.Option(..., "--out", help="Map voor de JSON-documenten (één per regel)."),
    organisation: str = typer.Option(
        None,
        "--organisatie",
        help="Naam van de organisatie (standaard VIK_WEB_ORGANISATION).",
    ),
    contact: str = typer.Option(
        None,
        "--contact",
        help="E-mailadres of website voor vragen (standaard VIK_WEB_REGISTER_CONTACT).",
    ),
    db: str = typer.Option(
        None, "--db", help="Database-URL voor het uitkomstenregister; gaat voor VIK_DATABASE_URL."
    ),
) -> None:
    """Elke geldige regel als document voor het Algoritmeregister (publicatiestandaard 1.0.0),
    en ernaast het openbare uitkomstenregister (uitkomstenregister.json en .csv): per regel
    wat de signalen opleverden en de precisie, zonder persoonsgegevens."""
    from vik.rules import load_context, load_rules
    from vik.store.approvals import approvals_from_database
    from vik.web.algoritmeregister import register_documents, write_documents
    from vik.web.settings import WebSettings

    settings = Settings()
    web_settings = WebSettings()
    context = load_context(settings.config_dir)
    rules = load_rules(settings.config_dir / "rules", context)
    documents = register_documents(
        rules.valid,
        context.departments or {},
        organisation=organisation or web_settings.organisation,
        contact=contact or web_settings.register_contact,
        governance=context.governance,
        approvals=approvals_from_database(
            db or settings.resolved_database_url(),
            settings.config_dir,
            actor="vik export algoritmeregister",
        ),
    )
    paths = write_documents(documents, out)
    typer.echo(f"{len(paths)} regels geschreven naar {out} (Algoritmeregister 1.0.0, JSON).")
    _write_outcome_register(
        out, rules.valid, db, settings, organisation or web_settings.organisation
    )
    for path, message in sorted(rules.invalid.items()):
        typer.secho(
            f"Overgeslagen, ongeldig regelbestand {path.name}: {message}",
            fg=typer.colors.YELLOW,
            err=True,
        )


def _write_outcome_register(
    out: Path,
    rules: list[LoadedRule],
    db: str | None,
    settings: Settings,
    organisation: str,
) -> None:
    from sqlalchemy.engine import make_url

    from vik.followup import load_followup
    from vik.store.db import normalise_url, open_current, session_scope
    from vik.web.outcome_register import outcome_register, register_csv, register_json

    followup = load_followup(settings.config_dir)
    url = normalise_url(db or settings.resolved_database_url())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        typer.echo(
            f"Geen database ({parsed.database}): het uitkomstenregister is overgeslagen; geef --db."
        )
        return
    engine = open_current(url)
    with session_scope(engine) as session:
        register = outcome_register(
            session,
            rules,
            organisation=organisation,
            min_per_wijk=followup.openbaar_min_per_wijk,
            today=date.today(),
        )
    engine.dispose()
    (out / "uitkomstenregister.json").write_text(register_json(register), encoding="utf-8")
    (out / "uitkomstenregister.csv").write_text(register_csv(register), encoding="utf-8")
    typer.echo(
        f"Uitkomstenregister geschreven naar {out}/uitkomstenregister.json en .csv "
        f"({len(register['regels'])} regels, alleen aantallen)."
    )
