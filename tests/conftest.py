"""Shared fixtures: the pseudonym key, and a database per test on SQLite and PostgreSQL.

Every test that takes ``database_url`` runs twice: on a fresh SQLite file, and on
the real PostgreSQL server named by VIK_TEST_DATABASE_URL in a schema of its own
(dropped afterwards). Without that variable the PostgreSQL half is skipped with a
message that says how to run it; .ci/run sets it.

``database_url`` is migrated to this VIK's version (as `vik db upgrade` does:
no other command migrates); ``empty_database_url`` is not (no file, no tables),
for the tests of migrations themselves. ``upgraded(url)`` migrates any URL.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.extracts import TEST_KEY
from vik.connectors.pseudonyms import PseudonymKey

if TYPE_CHECKING:
    from tests.wheel import Preparation

POSTGRES_ENV = "VIK_TEST_DATABASE_URL"
WHEEL_PREPARATION: pytest.StashKey[Preparation] = pytest.StashKey()


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_modifyitems(config, items) -> None:
    """A session with the clean-install test starts building and installing the wheel now,
    in a process of its own, so that the other tests run while pip works."""
    if any(item.get_closest_marker("install") for item in items):
        from tests.wheel import Preparation

        base = Path(tempfile.mkdtemp(prefix="vik-wheel-"))
        config.stash[WHEEL_PREPARATION] = Preparation.start(base)


def pytest_unconfigure(config) -> None:
    preparation = config.stash.get(WHEEL_PREPARATION, None)
    if preparation is not None:
        preparation.discard()


@pytest.fixture(autouse=True)
def _vik_log_handlers() -> Iterator[None]:
    """A command run in-process attaches VIK's log handlers; they go with the test, so
    no later test writes into its log file."""
    yield
    from vik.logs import detach_logging

    detach_logging()


@pytest.fixture
def key() -> PseudonymKey:
    return PseudonymKey(TEST_KEY)


def _postgres_schema_url(base: str) -> Iterator[str]:
    import psycopg

    from vik.store.db import normalise_url

    schema = f"vik_test_{uuid.uuid4().hex[:12]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as error:
        pytest.skip(
            f"PostgreSQL op {base} niet bereikbaar ({error}); PostgreSQL-tests overgeslagen"
        )
    separator = "&" if "?" in base else "?"
    yield normalise_url(base) + f"{separator}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def upgraded(url: str) -> str:
    """The database at `url`, created or upgraded to this VIK's version."""
    from vik.store.db import connect, migrate

    engine = connect(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture
def database_url(empty_database_url) -> str:
    return upgraded(empty_database_url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vik.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL-tests overgeslagen: zet {POSTGRES_ENV}, bijvoorbeeld "
            "postgresql://postgres@127.0.0.1:5432/test (.ci/run doet dat)"
        )
    yield from _postgres_schema_url(base)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Only the PostgreSQL half of ``database_url`` (upgraded), for what only it has."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL-tests overgeslagen: zet {POSTGRES_ENV} (.ci/run doet dat)")
    for url in _postgres_schema_url(base):
        yield upgraded(url)


@pytest.fixture(scope="session")
def demo_extracts(tmp_path_factory) -> Path:
    """A small demo municipality (extracts + truth/), generated once per session."""
    from tests.demo_data import generate

    return generate(tmp_path_factory.mktemp("demo") / "extracts")


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One Prefect test server for the whole session, with its own PREFECT_HOME."""
    home = tmp_path_factory.mktemp("prefect-home")
    previous = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
    if previous is None:
        os.environ.pop("PREFECT_HOME", None)
    else:
        os.environ["PREFECT_HOME"] = previous


class CollectedLogs(logging.Handler):
    """Every record of VIK's and Prefect's loggers (and the root's), formatted.

    Prefect reconfigures logging when a run starts, which detaches pytest's caplog."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(self.format(r) for r in self.records)


@pytest.fixture
def logged() -> Iterator[CollectedLogs]:
    handler = CollectedLogs()
    loggers = [logging.getLogger(name) for name in ("", "vik", "prefect")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def alert_sinks():
    """A real SMTP server and a real webhook receiver; `.urls` is VIK_ALERT_URLS for both."""
    from tests.alert_sinks import AlertSinks

    with AlertSinks() as sinks:
        yield sinks
