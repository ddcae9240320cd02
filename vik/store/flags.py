"""Persisting a night's evaluation: rule versions, evaluations, flags and their evidence.

Idempotent: the same extracts and rules give the same flags, not new ones. A
flag is identified by rule, entity and (for betrokkenheid) department; it keeps
first_seen and gets last_seen each night it still holds. A flag of a rule that
ran but no longer raises it becomes ``vervallen``, keeping its reviews; a flag
of a rule that did not run is left alone (not evaluated is not "no longer true").

    >>> counts = persist_evaluation(session, run, evaluation, rules, extract_dates)
    >>> counts
    {'nieuw': 3, 'bevestigd': 120, 'heropend': 0, 'vervallen': 2, 'open': 123}
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from vik.rules import Evaluation, RuleSet
from vik.rules.loader import LoadedRule
from vik.rules.model import Status
from vik.store.approvals import store_version
from vik.store.audit import record
from vik.store.bulk import write_frame
from vik.store.models import (
    Flag,
    FlagEvidence,
    FlagStatus,
    RuleApproval,
    RuleEvaluation,
    Run,
    stored_id,
)

IDENTITY = ["rule_id", "entity_type", "entity_key", "department"]
# Why the open flags of a withdrawn or expired rule were closed (Flag.closed_reason).
RULE_ENDED = "regel beëindigd"


def ended_rules(rules: RuleSet, peildatum: date) -> dict[str, str]:
    """Rules that ended: withdrawn (status ingetrokken) or past their herbeoordeling, why."""
    ended = {}
    for loaded in rules.valid:
        rule = loaded.rule
        review = rule.doelbinding.herbeoordeling
        if rule.status is Status.INGETROKKEN:
            ended[rule.id] = "ingetrokken"
        elif review is not None and review < peildatum:
            ended[rule.id] = f"herbeoordeling verlopen ({review.isoformat()})"
    return ended


def close_flags_of_ended_rules(
    session: Session, rules: RuleSet, peildatum: date, actor: str
) -> dict[str, int]:
    """Close the open flags of ended rules as "regel beëindigd" (their retention runs from
    tonight, vik.store.retention); decided flags keep their reviews. Counts per rule."""
    ended = ended_rules(rules, peildatum)
    if not ended:
        return {}
    flags = session.exec(
        select(Flag).where(Flag.status == FlagStatus.OPEN, col(Flag.rule_id).in_(list(ended)))
    ).all()
    counts: dict[str, int] = {}
    for flag in flags:
        flag.status, flag.vervallen_on, flag.closed_reason = (
            FlagStatus.VERVALLEN,
            peildatum,
            RULE_ENDED,
        )
        session.add(flag)
        counts[flag.rule_id] = counts.get(flag.rule_id, 0) + 1
    if counts:
        record(
            session,
            actor=actor,
            action="signalen_regel_beeindigd",
            object_type="flag",
            details={"per_regel": counts, "reden": {r: ended[r] for r in counts}},
        )
    return counts


def record_rules(session: Session, run: Run, rules: RuleSet, evaluation: Evaluation) -> None:
    """Every loaded rule version (with its exact text) and what each rule did this run."""
    ran = {o.rule_id for o in evaluation.outcomes if o.ran}
    approvals = {
        (a.rule_id, a.content_hash): a
        for a in session.exec(select(RuleApproval).where(RuleApproval.scope == "regel")).all()
    }
    for loaded in rules.valid:
        rule = loaded.rule
        version = store_version(session, loaded)
        version.first_seen_run = version.first_seen_run or run.id
        approval = approvals.get((rule.id, loaded.content_hash))
        if approval is not None:
            version.approved_by, version.approved_on = approval.approver_name, approval.approved_on
        version.last_seen_run = run.id
        if rule.id in ran:
            version.first_active_run = version.first_active_run or run.id
            version.last_active_run = run.id
        session.add(version)
    for outcome in evaluation.outcomes:
        session.add(
            RuleEvaluation(
                run_id=stored_id(run),
                rule_id=outcome.rule_id,
                version=outcome.version,
                content_hash=outcome.content_hash,
                ran=outcome.ran,
                reasons=outcome.reasons,
                columns_read=outcome.columns_read,
                rows_in=outcome.rows_in,
                hits=outcome.hits.height,
                undecided=outcome.undecided.height,
                unlinked=outcome.unlinked,
                seconds=round(outcome.seconds, 3),
            )
        )


def _rule_meta(loaded: LoadedRule) -> dict[str, Any]:
    rule = loaded.rule
    return {
        "rule_version": rule.version,
        "rule_hash": loaded.content_hash,
        "severity": rule.severity.value,
        "theme": rule.theme,
        "recipients": list(rule.recipients),
        "bewaartermijn": rule.doelbinding.bewaartermijn,
        "bewaartermijn_aanvang": (
            rule.doelbinding.bewaartermijn_aanvang.value
            if rule.doelbinding.bewaartermijn_aanvang
            else None
        ),
    }


def _recipients(hit: dict[str, Any], rule_meta: dict[str, Any]) -> list[str]:
    """A betrokkenheid flag goes to its one department; any other to the rule's ontvangers."""
    return [hit["department"]] if hit["department"] else rule_meta["recipients"]


def persist_evaluation(
    session: Session,
    run: Run,
    evaluation: Evaluation,
    rules: RuleSet,
    extract_dates: dict[str, date | None],
) -> dict[str, int]:
    """Upsert the night's hits as flags and mark flags that no longer hold as vervallen."""
    peildatum = run.peildatum
    ran = [o.rule_id for o in evaluation.outcomes if o.ran]
    hits = evaluation.hits().with_columns(pl.col("department").fill_null(""))
    existing_rows = session.exec(
        # sqlmodel's select() is typed for at most four columns; SQLAlchemy takes any number.
        select(  # type: ignore[call-overload]
            Flag.id,
            Flag.rule_id,
            Flag.entity_type,
            Flag.entity_key,
            Flag.department,
            Flag.status,
        ).where(col(Flag.rule_id).in_(ran))
    ).all()
    existing = pl.DataFrame(
        [tuple(row) for row in existing_rows],
        schema={"id": pl.Int64, **dict.fromkeys(IDENTITY, pl.String), "status": pl.String},
        orient="row",
    )
    matched = hits.join(existing, on=IDENTITY, how="left")
    counts = {"nieuw": 0, "bevestigd": 0, "heropend": 0, "vervallen": 0}
    meta = {loaded.id: _rule_meta(loaded) for loaded in rules.valid}

    new_flags = []
    for row in matched.filter(pl.col("id").is_null()).iter_rows(named=True):
        rule_meta = meta[row["rule_id"]]
        recipients = _recipients(row, rule_meta)
        new_flags.append(
            Flag(
                rule_id=row["rule_id"],
                entity_type=row["entity_type"],
                entity_key=row["entity_key"],
                department=row["department"],
                status=FlagStatus.OPEN,
                values=json.loads(row["values"]),
                explanation=row["explanation"],
                first_seen_run=stored_id(run),
                last_seen_run=stored_id(run),
                first_seen_on=peildatum,
                last_seen_on=peildatum,
                **{**rule_meta, "recipients": recipients},
            )
        )
    session.add_all(new_flags)
    session.flush()
    counts["nieuw"] = len(new_flags)

    seen = matched.filter(pl.col("id").is_not_null())
    counts["heropend"] = seen.filter(pl.col("status") == FlagStatus.VERVALLEN.value).height
    counts["bevestigd"] = seen.height - counts["heropend"]
    updates = [
        {
            "id": row["id"],
            "status": FlagStatus.OPEN.value,
            "vervallen_on": None,
            "closed_reason": None,
            "values": json.loads(row["values"]),
            "explanation": row["explanation"],
            "last_seen_run": run.id,
            "last_seen_on": peildatum,
            # The rule version that raised it tonight decides who receives it.
            **meta[row["rule_id"]],
            "recipients": _recipients(row, meta[row["rule_id"]]),
        }
        for row in seen.iter_rows(named=True)
    ]
    if updates:
        session.execute(update(Flag), updates)

    stale = existing.join(hits.select(IDENTITY), on=IDENTITY, how="anti").filter(
        pl.col("status") == FlagStatus.OPEN.value
    )
    if stale.height:
        session.execute(
            update(Flag)
            .where(col(Flag.id).in_(stale["id"].to_list()))
            .values(status=FlagStatus.VERVALLEN, vervallen_on=peildatum)
        )
    counts["vervallen"] = stale.height
    ended = close_flags_of_ended_rules(session, rules, peildatum, actor="nachtelijke run")
    if ended:
        counts["regel_beeindigd"] = sum(ended.values())

    # Evidence is rewritten for every flag seen tonight: it is tonight's evidence.
    ids = pl.DataFrame(
        {
            **{c: [getattr(f, c) for f in new_flags] for c in IDENTITY},
            "flag_id": [f.id for f in new_flags],
        },
        schema={**dict.fromkeys(IDENTITY, pl.String), "flag_id": pl.Int64},
    )
    ids = pl.concat([ids, seen.select(*IDENTITY, pl.col("id").alias("flag_id"))])
    if seen.height:
        session.execute(
            delete(FlagEvidence).where(col(FlagEvidence.flag_id).in_(seen["id"].to_list()))
        )
    evidence = (
        hits.join(ids, on=IDENTITY)
        .select("flag_id", "evidence")
        .explode("evidence")
        .unnest("evidence")
        .rename({"confidence": "link_confidence", "method": "link_method"})
    )
    dates = pl.DataFrame(
        {"source": list(extract_dates), "extract_date": list(extract_dates.values())},
        schema={"source": pl.String, "extract_date": pl.Date},
    )
    evidence = evidence.join(dates, on="source", how="left").select(
        "flag_id", "source", "record_key", "extract_date", "link_confidence", "link_method"
    )
    write_frame(session, "flag_evidence", evidence)
    counts["open"] = count_open_flags(session)
    return counts


def count_open_flags(session: Session) -> int:
    session.flush()
    return session.exec(
        select(func.count()).select_from(Flag).where(Flag.status == FlagStatus.OPEN)
    ).one()
