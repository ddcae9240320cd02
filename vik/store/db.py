"""Database engine, schema versions, migrations and sessions: SQLite by default, PostgreSQL
in production.

Migrations run on purpose only: ``vik db upgrade`` (``migrate``) brings the schema
to this VIK's version under a database lock, so concurrent upgrades wait for each
other instead of failing. Every other command opens the database with
``open_current``, which refuses a database that is missing, empty, behind or
ahead of this VIK with a Dutch message naming both versions and the command to run.

>>> engine = open_current("postgresql://vik@db/vik")   # postgresql+psycopg:// works too
>>> with session_scope(engine) as session:
...     session.add(Run(peildatum=date.today(), extracts_dir="..."))
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

from vik.errors import SchemaError, StoreError, VikError
from vik.files import private_dir, private_file, tighten

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "vik db upgrade"


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// use psycopg 3, the driver VIK installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


_PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]*@")


def masked_url(url: str) -> str:
    """The URL as VIK prints or hands on: its password, if any, replaced by ***."""
    try:
        return make_url(normalise_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD.sub(r"\1***@", url)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def sqlite_path(engine: Engine) -> Path | None:
    """The file of an SQLite database (None for PostgreSQL and in-memory SQLite)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def connect(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL (readers never block the nightly writer).

    Connecting creates nothing: the database is made by `migrate` (`vik db upgrade`)."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"Ongeldige database-URL: {masked_url(url)!r}. Gebruik bijvoorbeeld "
            "sqlite:///var/vik.db of postgresql://gebruiker@host/database."
        ) from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        path = sqlite_path(engine)
        if path is not None:  # files an older VIK left readable for others
            for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
                tighten(path.with_name(name))
        return engine
    return create_engine(url, pool_pre_ping=True)


# --- schema versions --------------------------------------------------------------------


class SchemaState(StrEnum):
    MISSING = "ontbreekt"  # no SQLite file at all
    EMPTY = "leeg"  # no VIK tables yet
    BEHIND = "verouderd"  # older than this VIK: `vik db upgrade`
    CURRENT = "actueel"
    AHEAD = "nieuwer"  # made by a newer VIK than this one


@dataclass(frozen=True)
class SchemaVersion:
    database: str | None  # the revision in the database (None: none yet)
    code: str  # the newest revision this VIK knows
    state: SchemaState


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def code_revision() -> str:
    head = _script().get_current_head()
    assert head is not None, "no migrations"
    return head


def _known_revisions() -> set[str]:
    return {script.revision for script in _script().walk_revisions()}


def _state(revision: str | None) -> SchemaState:
    if revision is None:
        return SchemaState.EMPTY
    if revision == code_revision():
        return SchemaState.CURRENT
    if revision in _known_revisions():
        return SchemaState.BEHIND
    return SchemaState.AHEAD


def _database_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _unreachable(engine: Engine, error: Exception) -> StoreError:
    first = str(error).splitlines()[0] if str(error) else ""
    return StoreError(
        f"Database niet bereikbaar ({engine.url.render_as_string()}): "
        f"{type(error).__name__}: {first}"
    )


def schema_version(engine: Engine) -> SchemaVersion:
    """Which version the database has against this VIK's; reads only, creates nothing."""
    path = sqlite_path(engine)
    if path is not None and not path.is_file():
        return SchemaVersion(None, code_revision(), SchemaState.MISSING)
    try:
        with engine.connect() as connection:
            revision = _database_revision(connection)
    except Exception as error:
        raise _unreachable(engine, error) from error
    return SchemaVersion(revision, code_revision(), _state(revision))


def schema_message(engine: Engine, version: SchemaVersion) -> str:
    """The Dutch message for a database this VIK cannot work on, or '' when it can."""
    where = engine.url.render_as_string()
    path = sqlite_path(engine)
    if version.state is SchemaState.MISSING:
        return (
            f"Er is geen database op {path} (databaseversie: geen; deze VIK: {version.code}). "
            f"Maak hem aan met `{UPGRADE_COMMAND}`, of wijs de bestaande aan met "
            "VIK_DATABASE_URL of --db."
        )
    if version.state is SchemaState.EMPTY:
        return (
            f"De database {where} is nog leeg (databaseversie: geen; deze VIK: {version.code}). "
            f"Maak de tabellen aan met `{UPGRADE_COMMAND}`."
        )
    if version.state is SchemaState.BEHIND:
        return (
            f"De database {where} heeft versie {version.database}; deze VIK verwacht versie "
            f"{version.code}. Maak een back-up en werk de database bij met "
            f"`{UPGRADE_COMMAND}`; `vik db status` toont de versies."
        )
    if version.state is SchemaState.AHEAD:
        return (
            f"De database {where} heeft versie {version.database}, nieuwer dan deze VIK kent "
            f"(versie {version.code}): een nieuwere VIK heeft hem bijgewerkt. Gebruik die "
            "VIK-versie (of een nieuwere); een oudere VIK kan er niet veilig mee werken. "
            "`vik db status` toont de versies."
        )
    return ""


def pending_migrations(version: SchemaVersion) -> list[tuple[str, str]]:
    """The migrations `vik db upgrade` would run, oldest first: (revision, what it does)."""
    if version.state not in (SchemaState.MISSING, SchemaState.EMPTY, SchemaState.BEHIND):
        return []
    scripts = _script().iterate_revisions(version.code, version.database or "base")
    return [(s.revision, (s.doc or "").strip()) for s in reversed(list(scripts))]


def require_current(engine: Engine) -> None:
    """Refuse (SchemaError) a database that is missing, empty, behind or ahead."""
    version = schema_version(engine)
    if version.state is not SchemaState.CURRENT:
        raise SchemaError(schema_message(engine, version))


def open_current(url: str) -> Engine:
    """An engine on a database at this VIK's version; creates nothing, migrates nothing."""
    engine = connect(url)
    require_current(engine)
    return engine


# --- migrations -----------------------------------------------------------------------------


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # configparser interpolates %: escape it (URLs carry %-encoded options).
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    return config


def advisory_key(connection: Connection, purpose: str) -> int:
    """A 64-bit advisory-lock key per purpose and schema: two VIK installations in two
    schemas of one database do not block each other."""
    schema = connection.execute(text("SELECT current_schema()")).scalar()
    digest = hashlib.sha256(f"vik:{purpose}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_schema(connection: Connection) -> None:
    """Hold the database's migration lock until the transaction ends.

    PostgreSQL: a transaction-level advisory lock (a second upgrade waits, then finds
    the schema current). SQLite: the database's own write lock, taken at once."""
    if connection.dialect.name == "postgresql":
        key = advisory_key(connection, "migrate")
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN EXCLUSIVE")


def migrate(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to `revision` (data is kept: every migration is additive or
    copies); returns the revision before and after. Concurrent calls are serialised."""
    path = sqlite_path(engine)
    if path is not None:
        private_dir(path.parent)
        private_file(path)  # SQLite gives its WAL and SHM files the database's mode
    config = alembic_config(engine)
    try:
        with engine.begin() as connection:
            _lock_schema(connection)
            before = _database_revision(connection)
            if _state(before) is SchemaState.AHEAD:
                raise SchemaError(
                    schema_message(
                        engine, SchemaVersion(before, code_revision(), SchemaState.AHEAD)
                    )
                )
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            after = _database_revision(connection)
    except VikError:
        raise
    except Exception as error:  # connection refused, permissions, ...
        raise StoreError(
            f"Database niet bereikbaar of niet bij te werken ({engine.url.render_as_string()}): "
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        ) from error
    return before, after


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
