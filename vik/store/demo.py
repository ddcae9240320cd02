"""The demo's own database: `vik demo run` works only in a database it made itself.

    >>> claim_for_demo(engine, extracts_dir="var/demo/extracts")   # doctest: +SKIP
    'nieuw'

The demo runs on synthetic extracts and gives its accounts published passwords
(name + "-demo"). Pointed by mistake at a real database (VIK_DATABASE_URL set for
production), it would write synthetic flags there and re-enable disabled accounts
with those passwords. So a database is the demo's only when it is empty when the
demo first meets it, and the demo then marks it (``demo_marker``); any other
database is refused before anything is written.

A demo database made before the marker existed is recognised, and marked, only when
every run in it read the demo's extracts and every account in it is a demo account.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from vik.errors import UserError
from vik.store.db import migrate, session_scope
from vik.store.models import DemoMarker


class NotADemoDatabase(UserError):
    """The demo was pointed at a database it did not make."""


def is_demo(session: Session) -> bool:
    return session.exec(select(DemoMarker)).first() is not None


def require_demo(session: Session) -> None:
    """Raise NotADemoDatabase unless this database is marked as the demo's."""
    if not is_demo(session):
        raise NotADemoDatabase(
            "Deze database is niet door `vik demo run` gemaakt. Demo-accounts (met openbare "
            "wachtwoorden) komen alleen in een database die de demo zelf heeft aangemaakt."
        )


def claim_for_demo(engine: Engine, extracts_dir: str, demo_usernames: Collection[str] = ()) -> str:
    """Make sure `engine` is the demo's database before the demo writes anything.

    Returns "nieuw" (empty, or upgraded but holding no run or account: migrated and
    marked now), "demo" (marked before) or
    "oude demo" (an unmarked database that only ever held the demo: marked now);
    raises NotADemoDatabase for anything else, without changing it."""
    tables = set(inspect(engine).get_table_names())
    if "demo_marker" in tables and _has_marker(engine):
        state = "demo"
    elif not tables or _holds_nothing(engine, tables):
        state = "nieuw"
    elif _only_ever_the_demo(engine, tables, extracts_dir, demo_usernames):
        state = "oude demo"
    else:
        raise NotADemoDatabase(
            f"De demo draait niet op {engine.url.render_as_string()}: die database is niet "
            "door `vik demo run` gemaakt en bevat al andere gegevens. De demo zou er "
            "synthetische signalen in schrijven en accounts met openbare wachtwoorden "
            "inschakelen. Gebruik voor de demo een eigen, lege database: zet VIK_DATA_DIR "
            "op een nieuwe map (SQLite) of VIK_DATABASE_URL op een lege database."
        )
    migrate(engine)
    if state != "demo":
        with session_scope(engine) as session:
            session.add(DemoMarker(extracts_dir=extracts_dir))
    return state


def _has_marker(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1 FROM demo_marker")).first() is not None


def _holds_nothing(engine: Engine, tables: set[str]) -> bool:
    """A database `vik db upgrade` just created: its tables exist, but it holds no run
    and no account, so there is nothing the demo could damage."""
    if not {"run", "web_user"} <= tables:
        return False
    with engine.connect() as connection:
        return not any(
            connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first()
            for table in ("run", "web_user")
        )


def _only_ever_the_demo(
    engine: Engine, tables: set[str], extracts_dir: str, demo_usernames: Collection[str]
) -> bool:
    if not {"run", "web_user"} <= tables:
        return False
    with engine.connect() as connection:
        folders = {row[0] for row in connection.execute(text("SELECT extracts_dir FROM run"))}
        users = {row[0] for row in connection.execute(text("SELECT username FROM web_user"))}
    demo = Path(extracts_dir).resolve()
    return (
        bool(folders)
        and all(Path(folder).resolve() == demo for folder in folders)
        and users <= set(demo_usernames)
    )
