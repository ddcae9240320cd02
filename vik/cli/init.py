"""`vik init DIR`: a new home folder with a starting configuration the operator then edits."""

from __future__ import annotations

from pathlib import Path

import typer

from vik.cli.output import user_errors


@user_errors
def init(
    directory: Path = typer.Argument(
        ..., help="De map voor VIK: configuratie (config/), gegevens (var/) en de sleutel."
    ),
    create_key: bool = typer.Option(
        True,
        "--key/--no-key",
        help="Maak een nieuwe sleutel voor BSN-pseudoniemen in secrets/ (standaard), of niet "
        "als de sleutel elders staat.",
    ),
) -> None:
    """Maak een VIK-map met een startconfiguratie: afdelingen, bronnen, prioriteit en de
    regels met hun goedkeuring. Pas die daarna aan voor uw gemeente."""
    from vik.home import ENV_FILE, init_home

    home = init_home(directory, create_key=create_key)
    typer.echo(f"VIK-map ingericht in {home.path}:")
    typer.echo(f"  configuratie   {home.config_dir}")
    typer.echo(f"  gegevens       {home.data_dir}")
    if home.key_file is not None:
        state = "nieuw gemaakt" if home.key_created else "bestond al"
        typer.echo(
            f"  sleutel        {home.key_file} ({state}; bewaar een kopie op een veilige plek)"
        )
    typer.echo(f"  instellingen   {home.env_file}")
    typer.echo(
        "\nDe configuratie is die van de demogemeente. Pas voor gebruik aan:\n"
        "  - departments.yaml: de afdelingen van uw gemeente;\n"
        "  - sources.yaml: hoe uw extracten binnenkomen (docs/extracts.md);\n"
        "  - rules/*.yaml: laat elke regel goedkeuren door uw eigen college of burgemeester en "
        "vul approval in (docs/rules.md); een regel zonder geldige goedkeuring draait niet.\n"
        f"\nZet de instellingen in uw omgeving (set -a; . {home.path / ENV_FILE}; set +a) en "
        "controleer de regels met `vik rules check`. Daarna: `vik db upgrade`, `vik run`."
    )
