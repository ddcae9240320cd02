"""The night's steps as plain functions: resolve, evaluate, persist, purge.

vik.nightly runs them in order inside one run (its lock, its transaction, what a failure
leaves behind); vik/flows/nightly.py runs the same functions as Prefect tasks. Each takes the
previous step's result and nothing of the run's bookkeeping, so a step is also usable
outside a night: ``ingest_and_resolve`` extracts and resolves a folder for an export or
a dry-run without storing anything.

    >>> extracts, resolved = ingest_and_resolve(Path("var/demo/extracts"), Path("config"), key)
    >>> evaluation = evaluate_step(resolved, rules, date(2026, 11, 1), context)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlmodel import Session

from vik.connectors.config import load_sources_config
from vik.connectors.ingest import Extracts, ingest_extracts
from vik.connectors.pseudonyms import PseudonymKey
from vik.flags.entities import entity_details, reports_per_address
from vik.flags.priority import PriorityWeights
from vik.followup import FollowUp
from vik.lookup.settings import LookupSettings
from vik.resolve import Resolved, resolve_extracts
from vik.resolve.settings import ResolveSettings, load_resolve_settings
from vik.rules import Context, Evaluation, RuleSet, evaluate_rules
from vik.store.dossiers import open_flags_frame, refresh_dossiers
from vik.store.flags import persist_evaluation, record_rules
from vik.store.followup_retention import purge_followup
from vik.store.links import sync_links
from vik.store.models import Run, stored_id
from vik.store.reopen import reopen_flags
from vik.store.retention import purge, purge_leftovers

ACTOR = "nachtelijke run"


def resolve_step(
    extracts: Extracts, judgements: pl.DataFrame, settings: ResolveSettings | None = None
) -> Resolved:
    """Resolution with the thresholds of config/resolve.yaml (`settings`)."""
    return resolve_extracts(extracts.frames(), judgements=judgements, settings=settings)


def evaluate_step(
    resolved: Resolved, rules: RuleSet, peildatum: date, context: Context
) -> Evaluation:
    return evaluate_rules(rules, resolved.frames, peildatum, context)


def persist_step(
    session: Session,
    run: Run,
    extracts: Extracts,
    resolved: Resolved,
    evaluation: Evaluation,
    rules: RuleSet,
    weights: PriorityWeights,
) -> dict[str, Any]:
    record_rules(session, run, rules, evaluation)
    dates = {name: source.extract_date for name, source in extracts.items()}
    flag_counts = persist_evaluation(session, run, evaluation, rules, dates)
    # A "geen actie" that got worse tonight is back in that department's queue.
    flag_counts["opnieuw_te_beoordelen"] = reopen_flags(session, run, rules)
    link_counts = sync_links(session, resolved.links, stored_id(run))
    dossiers = _refresh_dossiers(session, run, weights, resolved)
    return {"flags": flag_counts, "links": link_counts, "dossiers": dossiers}


def _refresh_dossiers(
    session: Session, run: Run, weights: PriorityWeights, resolved: Resolved
) -> int:
    session.flush()
    keys = open_flags_frame(session).select("entity_type", "entity_key").unique()
    reports = reports_per_address(resolved.frames, run.peildatum, weights.meldingen.venster_dagen)
    details = entity_details(resolved.frames, keys)
    return refresh_dossiers(session, run, weights, reports, details)


def purge_step(
    session: Session,
    run: Run,
    weights: PriorityWeights,
    resolved: Resolved,
    followup: FollowUp,
    lookup: LookupSettings | None = None,
) -> dict[str, Any]:
    """Flags past their term per rule, then what only served them (ended snoozes,
    judgements on records no longer delivered), past their own terms the counts of
    deleted flags and the inzage requests, and LOO meetings, outcomes and decision
    snapshots: counts, keyed by rule id or kind."""
    lookup = lookup or LookupSettings()
    purged = purge(session, run.peildatum, actor=ACTOR)
    if purged:  # dossiers of purged flags go with them
        _refresh_dossiers(session, run, weights, resolved)
    leftovers = purge_leftovers(
        session,
        run.peildatum,
        actor=ACTOR,
        purged_flag_term=lookup.inzage.bewaartermijn_verwijderd,
        inzage_request_term=lookup.inzage.bewaartermijn_verzoek,
    )
    follow_up = purge_followup(session, run.peildatum, followup.bewaartermijnen, actor=ACTOR)
    return {**purged, **leftovers, **follow_up}


def ingest_and_resolve(
    extracts_dir: Path,
    config_dir: Path,
    key: PseudonymKey,
    *,
    judgements: pl.DataFrame | None = None,
    accept_shrink: Iterable[str] = ("all",),
) -> tuple[Extracts, Resolved]:
    """Extract and resolve a folder outside a run (exports, dry-runs): nothing is stored."""
    settings = load_resolve_settings(config_dir)
    extracts = ingest_extracts(
        extracts_dir, key, load_sources_config(config_dir), accept_shrink=accept_shrink
    )
    extracts.raise_for_errors()
    return extracts, resolve_step(
        extracts, judgements if judgements is not None else empty_judgements(), settings
    )


def empty_judgements() -> pl.DataFrame:
    from vik.store.links import JUDGEMENTS_SCHEMA

    return pl.DataFrame(schema=JUDGEMENTS_SCHEMA)
