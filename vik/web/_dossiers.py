"""What the dossier page shows one department: its flags on the entity, their evidence and
rule versions, reviews and snoozes, and the links of the records those flags rest on.

    >>> view = load_dossier(session, rules, viewer_department="handhaving", dossier_id=4,
    ...                     weights=weights, today=date(2026, 11, 22))   # doctest: +SKIP
    >>> [f.flag.rule_id for f in view.flags]
    ['overbewoning', 'overbewoning-per-persoon']

Links shown are limited to what the department's rules read: for each evidence
record, its links to the kinds of entity the rule reads from that source; and
possible (``mogelijk``) links of other records to this entity, from sources and
links the department's rules read. A record of a source none of its rules read
(belastingen for handhaving, say) never appears.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from vik.connectors.model import ENTITIES, EntityType
from vik.flags.priority import PriorityWeights
from vik.resolve.links import LinkStatus
from vik.store.models import (
    DecisionSnapshot,
    Dossier,
    Flag,
    FlagDecision,
    FlagEvidence,
    FlagStatus,
    Link,
    LinkJudgement,
    Outcome,
    Review,
    Snooze,
    stored_id,
)
from vik.store.outcomes import outcomes_of
from vik.store.reviews import active_departments, decisions_of
from vik.store.snapshots import snapshots_of_reviews
from vik.web._queue import PriorityLine, active_snoozes, visible_priority
from vik.web._visibility import (
    RuleText,
    involvement_circles,
    may_know_involvement,
    rule_of,
    visible,
    visible_clause,
)

ENTITY_NAMES = {"adres": "Adres", "persoon": "Persoon", "bedrijf": "Bedrijf"}


@dataclass
class FlagView:
    """One flag as one department sees it: its own decision, history, snooze and outcomes,
    and of other departments at most that they act on it (where betrokkenheid allows)."""

    flag: Flag
    rule: RuleText | None
    evidence: list[FlagEvidence] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)  # this department's history
    snooze: Snooze | None = None
    decision: FlagDecision | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    snapshots: dict[int, DecisionSnapshot] = field(default_factory=dict)  # by review id
    involved: list[str] = field(default_factory=list)  # other departments acting on it

    @property
    def decided(self) -> str | None:
        return self.decision.decision if self.decision else None

    @property
    def trial(self) -> bool:
        """A flag of a proef rule: it needs an outcome."""
        return bool(self.rule and self.rule.proef)


@dataclass
class LinkView:
    link: Link
    entity_label: str
    this_dossier: bool
    judgement: LinkJudgement | None = None

    @property
    def judgeable(self) -> bool:
        return self.link.status == LinkStatus.MOGELIJK and bool(self.link.entity_id)


@dataclass
class DossierView:
    dossier: Dossier
    flags: list[FlagView]
    priority: float
    lines: list[PriorityLine]
    links: list[LinkView]
    themes: list[str]

    @property
    def is_person(self) -> bool:
        return self.dossier.entity_type == EntityType.PERSOON


def entity_label(flag_entity_type: str, entity_id: str | None) -> str:
    """A short neutral label for an entity that is not this dossier (never a name)."""
    if not entity_id:
        return "geen"
    return f"{ENTITY_NAMES.get(flag_entity_type, flag_entity_type)} {entity_id[:8]}"


def visible_flags(
    session: Session,
    rules: dict[tuple[str, str], RuleText],
    department: str | None,
    entity_type: str,
    entity_key: str,
) -> list[Flag]:
    flags = session.exec(
        select(Flag).where(
            Flag.entity_type == entity_type,
            Flag.entity_key == entity_key,
            visible_clause(rules, department),
        )
    ).all()
    # The SQL clause and the Python test must agree; the Python one is the reference.
    return [f for f in flags if visible(f, rules, department)]


def find_dossier_of(session: Session, flag: Flag) -> Dossier | None:
    return session.exec(
        select(Dossier).where(
            Dossier.entity_type == flag.entity_type, Dossier.entity_key == flag.entity_key
        )
    ).first()


def flag_views(
    session: Session,
    flags: list[Flag],
    rules: dict[tuple[str, str], RuleText],
    today: date,
    department: str | None,
) -> list[FlagView]:
    ids = [f.id for f in flags]
    evidence: dict[int, list[FlagEvidence]] = defaultdict(list)
    reviews: dict[int, list[Review]] = defaultdict(list)
    if ids:
        for row in session.exec(
            select(FlagEvidence)
            .where(col(FlagEvidence.flag_id).in_(ids))
            .order_by(FlagEvidence.source, FlagEvidence.record_key)
        ).all():
            evidence[row.flag_id].append(row)
    if ids and department:
        for review in session.exec(
            select(Review)
            .where(col(Review.flag_id).in_(ids), Review.department == department)
            .order_by(col(Review.at), col(Review.id))
        ).all():
            reviews[review.flag_id].append(review)
    snoozes = active_snoozes(session, flags, today, department)
    decisions = decisions_of(session, ids, department)
    outcomes = outcomes_of(session, [i for i in ids if i is not None], department or "")
    snapshots = snapshots_of_reviews(
        session, [stored_id(r) for rows in reviews.values() for r in rows]
    )
    circles = involvement_circles(rules)
    acting = active_departments(session, ids)
    views = [
        FlagView(
            f,
            rule_of(f, rules),
            evidence[stored_id(f)],
            reviews[stored_id(f)],
            snoozes.get(stored_id(f)),
            decisions.get(f.id or 0),
            outcomes.get(f.id or 0, []),
            {
                stored_id(r): snapshots[stored_id(r)]
                for r in reviews[stored_id(f)]
                if stored_id(r) in snapshots
            },
            sorted(
                other
                for other in acting.get(f.id or 0, set())
                if other != department and may_know_involvement(circles, department, other)
            ),
        )
        for f in flags
    ]
    views.sort(key=lambda v: (v.flag.status != FlagStatus.OPEN, v.flag.rule_id, v.flag.id))
    return views


def dossier_links(
    session: Session, dossier: Dossier, views: list[FlagView], department: str | None
) -> list[LinkView]:
    """Links of the evidence records the rules read, and possible links to this entity;
    only of records from sources the department's own rules' doelbinding covers (a
    judgement steers the matcher for everyone, so no department judges another's data)."""
    this_type = dossier.entity_type
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)  # record → entity types
    readable: set[tuple[str, str]] = set()  # (source, entity type) some rule reads
    for view in views:
        if view.rule is None:
            continue
        covered = view.rule.sources_for(department)
        for ref in view.rule.inputs:
            source = ref.split(".", 1)[0]
            for entity_type in ENTITIES:
                if source in covered and view.rule.reads_entity(source, entity_type):
                    readable.add((source, entity_type))
        for item in view.evidence:
            for entity_type in ENTITIES:
                if item.source in covered and view.rule.reads_entity(item.source, entity_type):
                    wanted[(item.source, item.record_key)].add(entity_type)
    links: list[Link] = []
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = session.exec(
            select(Link).where(
                col(Link.record_key).in_({k for _, k in chunk}),
                col(Link.source).in_({s for s, _ in chunk}),
            )
        ).all()
        links.extend(r for r in rows if r.entity_type in wanted.get((r.source, r.record_key), ()))
    possible = session.exec(
        select(Link).where(
            Link.entity_type == this_type,
            Link.entity_id == dossier.entity_key,
            Link.status == LinkStatus.MOGELIJK,
        )
    ).all()
    seen = {link.id for link in links}
    links.extend(p for p in possible if (p.source, p.entity_type) in readable and p.id not in seen)
    judgements = latest_judgements(session, links)
    result = [
        LinkView(
            link=link,
            entity_label=(
                "dit dossier"
                if link.entity_type == this_type and link.entity_id == dossier.entity_key
                else entity_label(link.entity_type, link.entity_id)
            ),
            this_dossier=link.entity_type == this_type and link.entity_id == dossier.entity_key,
            judgement=judgements.get(
                (link.source, link.record_key, link.entity_type, link.entity_id or "")
            ),
        )
        for link in links
    ]
    order = {LinkStatus.MOGELIJK: 0, LinkStatus.ZEKER: 1, LinkStatus.GEEN: 2}
    result.sort(
        key=lambda v: (
            order.get(v.link.status, 3),
            v.link.source,
            v.link.record_key,
            v.link.entity_type,
        )
    )
    return result


def latest_judgements(
    session: Session, links: list[Link]
) -> dict[tuple[str, str, str, str], LinkJudgement]:
    records = {
        (link.source, link.record_key) for link in links if link.status == LinkStatus.MOGELIJK
    }
    if not records:
        return {}
    rows = session.exec(
        select(LinkJudgement)
        .where(col(LinkJudgement.record_key).in_({k for _, k in records}))
        .order_by(col(LinkJudgement.at), col(LinkJudgement.id))
    ).all()
    return {(j.source, j.record_key, j.entity_type, j.entity_id): j for j in rows}


def load_dossier(
    session: Session,
    rules: dict[tuple[str, str], RuleText],
    department: str | None,
    dossier_id: int,
    weights: PriorityWeights,
    today: date,
) -> DossierView | None:
    """The dossier as this department may see it, or None (not there, or nothing visible)."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        return None
    flags = visible_flags(session, rules, department, dossier.entity_type, dossier.entity_key)
    if not flags:
        return None
    views = flag_views(session, flags, rules, today, department)
    themes = {v.flag.rule_id: v.flag.theme for v in views if v.flag.status == FlagStatus.OPEN}
    priority, lines = visible_priority(dossier.breakdown, themes, weights)
    return DossierView(
        dossier=dossier,
        flags=views,
        priority=priority,
        lines=lines,
        links=dossier_links(session, dossier, views, department),
        themes=sorted(set(themes.values())),
    )


def load_flag(
    session: Session, rules: dict[tuple[str, str], RuleText], department: str | None, flag_id: int
) -> Flag | None:
    flag = session.get(Flag, flag_id)
    if flag is None or not visible(flag, rules, department):
        return None
    return flag


def link_in_dossier(view: DossierView, link_id: int) -> Link | None:
    return next((v.link for v in view.links if v.link.id == link_id), None)
