"""`vik demo`: a synthetic municipality to try VIK on, with planted cases and ground truth.

vik demo generate --addresses 5000 --seed 1 --out var/demo/extracts
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vik.cli.output import table, user_errors
from vik.connectors.schemas import FORMATS
from vik.demo.generator import MIN_ADDRESSES, DemoManifest, generate_municipality
from vik.demo.names import GEMEENTE
from vik.roles import Role

if TYPE_CHECKING:
    from vik.settings import Settings

demo_app = typer.Typer(
    name="demo",
    help="Demogemeente: synthetische extracten met geplante gevallen en de grondwaarheid.",
    no_args_is_help=True,
)

# Built from FORMATS so that the choices are one list; mypy cannot see members made at runtime.
Format = StrEnum("Format", {f: f for f in FORMATS})  # type: ignore[misc]


def render_summary(manifest: DemoManifest) -> str:
    """The Dutch summary `vik demo generate` prints."""
    lines = [
        f"Demogemeente {GEMEENTE} gegenereerd in {manifest.out_dir} "
        f"(peildatum {manifest.as_of.isoformat()}, seed {manifest.seed}, "
        f"formaat {manifest.format}).",
        "",
        table(
            ("bron", "bestand", "rijen"),
            [(s, p.name, f"{manifest.rows[s]}") for s, p in manifest.files.items()],
        ),
        "",
        "Geplante gevallen per regel (controle: bijna-treffer die de regel niet mag vinden):",
        table(
            ("regel", "gepland", "controle"),
            [(rule, c["planted"], c["control"]) for rule, c in manifest.planted.items()],
        ),
        "",
        f"Met opzet ongeldig (hoort in quarantaine): {manifest.quarantined} rijen.",
        f"Adressen die ook een zorgvuldige lezer niet kan vinden: {manifest.unresolvable}.",
        f"Grondwaarheid: {manifest.truth_dir} (planted.csv, addresses.csv, persons.csv, "
        "companies.csv, quarantine.csv, manifest.json).",
    ]
    return "\n".join(lines)


@demo_app.command("generate")
def generate(
    addresses: int = typer.Option(
        ...,
        "--addresses",
        min=MIN_ADDRESSES,
        help=f"Aantal adressen (BAG-nummeraanduidingen); minstens {MIN_ADDRESSES}.",
    ),
    seed: int = typer.Option(
        ..., "--seed", help="Startwaarde: dezelfde seed geeft byte voor byte dezelfde bestanden."
    ),
    out: Path = typer.Option(
        ..., "--out", help="Map voor de zeven extracten; de grondwaarheid komt in <map>/truth."
    ),
    as_of: datetime = typer.Option(
        None,
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Peildatum (jjjj-mm-dd) waar alle termijnen van de regels van uitgaan; "
        "standaard vandaag.",
    ),
    fmt: Format = typer.Option(
        Format("csv"), "--format", help="Bestandsformaat van de extracten: csv, parquet of jsonl."
    ),
) -> None:
    """Genereer een synthetische gemeente: BRP, BAG, KvK, belastingen, vergunningen,
    handhaving en meldingen, met geplante gevallen, bijna-treffers en de grondwaarheid.
    """
    peildatum = as_of.date() if as_of else date.today()
    manifest = generate_municipality(
        out, addresses=addresses, seed=seed, as_of=peildatum, fmt=str(fmt.value)
    )
    typer.echo(render_summary(manifest))


DEMO_ACCOUNTS = (
    # username, role, department, display name; the password is the username + "-demo"
    ("analist.ondermijning", Role.ANALIST, "ondermijning", "Analist Team Ondermijning (demo)"),
    ("analist.handhaving", Role.ANALIST, "handhaving", "Analist Toezicht en Handhaving (demo)"),
    ("analist.burgerzaken", Role.ANALIST, "burgerzaken", "Analist Burgerzaken (demo)"),
    ("compliance", Role.COMPLIANCE, None, "Functionaris gegevensbescherming (demo)"),
    ("eigenaar", Role.EIGENAAR, None, "Regeleigenaar (demo)"),
    ("beheer", Role.BEHEER, None, "Functioneel beheer (demo)"),
)


def demo_password(username: str) -> str:
    return f"{username}-demo"


def _needs_generation(extracts: Path, addresses: int, seed: int, peildatum: date) -> bool:
    manifest = extracts / "truth" / "manifest.json"
    if not manifest.is_file():
        return True
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return (data.get("addresses"), data.get("seed"), data.get("as_of")) != (
        addresses,
        seed,
        peildatum.isoformat(),
    )


@demo_app.command("run")
@user_errors
def run(
    addresses: int = typer.Option(
        5000, "--addresses", min=MIN_ADDRESSES, help="Aantal adressen van de demogemeente."
    ),
    seed: int = typer.Option(1, "--seed", help="Startwaarde van de demogemeente."),
    fresh: bool = typer.Option(False, "--fresh", help="Genereer de extracten opnieuw."),
) -> None:
    """De hoofdtaak op de ingebouwde standaard: maak de demogemeente (als die er nog niet is),
    draai de nachtelijke run erop (SQLite in de datamap), maak de demo-accounts aan en toon
    waar de signalen en het rapport staan."""
    from vik.cli.run import execute_run, print_result
    from vik.connectors.pseudonyms import KEY_FILE, create_demo_key
    from vik.settings import Settings

    settings = Settings()
    extracts = settings.data_dir / "demo" / "extracts"
    peildatum = date.today()
    _claim_database(settings, extracts)
    if not (settings.pseudonym_key or settings.pseudonym_key_file):
        key_file = settings.data_dir / KEY_FILE
        _, created = create_demo_key(key_file)
        os.environ["VIK_PSEUDONYM_KEY_FILE"] = str(key_file)
        settings = Settings()
        typer.echo(
            f"Demo: {'nieuwe ' if created else ''}lokale sleutel voor BSN-pseudoniemen in {key_file}. "
            "Gebruik in productie een eigen, geheime sleutel (VIK_PSEUDONYM_KEY_FILE)."
        )
    if fresh or _needs_generation(extracts, addresses, seed, peildatum):
        manifest = generate_municipality(extracts, addresses=addresses, seed=seed, as_of=peildatum)
        typer.echo(render_summary(manifest) + "\n")
    else:
        typer.echo(
            f"Demogemeente staat al klaar in {extracts} (peildatum {peildatum.isoformat()}).\n"
        )
    result = execute_run(extracts, None, peildatum, [], settings)
    print_result(result, settings, None)
    _demo_accounts(settings)
    _demo_follow_up(settings, extracts / "truth", peildatum)


def _demo_follow_up(settings: Settings, truth_dir: Path, today: date) -> None:
    """Decisions, a past LOO with outcomes and a coming one: the pages show real figures."""
    from vik.cli.demo_followup import seed_follow_up
    from vik.store.db import connect

    engine = connect(settings.resolved_database_url())
    made = seed_follow_up(engine, settings.config_dir, truth_dir, today)
    engine.dispose()
    if made:
        typer.echo(f"\nDemo-opvolging: {made}.")


def _claim_database(settings: Settings, extracts: Path) -> None:
    """Refuse, before anything is written, a database that `vik demo` did not make."""
    from vik.files import private_dir
    from vik.store.db import connect, sqlite_path
    from vik.store.demo import claim_for_demo

    engine = connect(settings.resolved_database_url())
    path = sqlite_path(engine)
    if path is not None:  # a fresh checkout has no data folder yet
        private_dir(path.parent)
    try:
        state = claim_for_demo(engine, str(extracts), [u for u, *_ in DEMO_ACCOUNTS])
    finally:
        engine.dispose()
    if state == "oude demo":
        typer.echo("Demo: bestaande demodatabase (alleen demogegevens) gemarkeerd als demo.")
    elif state == "nieuw":
        typer.echo(
            "Demo: nieuwe database aangemaakt (de demo maakt en werkt bij haar eigen database)."
        )


def _demo_accounts(settings: Settings) -> None:
    from vik.store.db import open_current, session_scope
    from vik.store.demo import require_demo
    from vik.web.users import ensure_user

    engine = open_current(settings.resolved_database_url())
    with session_scope(engine) as session:
        require_demo(session)
        for username, role, department, name in DEMO_ACCOUNTS:
            ensure_user(session, username, demo_password(username), role, department, name)
    typer.echo("\nDemo-accounts voor `vik web` (alleen voor de demo; wachtwoord = naam + '-demo'):")
    for username, role, department, _ in DEMO_ACCOUNTS:
        typer.echo(
            f"  {username:22} {demo_password(username):28} {role}{' ' + department if department else ''}"
        )
