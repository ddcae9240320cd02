"""`vik rules`: check, test, publish and try out rule files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from vik.cli.output import table, user_errors
from vik.rules import load_context, load_rules, run_fixtures, run_gate
from vik.rules.model import Rule
from vik.settings import Settings

rules_app = typer.Typer(
    help="Regels controleren, hun tests draaien, het JSON-schema publiceren en een nieuwe "
    "versie proefdraaien.",
    no_args_is_help=True,
)


def _paths(rules_dir: Path | None) -> tuple[Path, Path]:
    settings = Settings()
    return settings.config_dir, rules_dir or settings.config_dir / "rules"


@rules_app.command("check")
@user_errors
def check(
    rules_dir: Path = typer.Option(
        None, "--dir", help="Map met regelbestanden (standaard config/rules)."
    ),
    as_of: str = typer.Option(None, "--as-of", help="Peildatum jjjj-mm-dd (standaard vandaag)."),
    db: str = typer.Option(
        None,
        "--db",
        help="Database-URL om de uitkomsten van proefregels te lezen (standaard VIK_DATABASE_URL).",
    ),
) -> None:
    """Valideer alle regelbestanden en zeg per regel of hij vannacht mag draaien, en waarom niet.

    Bij een proefregel: voor welke afdelingen, het promotiecriterium uit het regelbestand en
    of het gehaald is (uit de vastgelegde uitkomsten). Eindigt met code 1 als een bestand
    ongeldig is of een actieve regel of proefregel niet mag draaien.
    """
    config_dir, directory = _paths(rules_dir)
    context = load_context(config_dir)
    rules = load_rules(directory, context)
    peildatum = date.fromisoformat(as_of) if as_of else date.today()
    rows, problems = [], False
    for loaded in rules.valid:
        reasons = run_gate(loaded, context, peildatum)
        rule = loaded.rule
        verdict = "ja" if not reasons else "nee"
        rows.append((rule.id, rule.version, rule.status.value, verdict, loaded.content_hash[:12]))
        if reasons and rule.status.value in ("actief", "proef"):
            problems = True
    typer.echo(table(("regel", "versie", "status", "mag draaien", "hash"), rows))
    for loaded in rules.valid:
        reasons = run_gate(loaded, context, peildatum)
        if reasons:
            typer.echo(f"\n{loaded.id} draait niet:")
            typer.echo("\n".join(f"  - {reason}" for reason in reasons))
    trials = [loaded for loaded in rules.valid if loaded.rule.proef is not None]
    if trials:
        _show_trials(trials, db)
    for path, message in rules.invalid.items():
        problems = True
        typer.secho(f"\nONGELDIG {path}:\n  {message}", fg=typer.colors.RED)
    problems |= not _check_purposes(config_dir, context)
    if problems:
        raise typer.Exit(1)


def _show_trials(trials: list, db: str | None) -> None:  # type: ignore[type-arg]
    """Per proef rule: its pilot departments, its promotion criterion and whether it is met."""
    from vik.store.feedback import promotion

    feedback, why = _read_feedback(db)
    for loaded in trials:
        trial = loaded.rule.proef
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


def _read_feedback(db: str | None) -> tuple[dict | None, str]:
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


def rule_json_schema() -> dict:
    data = Rule.model_json_schema()
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["$id"] = "https://vik.example/rule.schema.json"
    data["title"] = "VIK-regel"
    return data


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
    en toon het verschil met de actieve versie: nieuwe, verdwenen en ongewijzigde treffers."""
    from vik.connectors.pseudonyms import load_key
    from vik.nightly import ingest_and_resolve
    from vik.rules import evaluate_rule, load_rule
    from vik.rules.dryrun import compare_hits
    from vik.rules.engine import HITS_SCHEMA

    settings = Settings()
    context = load_context(settings.config_dir)
    candidate = load_rule(file, context)
    active = load_rules(settings.config_dir / "rules", context).by_id(candidate.id)
    if extracts is None:
        from vik.store.db import open_current, session_scope
        from vik.store.runs import require_last_good_run

        engine = open_current(db or settings.resolved_database_url())
        with session_scope(engine) as session:
            extracts = Path(require_last_good_run(session).extracts_dir)
    peildatum = date.fromisoformat(as_of) if as_of else date.today()
    _, resolved = ingest_and_resolve(extracts, settings.config_dir, load_key(settings))
    new = evaluate_rule(candidate, resolved.frames, peildatum, context, gate=False)
    if active is not None and active.content_hash != candidate.content_hash:
        old_hits = evaluate_rule(active, resolved.frames, peildatum, context, gate=False).hits
        label = f"actieve versie {active.rule.version} ({active.content_hash[:12]})"
    elif active is not None:
        old_hits = new.hits
        label = "actieve versie (identiek aan de kandidaat)"
    else:
        import polars as pl

        old_hits = pl.DataFrame(schema=HITS_SCHEMA)
        label = "geen actieve versie"
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
        diff.write_csv(out)
        typer.echo(f"Alle verschillen: {out}")
