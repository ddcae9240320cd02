"""VIK's home folder: what `vik init` writes, and what a run needs before it starts.

A home holds the public configuration and VIK's own files::

    <home>/config/            departments.yaml, priority.yaml, sources.yaml, rules/*.yaml
    <home>/var/               the SQLite database, run reports and logs, quarantine, Prefect's state
    <home>/secrets/pseudoniem.key   the key for BSN pseudonyms (0600), unless kept elsewhere
    <home>/vik.env            the settings that point at all this, for a shell, systemd or Prefect

    >>> home = init_home(Path("/srv/vik"))           # doctest: +SKIP
    >>> prepare_data_dir(Settings().data_dir)        # doctest: +SKIP

The starting configuration is the one in the repository's config/ (the demo municipality's):
the wheel carries it as package data (vik/starter, see setup.py); a source checkout reads
config/ itself. The operator edits the copy: departments, sources, and each rule's approval
by the municipality's own college.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from vik.connectors.config import CONFIG_FILE as SOURCES_FILE
from vik.connectors.pseudonyms import KEY_FILE, MIN_KEY_BYTES, load_key
from vik.connectors.schemas import SOURCES
from vik.errors import ConfigError, DataDirError, StoreError
from vik.files import private_dir
from vik.settings import CONFIG_SUBDIR, DATA_SUBDIR, Settings, source_checkout

ENV_FILE = "vik.env"
# The files without which no command that reads configuration can work.
REQUIRED_CONFIG = ("departments.yaml", "priority.yaml", "rules")

SOURCES_HEADER = """\
# Hoe de extracten van elke bron binnenkomen (docs/extracts.md). Een bron die het contract
# volgt (bestandsnaam <bron>.csv, .parquet of .jsonl, kolommen zoals in docs/extracts.md)
# heeft hier niets nodig. Wijkt een leverancier af, beschrijf het per bron, bijvoorbeeld:
#
#   brp:
#     file: GBA_EXPORT.TXT
#     encoding: cp1252
#     delimiter: ";"
#     columns: {geslachtsnaam: ACHTERNAAM}
#
# Heeft de gemeente een bron niet, zet dan enabled: false.
"""


@dataclass(frozen=True)
class Home:
    """A home folder as `vik init` left it."""

    path: Path
    config_dir: Path
    data_dir: Path
    key_file: Path | None
    key_created: bool
    env_file: Path


def starter_config() -> Path:
    """The starting configuration that ships with VIK."""
    packaged = Path(__file__).with_name("starter")
    if packaged.is_dir():
        return packaged
    checkout = source_checkout()
    if checkout is not None:
        return checkout / CONFIG_SUBDIR
    raise ConfigError(  # pragma: no cover - a broken installation
        "Deze installatie van VIK mist haar startconfiguratie (vik/starter). Installeer VIK "
        "opnieuw uit het wheel."
    )


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read; never replace one that exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def init_home(path: Path, *, create_key: bool = True) -> Home:
    """Write a starting configuration into path/config and prepare path/var.

    Refuses a home that already has configuration: VIK never overwrites an operator's edits.
    """
    path = path.expanduser().absolute()
    config_dir = path / CONFIG_SUBDIR
    if config_dir.exists() and any(config_dir.iterdir()):
        raise ConfigError(
            f"{config_dir} bestaat al en is niet leeg: VIK overschrijft geen configuratie. "
            "Kies een andere map, of pas de bestaande configuratie aan."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        shutil.copytree(
            starter_config(),
            config_dir,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        if not (config_dir / SOURCES_FILE).exists():
            (config_dir / SOURCES_FILE).write_text(
                SOURCES_HEADER
                + yaml.safe_dump({name: {"enabled": True} for name in SOURCES}, sort_keys=False),
                encoding="utf-8",
            )
        data_dir = path / DATA_SUBDIR
        private_dir(data_dir)
        key_file, key_created = None, False
        if create_key:
            key_file = path / KEY_FILE
            private_dir(key_file.parent)
            if not key_file.exists():
                _write_private(key_file, secrets.token_hex(MIN_KEY_BYTES) + "\n")
                key_created = True
        env_file = path / ENV_FILE
        if not env_file.exists():
            _write_private(env_file, _env_text(path, key_file))
    except OSError as error:
        raise DataDirError(
            f"Kan {path} niet inrichten: {error.strerror or error} ({error.filename}). "
            "Kies een map waarin u mag schrijven."
        ) from None
    return Home(path, config_dir, data_dir, key_file, key_created, env_file)


def _env_text(path: Path, key_file: Path | None) -> str:
    key = (
        f"VIK_PSEUDONYM_KEY_FILE={key_file}"
        if key_file
        else "# VIK_PSEUDONYM_KEY_FILE=/pad/naar/pseudoniem.key"
    )
    return (
        "# Instellingen van VIK (docs/operations.md). Lees ze in met\n"
        f"#   set -a; . {path / ENV_FILE}; set +a\n"
        "# of met EnvironmentFile= in een systemd-unit.\n"
        f"VIK_HOME={path}\n"
        f"{key}\n"
        "# PostgreSQL in plaats van SQLite in var/; zet het wachtwoord in ~/.pgpass, niet hier:\n"
        "# VIK_DATABASE_URL=postgresql://vik@db.gemeente.local/vik\n"
        "# De map waar de extracten elke avond klaarstaan (standaard var/extracts):\n"
        "# VIK_EXTRACTS_DIR=/data/extracten/vanavond\n"
    )


def require_configuration(config_dir: Path) -> None:
    """Refuse at once, saying how to make one, when config_dir holds no configuration."""
    missing = [name for name in REQUIRED_CONFIG if not (config_dir / name).exists()]
    if not missing:
        return
    if not config_dir.exists():
        found = f"De configuratiemap {config_dir} bestaat niet."
    else:
        found = f"In {config_dir} ontbreekt {', '.join(missing)}."
    raise ConfigError(
        f"{found} Maak een startconfiguratie met `vik init MAP` en zet VIK_HOME=MAP, "
        "of zet VIK_CONFIG_DIR naar de map met departments.yaml, priority.yaml en rules/ "
        "(zie docs/operations.md)."
    )


def prepare_data_dir(data_dir: Path) -> None:
    """Create VIK's data folder (0700) if it is missing, and refuse at once if VIK cannot
    write there, before anything else (Prefect keeps its state there too) starts."""
    try:
        private_dir(data_dir)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise DataDirError(
            f"VIK kan niet schrijven in de datamap {data_dir} ({reason}). Geef de gebruiker "
            "waaronder VIK draait schrijfrechten, of zet VIK_DATA_DIR (of VIK_HOME) naar een "
            "map waarin VIK mag schrijven."
        ) from None


def check_sqlite_writable(database_url: str) -> None:
    """A SQLite database file VIK may not write is refused before the run starts."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(database_url)
    except ArgumentError:
        return  # connect() says what is wrong with the URL
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    database = Path(url.database)
    folder = database.parent
    try:
        if database.exists():
            with open(database, "r+b"):
                pass
        if folder.exists():
            with tempfile.TemporaryFile(dir=folder):
                pass
    except OSError as error:
        raise DataDirError(
            f"VIK kan de database {database} niet schrijven ({error.strerror}). Geef de "
            "gebruiker waaronder VIK draait schrijfrechten op het bestand en zijn map, of zet "
            "VIK_DATABASE_URL naar een database waarin VIK mag schrijven."
        ) from None


def check_server_reachable(database_url: str) -> None:
    """A database server (PostgreSQL) that does not answer, or a user that may not write,
    is refused before the run starts."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from vik.store.db import connect, normalise_url

    try:
        if make_url(normalise_url(database_url)).get_backend_name() == "sqlite":
            return  # a file: check_sqlite_writable
    except ArgumentError:
        return  # connect() says what is wrong with the URL
    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            # A user that may read but not write VIK's tables (a read-only role).
            read_only = connection.execute(
                text(
                    "SELECT to_regclass('run') IS NOT NULL "
                    "AND NOT has_table_privilege(to_regclass('run'), 'INSERT')"
                )
            ).scalar()
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        raise StoreError(
            f"Database niet bereikbaar ({engine.url.render_as_string()}): "
            f"{type(cause).__name__}: {str(cause).strip().splitlines()[0]}. Controleer "
            "VIK_DATABASE_URL en of de databaseserver draait."
        ) from None
    finally:
        engine.dispose()
    if read_only:
        raise StoreError(
            f"De databasegebruiker van {engine.url.render_as_string()} mag de tabellen van VIK "
            "lezen maar niet schrijven. Geef die gebruiker schrijfrechten, of zet "
            "VIK_DATABASE_URL naar een gebruiker die dat mag."
        )


def prepare_run(settings: Settings, database_url: str) -> None:
    """Everything a run needs that can be checked without starting it, refused at once:
    the data folder (created if missing), the database, the configuration, the key."""
    prepare_data_dir(settings.data_dir)
    check_sqlite_writable(database_url)
    check_server_reachable(database_url)
    require_configuration(settings.config_dir)
    load_key(settings)
