"""`vik rules`: check, test, publish and try out rule files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from vik.cli.output import parse_date, table, user_errors
from vik.files import write_private_csv
from vik.rules import load_context, load_rules, run_fixtures
from vik.rules.model import Rule
from vik.settings import Settings

if TYPE_CHECKING:
    from vik.rules import Context, LoadedRule

rules_app = typer.Typer(
    help="Regels controleren, hun tests draaien, het JSON-schema publiceren en een nieuwe "
    "versie proefdraaien.",
    no_args_is_help=True,
)


def _paths(rules_dir: Path | None) -> tuple[Path, Path]:
    settings = Settings()
    return settings.config_dir, rules_dir or settings.config_dir / "rules"


DB_OPTION = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL.")


@rules_app.command("check")
@user_errors
def check(
    rules_dir: Path = typer.Option(
        None, "--dir", help="Map met regelbestanden (standaard config/rules)."
    ),
    as_of: str = typer.Option(None, "--as-of", help="Peildatum jjjj-mm-dd (standaard vandaag)."),
    db: str = DB_OPTION,
) -> None:
    """Valideer alle regelbestanden en zeg per regel of hij vannacht mag draaien, en waarom niet.

    Een regel draait alleen als precies deze inhoud is goedgekeurd door een ander account dan
    de auteur (in de database), zijn eigen tests slagen en zijn doelbinding inhoud heeft. Bij
    een proefregel: voor welke afdelingen, het promotiecriterium uit het regelbestand en of
    het gehaald is (uit de vastgelegde uitkomsten). Eindigt met code 1 als een bestand
    ongeldig is of een actieve regel of proefregel niet mag draaien.
    """
    from vik.rules import night_gate, rule_warnings
    from vik.store.approvals import approvals_from_database

    settings = Settings()
    config_dir, directory = _paths(rules_dir)
    context = load_context(config_dir)
    context.approvals = approvals_from_database(
        db or settings.resolved_database_url(), config_dir, actor="vik rules check"
    )
    rules = load_rules(directory, context)
    peildatum = parse_date(as_of) or date.today()
    rows, problems = [], False
    verdicts = {loaded.id: night_gate(loaded, context, peildatum) for loaded in rules.valid}
    for loaded in rules.valid:
        reasons = verdicts[loaded.id]
        rule = loaded.rule
        approval = context.approvals.of(rule.id, loaded.content_hash)
        rows.append(
            (
                rule.id,
                rule.version,
                rule.status.value,
                "ja" if not reasons else "nee",
                loaded.content_hash[:12],
                f"{approval.approver_name} ({approval.approved_on.isoformat()})"
                if approval
                else "niet goedgekeurd",
            )
        )
        if reasons and rule.status.value in ("actief", "proef"):
            problems = True
    typer.echo(
        table(("regel", "versie", "status", "mag draaien", "hash", "goedgekeurd door"), rows)
    )
    for loaded in rules.valid:
        reasons = verdicts[loaded.id]
        if reasons:
            typer.echo(f"\n{loaded.id} draait niet:")
            typer.echo("\n".join(f"  - {reason}" for reason in reasons))
    for loaded in rules.valid:
        warnings = rule_warnings(loaded, context, peildatum)
        if warnings:
            typer.secho(f"\nLET OP {loaded.id}:", fg=typer.colors.YELLOW)
            typer.echo("\n".join(f"  - {warning}" for warning in warnings))
    trials = [loaded for loaded in rules.valid if loaded.rule.proef is not None]
    if trials:
        _show_trials(trials, db)
    for path, message in rules.invalid.items():
        problems = True
        typer.secho(f"\nONGELDIG {path}:\n  {message}", fg=typer.colors.RED)
    problems |= not _check_purposes(config_dir, context)
    if problems:
        raise typer.Exit(1)


def _show_trials(trials: list[LoadedRule], db: str | None) -> None:
    """Per proef rule: its pilot departments, its promotion criterion and whether it is met."""
    from vik.store.feedback import promotion

    feedback, why = _read_feedback(db)
    for loaded in trials:
        trial = loaded.rule.proef
        if trial is None:  # the caller passes the proef rules only
            continue
        criterion = trial.promotie
        typer.echo(
            f"\n{loaded.id} is een proef voor {', '.join(trial.afdelingen)}. Promotie naar actief "
            f"(een nieuwe versie, goedgekeurd door een ander dan de auteur) bij minstens "
            f"{criterion.min_uitkomsten} uitkomsten en een precisie van minstens "
            f"{criterion.min_precisie:.0%}."
        )
        if feedback is None:
            typer.echo(f"  Stand niet bekend: {why}")
            continue
        found = feedback.get(loaded.id)
        status = promotion(
            found.total if found else None, criterion.min_uitkomsten, criterion.min_precisie
        )
        typer.echo(f"  Stand: {status.describe()}.")
        if found is not None and found.without_outcome:
            typer.echo(f"  {found.without_outcome} signalen hebben nog geen uitkomst.")


def _read_feedback(db: str | None) -> tuple[dict[str, Any] | None, str]:
    """The feedback per rule from the database, without changing it (no migration here)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from vik.errors import StoreError
    from vik.store.db import normalise_url, open_current, session_scope
    from vik.store.feedback import rule_feedback

    url = normalise_url(db or Settings().resolved_database_url())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return None, f"er is nog geen database ({parsed.database}); geef --db."
    try:
        engine = open_current(url)
    except StoreError as error:  # missing, empty or behind: the message says what to do
        return None, str(error)
    try:
        with session_scope(engine) as session:
            return rule_feedback(session), ""
    except SQLAlchemyError:
        return None, "de database is niet te lezen."
    finally:
        engine.dispose()


@rules_app.command("approve")
@user_errors
def approve(
    file: Path = typer.Argument(..., help="Het regelbestand waarvan u deze inhoud goedkeurt."),
    gebruiker: str = typer.Option(
        ..., "--gebruiker", help="Uw VIK-account (rol eigenaar; compliance bij --profilering)."
    ),
    besluit: str = typer.Option(
        ..., "--besluit", help="Kenmerk van het besluit, bv. 'Besluit college 2026-1201-03'."
    ),
    profilering: bool = typer.Option(
        False,
        "--profilering",
        help="Keur de profileringsuitzondering van deze versie goed (rol compliance, de FG).",
    ),
    on: str = typer.Option(
        None, "--datum", help="Datum van goedkeuring jjjj-mm-dd (standaard vandaag)."
    ),
    db: str = DB_OPTION,
) -> None:
    """Keur precies deze inhoud van een regelbestand goed, als uw eigen account.

    VIK vraagt uw wachtwoord (of leest VIK_WACHTWOORD) en legt de sha256 van het bestand,
    uw account, de datum en het besluit vast. De auteur van de regel kan niet goedkeuren;
    een later gewijzigd bestand heeft een nieuwe goedkeuring nodig.
    """
    from vik.cli.users import _password
    from vik.rules import load_rule
    from vik.rules.approvals import Scope
    from vik.store.approvals import approve as record_approval
    from vik.store.db import open_current, session_scope
    from vik.web.users import authenticate

    settings = Settings()
    context = load_context(settings.config_dir)
    loaded = load_rule(file.resolve(), context)
    engine = open_current(db or settings.resolved_database_url())
    password = _password(confirm=False)
    with session_scope(engine) as session:
        user = authenticate(session, gebruiker, password)
        # The login (and its audit entry) stands even when the approval is refused.
    with session_scope(engine) as session:
        row = record_approval(
            session,
            loaded,
            user,
            besluit=besluit,
            on=parse_date(on, "--datum", "datum") or date.today(),
            context=context,
            scope=Scope.PROFILERING if profilering else Scope.REGEL,
        )
        what = "profileringsuitzondering van " if profilering else ""
        typer.echo(
            f"Goedgekeurd: {what}{loaded.id} versie {loaded.rule.version} "
            f"(sha256 {loaded.content_hash[:12]}) door {row.approver_name} op "
            f"{row.approved_on.isoformat()}, {row.besluit}"
        )
    engine.dispose()


@rules_app.command("approvals")
@user_errors
def approvals(
    rule_id: str = typer.Argument(None, help="Alleen deze regel."),
    db: str = DB_OPTION,
) -> None:
    """Toon de goedkeuringen in de database: welke inhoud, door wie, wanneer, welk besluit."""
    from vik.store.approvals import approvals_from_database

    settings = Settings()
    found = approvals_from_database(
        db or settings.resolved_database_url(), settings.config_dir, actor="vik rules approvals"
    )
    rows = [
        (
            a.rule_id,
            a.version or "",
            a.content_hash[:12],
            a.scope.value,
            a.approver_name,
            a.approved_on.isoformat(),
            a.besluit,
            a.origin,
        )
        for a in sorted(found.records, key=lambda a: (a.rule_id, a.approved_on))
        if rule_id is None or a.rule_id == rule_id
    ]
    typer.echo(
        table(("regel", "versie", "hash", "soort", "door", "datum", "besluit", "herkomst"), rows)
    )


@rules_app.command("import-approvals")
@user_errors
def import_approvals(db: str = DB_OPTION) -> None:
    """Lees de meegeleverde goedkeuringen (config/approvals.yaml) in de database in: een
    opzetstap na het bijwerken van VIK. Alleen goedkeuringen die er nog niet zijn."""
    from vik.store.approvals import import_manifest
    from vik.store.db import open_current, session_scope

    settings = Settings()
    engine = open_current(db or settings.resolved_database_url())
    with session_scope(engine) as session:
        added = import_manifest(session, settings.config_dir, actor="vik rules import-approvals")
    engine.dispose()
    typer.echo(f"{added} meegeleverde goedkeuring(en) ingelezen")


def _check_purposes(config_dir: Path, context: object) -> bool:
    """The purposes of lookups (config/purposes.yaml) are checked as strictly as rules."""
    from vik.errors import ConfigError
    from vik.lookup.purposes import load_purposes

    try:
        purposes = load_purposes(config_dir, context)  # type: ignore[arg-type]
    except ConfigError as error:
        typer.secho(f"\nONGELDIG purposes.yaml:\n  {error}", fg=typer.colors.RED)
        return False
    typer.echo(f"\nDoelen voor bevraging: {len(purposes)} geldig ({', '.join(purposes) or 'geen'})")
    return True


@rules_app.command("test")
@user_errors
def test(
    rules_dir: Path = typer.Option(
        None, "--dir", help="Map met regelbestanden (standaard config/rules)."
    ),
) -> None:
    """Draai de tests (given/expect) die in elk regelbestand staan."""
    config_dir, directory = _paths(rules_dir)
    context = load_context(config_dir)
    rules = load_rules(directory, context)
    failed = 0
    for loaded in rules.valid:
        results = run_fixtures(loaded, context)
        if not results:
            typer.secho(
                f"GEEN TESTS  {loaded.id}: een regel hoort tests te hebben", fg=typer.colors.RED
            )
            failed += 1
        for result in results:
            if result.passed:
                typer.echo(f"ok      {loaded.id}: {result.name}")
            else:
                failed += 1
                typer.secho(f"FOUT    {loaded.id}: {result.name}", fg=typer.colors.RED)
                for problem in result.problems:
                    typer.echo(f"          {problem}")
    for path, message in rules.invalid.items():
        failed += 1
        typer.secho(f"ONGELDIG {path}: {message}", fg=typer.colors.RED)
    if failed:
        typer.echo(f"\n{failed} test(s) mislukt")
        raise typer.Exit(1)
    typer.echo("\nAlle regeltests geslaagd")


@rules_app.command("schema")
def schema(
    out: Path = typer.Option(None, "--out", help="Schrijf het schema naar dit bestand."),
) -> None:
    """Het JSON-schema van regelbestanden, voor editors (docs/rule.schema.json)."""
    text = json.dumps(rule_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Geschreven: {out}")
    else:
        typer.echo(text, nl=False)


def rule_json_schema() -> dict[str, Any]:
    data = Rule.model_json_schema()
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["$id"] = "https://vik.example/rule.schema.json"
    data["title"] = "VIK-regel"
    return data


def _dry_run_base(
    candidate: LoadedRule, context: Context, database_url: str
) -> tuple[LoadedRule | None, str]:
    """What the candidate is compared with: the version of this rule that ran last (its
    stored text), else the approved version in the configuration, else nothing."""
    from sqlmodel import col, select

    from vik.rules.approvals import manifest_approvals
    from vik.rules.loader import rule_from_text
    from vik.store.approvals import approvals_from_database
    from vik.store.db import open_current, session_scope
    from vik.store.models import RuleVersion

    settings = Settings()
    configured = load_rules(settings.config_dir / "rules", context).by_id(candidate.id)
    if database_url.startswith("sqlite:///") and not Path(database_url[10:]).exists():
        # No database yet: nothing ran; a dry-run stores nothing, not even a database.
        approvals = manifest_approvals(settings.config_dir)
        if configured is not None and approvals.of(configured.id, configured.content_hash):
            return configured, (
                f"goedgekeurde versie {configured.rule.version} ({configured.content_hash[:12]})"
            )
        return None, "geen eerder gedraaide of goedgekeurde versie"
    engine = open_current(database_url)
    with session_scope(engine) as session:
        ran = session.exec(
            select(RuleVersion)
            .where(
                RuleVersion.rule_id == candidate.id, col(RuleVersion.last_active_run).is_not(None)
            )
            .order_by(col(RuleVersion.last_active_run).desc())
        ).first()
        stored = (ran.text, ran.version, ran.content_hash) if ran is not None else None
    engine.dispose()
    if stored is not None:
        text, version, digest = stored
        base = rule_from_text(text, Path(f"{candidate.id}.yaml"), context)
        return base, f"versie {version} die het laatst draaide ({digest[:12]})"
    approvals = approvals_from_database(
        database_url, settings.config_dir, actor="vik rules dry-run"
    )
    if configured is not None and approvals.of(configured.id, configured.content_hash):
        return configured, (
            f"goedgekeurde versie {configured.rule.version} ({configured.content_hash[:12]})"
        )
    return None, "geen eerder gedraaide of goedgekeurde versie"


@rules_app.command("dry-run")
@user_errors
def dry_run(
    file: Path = typer.Argument(..., help="Het regelbestand met de nieuwe (kandidaat)versie."),
    extracts: Path = typer.Option(
        None,
        "--extracts",
        help="Extracten om op te proefdraaien (standaard die van de laatste geslaagde run).",
    ),
    db: str = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL."),
    as_of: str = typer.Option(None, "--as-of", help="Peildatum jjjj-mm-dd (standaard vandaag)."),
    out: Path = typer.Option(None, "--out", help="Schrijf alle verschillen naar dit CSV-bestand."),
) -> None:
    """Draai een kandidaatversie van een regel op de huidige gegevens, zonder signalen te maken,
    en toon het verschil met de versie die het laatst draaide (of anders de goedgekeurde versie
    in de configuratie): nieuwe, verdwenen en ongewijzigde treffers. Het kandidaatbestand mag
    overal staan, ook op de plek van de actieve versie."""
    from vik.connectors.pseudonyms import load_key
    from vik.pipeline import ingest_and_resolve
    from vik.rules import evaluate_rule, load_rule
    from vik.rules.dryrun import compare_hits
    from vik.rules.engine import HITS_SCHEMA

    peildatum = parse_date(as_of) or date.today()  # a typo is told before any work starts
    settings = Settings()
    context = load_context(settings.config_dir)
    candidate = load_rule(file.resolve(), context)
    base, label = _dry_run_base(candidate, context, db or settings.resolved_database_url())
    if extracts is None:
        from vik.store.db import open_current, session_scope
        from vik.store.runs import require_last_good_run

        engine = open_current(db or settings.resolved_database_url())
        with session_scope(engine) as session:
            extracts = Path(require_last_good_run(session).extracts_dir)
    _, resolved = ingest_and_resolve(extracts, settings.config_dir, load_key(settings))
    new = evaluate_rule(candidate, resolved.frames, peildatum, context, gate=False)
    if base is not None and base.content_hash != candidate.content_hash:
        old_hits = evaluate_rule(base, resolved.frames, peildatum, context, gate=False).hits
    elif base is not None:
        old_hits = new.hits
        label += " (identiek aan de kandidaat)"
    else:
        import polars as pl

        old_hits = pl.DataFrame(schema=HITS_SCHEMA)
    diff = compare_hits(old_hits, new.hits)
    counts = {
        k: diff.filter(diff["verschil"] == k).height for k in ("nieuw", "verdwenen", "ongewijzigd")
    }
    typer.echo(
        f"Proefdraaien van {candidate.id} versie {candidate.rule.version} "
        f"({candidate.content_hash[:12]}) tegen {label}, peildatum {peildatum.isoformat()}"
    )
    typer.echo(f"Er worden geen signalen gemaakt. Rijen gelezen: {new.rows_in}")
    typer.echo(
        f"nieuw: {counts['nieuw']}   verdwenen: {counts['verdwenen']}   "
        f"ongewijzigd: {counts['ongewijzigd']}   onbeslist (kandidaat): {new.undecided.height}"
    )
    for kind in ("nieuw", "verdwenen"):
        rows = diff.filter(diff["verschil"] == kind).head(10)
        for row in rows.iter_rows(named=True):
            text = row["uitleg_kandidaat"] or row["uitleg_actief"]
            typer.echo(f"  {kind:10} {row['entity_type']} {row['entity_key']}: {text}")
    if out:
        write_private_csv(diff, out)
        typer.echo(f"Alle verschillen: {out}")
