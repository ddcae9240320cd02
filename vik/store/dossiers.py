"""Keeping the dossier table equal to the fusion of open flags, with stable dossier ids.

>>> refresh_dossiers(session, run, weights, reports, details)
41
"""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import delete
from sqlmodel import Session, select

from vik.flags.dossiers import build_dossiers
from vik.flags.priority import PriorityWeights
from vik.store.models import Dossier, Flag, Run

DETAILS_SCHEMA = {
    "entity_type": pl.String,
    "entity_key": pl.String,
    "label": pl.String,
    "wijk": pl.String,
    "details": pl.String,  # JSON, person-level details only behind a stated purpose
}


def open_flags_frame(session: Session) -> pl.DataFrame:
    rows = session.exec(
        select(Flag.rule_id, Flag.entity_type, Flag.entity_key, Flag.severity, Flag.theme).where(
            Flag.status == "open"
        )
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
    run: Run,
    weights: PriorityWeights,
    reports: pl.DataFrame,
    details: pl.DataFrame,
) -> int:
    """Recompute every dossier from the open flags; ids stay with their entity."""
    session.flush()
    dossiers = build_dossiers(open_flags_frame(session), reports, weights)
    dossiers = dossiers.join(details, on=["entity_type", "entity_key"], how="left")
    current = {(d.entity_type, d.entity_key): d for d in session.exec(select(Dossier)).all()}
    keep = set()
    for row in dossiers.iter_rows(named=True):
        key = (row["entity_type"], row["entity_key"])
        keep.add(key)
        dossier = current.get(key) or Dossier(
            entity_type=key[0], entity_key=key[1], priority=0, label="", updated_run=run.id
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
        dossier.updated_run = run.id
        session.add(dossier)
    gone = [d.id for key, d in current.items() if key not in keep]
    if gone:
        session.execute(delete(Dossier).where(Dossier.id.in_(gone)))  # type: ignore[union-attr]
    return len(keep)


def _fallback_label(entity_type: str, entity_key: str) -> str:
    names = {"adres": "Adres", "persoon": "Persoon", "bedrijf": "Bedrijf"}
    return f"{names.get(entity_type, entity_type)} {entity_key[:10]}"
