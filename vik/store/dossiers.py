"""Keeping the dossier table equal to the fusion of open flags, with stable dossier ids.

>>> refresh_dossiers(session, run, weights, reports, details)
41

Outside a night (a purge after a failed night, or `vik purge`) there are no
extracts to take reports and details from: ``refresh_stored_dossiers`` rebuilds
from what the dossiers themselves hold.
"""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from vik.flags.dossiers import build_dossiers
from vik.flags.priority import PriorityWeights
from vik.store.models import Dossier, Flag, FlagStatus, Run, stored_id

DETAILS_SCHEMA = {
    "entity_type": pl.String,
    "entity_key": pl.String,
    "label": pl.String,
    "wijk": pl.String,
    "details": pl.String,  # JSON, person-level details only behind a stated purpose
}


def open_flags_frame(session: Session) -> pl.DataFrame:
    rows = session.exec(
        # sqlmodel's select() is typed for at most four columns; SQLAlchemy takes any number.
        select(  # type: ignore[call-overload]
            Flag.rule_id, Flag.entity_type, Flag.entity_key, Flag.severity, Flag.theme
        ).where(Flag.status == FlagStatus.OPEN)
    ).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema=dict.fromkeys(
            ["rule_id", "entity_type", "entity_key", "severity", "theme"], pl.String
        ),
        orient="row",
    )


def refresh_dossiers(
    session: Session,
    run: Run | None,
    weights: PriorityWeights,
    reports: pl.DataFrame,
    details: pl.DataFrame,
) -> int:
    """Recompute every dossier from the open flags; ids stay with their entity.

    Without a run (outside a night) a dossier keeps the run that last updated it."""
    session.flush()
    dossiers = build_dossiers(open_flags_frame(session), reports, weights)
    dossiers = dossiers.join(details, on=["entity_type", "entity_key"], how="left")
    current = {(d.entity_type, d.entity_key): d for d in session.exec(select(Dossier)).all()}
    keep = set()
    for row in dossiers.iter_rows(named=True):
        key = (row["entity_type"], row["entity_key"])
        keep.add(key)
        dossier = current.get(key) or Dossier(
            entity_type=key[0],
            entity_key=key[1],
            priority=0,
            label="",
            updated_run=(run.id or 0) if run else 0,
        )
        dossier.priority = row["priority"]
        dossier.breakdown = json.loads(row["breakdown"])
        dossier.rule_ids = row["rule_ids"]
        dossier.themes = row["themes"]
        dossier.reports = row["reports"]
        dossier.label = row["label"] or _fallback_label(*key)
        dossier.wijk = row["wijk"]
        # Details of a dossier are kept from an earlier night if tonight has none
        # (an entity whose flags are still open but who left tonight's extracts).
        if row["details"]:
            dossier.details = json.loads(row["details"])
        if run is not None:
            dossier.updated_run = stored_id(run)
        session.add(dossier)
    gone = [d.id for key, d in current.items() if key not in keep]
    if gone:
        session.execute(delete(Dossier).where(col(Dossier.id).in_(gone)))
    return len(keep)


def count_dossiers(session: Session) -> int:
    session.flush()
    return session.exec(select(func.count()).select_from(Dossier)).one()


def refresh_stored_dossiers(session: Session, weights: PriorityWeights) -> int:
    """Rebuild the dossiers from the open flags with the reports count, label and details
    the dossiers already hold: a dossier whose entity has no open flag left goes."""
    stored = session.exec(select(Dossier)).all()
    kept = pl.DataFrame(
        [
            (
                d.entity_type,
                d.entity_key,
                d.reports,
                d.label,
                d.wijk,
                json.dumps(d.details) if d.details else None,
            )
            for d in stored
        ],
        schema={
            "entity_type": pl.String,
            "entity_key": pl.String,
            "reports": pl.Int64,
            **{k: v for k, v in DETAILS_SCHEMA.items() if k not in ("entity_type", "entity_key")},
        },
        orient="row",
    )
    reports = (  # one row per report the dossier counted, as build_dossiers expects
        kept.filter(pl.col("reports") > 0)
        .select("entity_type", "entity_key", pl.int_ranges(0, "reports").alias("record_key"))
        .explode("record_key")
        .with_columns(pl.col("record_key").cast(pl.String))
    )
    return refresh_dossiers(session, None, weights, reports, kept.drop("reports"))


def _fallback_label(entity_type: str, entity_key: str) -> str:
    names = {"adres": "Adres", "persoon": "Persoon", "bedrijf": "Bedrijf"}
    return f"{names.get(entity_type, entity_type)} {entity_key[:10]}"
