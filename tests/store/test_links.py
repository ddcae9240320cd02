"""The link table follows each good run by a diff; judgements come back latest first."""

from __future__ import annotations

import polars as pl
from sqlmodel import select

from vik.resolve.links import LINKS_SCHEMA
from vik.store.db import connect, migrate, session_scope
from vik.store.links import load_judgements, load_links, sync_links
from vik.store.models import LinkJudgement


def links(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LINKS_SCHEMA, orient="row")


FIRST = [
    ("brp", "r1", "adres", "0307200000000001", 1.0, "nummeraanduiding_id", "zeker", None),
    ("brp", "r1", "persoon", "P1", 1.0, "bsn", "zeker", None),
    ("vergunningen", "V-1", "persoon", "P1", 0.71, "naam_geboortedatum", "mogelijk", "twijfel"),
    ("meldingen", "M-1", "adres", None, None, None, "geen", "adres niet te ontleden"),
]


def test_sync_writes_only_what_changed(database_url):
    engine = connect(database_url)
    migrate(engine)
    with session_scope(engine) as session:
        assert sync_links(session, links(FIRST), 1)["inserted"] == 4
    with session_scope(engine) as session:
        again = sync_links(session, links(FIRST), 2)
        assert again == {"inserted": 0, "changed": 0, "deleted": 0, "unchanged": 4}
    changed = [*FIRST[:2], (*FIRST[2][:4], 0.93, "oordeel", "zeker", None)]
    with session_scope(engine) as session:
        third = sync_links(session, links(changed), 3)
        assert third == {"inserted": 0, "changed": 1, "deleted": 1, "unchanged": 2}
    with session_scope(engine) as session:
        stored = load_links(session).sort("source", "record_key", "entity_type")
    assert stored.rows() == links(changed).sort("source", "record_key", "entity_type").rows()


def test_latest_judgement_wins(database_url):
    engine = connect(database_url)
    migrate(engine)
    with session_scope(engine) as session:
        session.add(
            LinkJudgement(
                source="vergunningen",
                record_key="V-1",
                entity_type="persoon",
                entity_id="P1",
                verdict="is",
                reason="a",
                by="x",
            )
        )
        session.flush()
        session.add(
            LinkJudgement(
                source="vergunningen",
                record_key="V-1",
                entity_type="persoon",
                entity_id="P1",
                verdict="is_niet",
                reason="b",
                by="y",
            )
        )
    with session_scope(engine) as session:
        judgements = load_judgements(session)
        assert judgements.select("record_key", "verdict").rows() == [("V-1", "is_niet")]
        assert len(session.exec(select(LinkJudgement)).all()) == 2


def test_confidences_are_stored_at_four_decimals_and_float_noise_is_no_change(database_url):
    engine = connect(database_url)
    migrate(engine)
    first = [("brp", "r1", "adres", "A", 0.123456789, "m", "zeker", None)]
    with session_scope(engine) as session:
        sync_links(session, links(first), 1)
    noisy = [(*first[0][:4], 0.12346, *first[0][5:])]
    with session_scope(engine) as session:
        assert sync_links(session, links(noisy), 2)["unchanged"] == 1
        assert load_links(session)["confidence"].to_list() == [0.1235]
