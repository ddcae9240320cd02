"""The rule register for the compliance officer: every rule, its versions and what it did.

    >>> entries = rule_register(session, config_dir, context, today)   # doctest: +SKIP
    >>> detail = rule_detail(session, "overbewoning", config_dir, context, today)  # doctest: +SKIP
    >>> detail.entry.feedback.total.precision, detail.entry.feedback.total.judged
    (0.75, 4)

Rules come from two places: the versions stored by the nightly runs (with their
exact text, approval and the runs in which they were active) and today's rule
files (which may not have run yet, or may not be allowed to). Practice per rule:
hits and onbeslist per night; the triage (how often departments passed a signal on:
not whether it was right); the feedback from outcomes (vik.store.feedback: precision
with its Wilson interval and count, per version, wijk and quarter); for a proef rule
whether its promotion criterion is met; and where its hits fall per wijk against
where the dwellings are, so a rule that lands on one neighbourhood stands out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import and_
from sqlmodel import Session, col, select

from vik.rules import Context, LoadedRule, load_rules, night_gate, rule_warnings
from vik.rules.approvals import RecordedApproval, Scope
from vik.store.approvals import load_approvals
from vik.store.feedback import Promotion, RuleFeedback, Triage, promotion, rule_feedback, triage
from vik.store.models import Dossier, Flag, FlagStatus, RuleEvaluation, RuleVersion, Run, stored_id
from vik.store.runs import last_good_run
from vik.web._visibility import RuleText, parse_rule_text

# A wijk stands out when it holds at least MIN_HITS of a rule's hits and its share of
# the hits is at least CONCENTRATION times its share of the dwellings.
CONCENTRATION = 2.0
MIN_HITS = 3


@dataclass
class VersionRow:
    version: RuleVersion
    decision: str | None
    first_active: date | None
    last_active: date | None
    first_seen: date | None
    last_seen: date | None


@dataclass
class NightRow:
    run_id: int
    peildatum: date
    version: int | None
    ran: bool
    hits: int
    undecided: int
    reasons: list[str]


@dataclass
class WijkRow:
    wijk: str
    hits: int
    hit_share: float
    dwellings: int
    dwelling_share: float
    stands_out: bool

    @property
    def ratio(self) -> float | None:
        return self.hit_share / self.dwelling_share if self.dwelling_share else None


@dataclass
class RuleEntry:
    rule_id: str
    rule: RuleText | None  # today's file if valid, else the newest stored version
    invalid: str | None = None
    from_file: bool = False
    gate: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    content_hash: str | None = None  # of today's file
    approval: RecordedApproval | None = None  # of today's file's content
    approved: RecordedApproval | None = None  # the latest approved version (any content)
    profiling: RecordedApproval | None = None  # the FG's approval of today's exception
    has_exception: bool = False
    versions: list[VersionRow] = field(default_factory=list)
    last_night: NightRow | None = None
    triage: Triage = field(default_factory=Triage)
    feedback: RuleFeedback | None = None
    promotion: Promotion | None = None  # a proef rule: its declared criterion, and the count
    wijken: list[WijkRow] = field(default_factory=list)

    @property
    def stands_out(self) -> bool:
        return any(row.stands_out for row in self.wijken)

    @property
    def title(self) -> str:
        return self.rule.title if self.rule else self.rule_id

    @property
    def status(self) -> str:
        return str(self.rule.data.get("status", "")) if self.rule else ""

    @property
    def may_run(self) -> bool:
        return self.from_file and not self.gate and not self.invalid

    @property
    def pending(self) -> bool:
        """Today's file has content nobody approved yet: a version waiting for approval."""
        return self.from_file and self.approval is None

    @property
    def profiling_pending(self) -> bool:
        return self.from_file and self.has_exception and self.profiling is None

    @property
    def author(self) -> str:
        return str(self.rule.data.get("author", "")) if self.rule else ""


@dataclass
class RuleDetail:
    entry: RuleEntry
    nights: list[NightRow]
    text: str | None
    dwellings_run: int | None


def wijk_spread(
    hits: Mapping[str | None, int],
    dwellings: Mapping[str, int],
    concentration: float = CONCENTRATION,
    min_hits: int = MIN_HITS,
) -> list[WijkRow]:
    """Per wijk: hits and dwellings, as counts and shares; where the hits pile up stands out."""
    total_hits = sum(hits.values())
    total_dwellings = sum(dwellings.values())
    rows = []
    for wijk in sorted(set(dwellings) | {w for w in hits if w}):
        count = hits.get(wijk, 0)
        hit_share = count / total_hits if total_hits else 0.0
        dwelling_share = dwellings.get(wijk, 0) / total_dwellings if total_dwellings else 0.0
        rows.append(
            WijkRow(
                wijk=wijk,
                hits=count,
                hit_share=hit_share,
                dwellings=dwellings.get(wijk, 0),
                dwelling_share=dwelling_share,
                stands_out=count >= min_hits and hit_share >= concentration * dwelling_share,
            )
        )
    if hits.get(None):
        rows.append(WijkRow("onbekend", hits[None], hits[None] / total_hits, 0, 0.0, False))
    return rows


def _run_dates(session: Session) -> dict[int, date]:
    return {stored_id(r): r.peildatum for r in session.exec(select(Run)).all()}


def _hits_per_wijk(session: Session) -> dict[str, Counter[str | None]]:
    rows = session.exec(
        select(Flag.rule_id, Flag.entity_type, Flag.entity_key, Dossier.wijk)
        .join(
            Dossier,
            and_(
                col(Dossier.entity_type) == Flag.entity_type,
                col(Dossier.entity_key) == Flag.entity_key,
            ),
            isouter=True,
        )
        .where(Flag.status == FlagStatus.OPEN)
        .distinct()
    ).all()
    result: dict[str, Counter[str | None]] = defaultdict(Counter)
    for rule_id, _, _, wijk in rows:
        result[rule_id][wijk] += 1
    return result


def _nights(session: Session, rule_id: str | None = None, limit: int = 400) -> list[NightRow]:
    query = select(RuleEvaluation, col(Run.peildatum)).join(
        Run, col(Run.id) == RuleEvaluation.run_id
    )
    if rule_id is not None:
        query = query.where(RuleEvaluation.rule_id == rule_id)
    rows = session.exec(query.order_by(col(RuleEvaluation.run_id).desc()).limit(limit)).all()
    return [
        NightRow(e.run_id, day, e.version, e.ran, e.hits, e.undecided, list(e.reasons or []))
        for e, day in rows
    ]


def rule_register(
    session: Session, config_dir: Path, context: Context, today: date
) -> list[RuleEntry]:
    approvals = load_approvals(session)
    context = replace(context, approvals=approvals)
    rules = load_rules(config_dir / "rules", context)
    files: dict[str, LoadedRule] = {loaded.id: loaded for loaded in rules.valid}
    besluiten = {(a.rule_id, a.content_hash): a.besluit for a in approvals.records}
    stored: dict[str, list[RuleVersion]] = defaultdict(list)
    for version in session.exec(
        select(RuleVersion).order_by(
            col(RuleVersion.rule_id), col(RuleVersion.version), col(RuleVersion.id)
        )
    ).all():
        stored[version.rule_id].append(version)
    runs = _run_dates(session)
    good = last_good_run(session)
    dwellings = (good.wijk_counts or {}) if good else {}
    hits = _hits_per_wijk(session)
    triages = triage(session)
    feedback = rule_feedback(session)
    last_nights: dict[str, NightRow] = {}
    if good is not None:
        for evaluation in session.exec(
            select(RuleEvaluation).where(RuleEvaluation.run_id == good.id)
        ).all():
            last_nights[evaluation.rule_id] = NightRow(
                stored_id(good),
                good.peildatum,
                evaluation.version,
                evaluation.ran,
                evaluation.hits,
                evaluation.undecided,
                list(evaluation.reasons or []),
            )
    entries = []
    for rule_id in sorted(set(files) | set(stored)):
        loaded = files.get(rule_id)
        if loaded is not None:
            rule = parse_rule_text(rule_id, loaded.rule.version, loaded.content_hash, loaded.text)
        else:
            newest = stored[rule_id][-1]
            rule = parse_rule_text(rule_id, newest.version, newest.content_hash, newest.text)
        trial = loaded.rule.proef if loaded is not None else None
        entries.append(
            RuleEntry(
                rule_id=rule_id,
                rule=rule,
                from_file=loaded is not None,
                gate=night_gate(loaded, context, today) if loaded is not None else [],
                warnings=rule_warnings(loaded, context, today) if loaded is not None else [],
                content_hash=loaded.content_hash if loaded is not None else None,
                approval=approvals.of(rule_id, loaded.content_hash) if loaded else None,
                approved=approvals.latest(rule_id),
                profiling=(
                    approvals.of(rule_id, loaded.content_hash, Scope.PROFILERING)
                    if loaded
                    else None
                ),
                has_exception=bool(loaded and loaded.rule.profilering_uitzondering),
                versions=[
                    VersionRow(
                        version=v,
                        decision=besluiten.get((rule_id, v.content_hash)),
                        first_active=runs.get(v.first_active_run or -1),
                        last_active=runs.get(v.last_active_run or -1),
                        first_seen=runs.get(v.first_seen_run or -1),
                        last_seen=runs.get(v.last_seen_run or -1),
                    )
                    for v in reversed(stored.get(rule_id, []))
                ],
                last_night=last_nights.get(rule_id),
                triage=triages.get(rule_id, Triage()),
                feedback=feedback.get(rule_id, RuleFeedback(rule_id)),
                promotion=(
                    promotion(
                        feedback[rule_id].total if rule_id in feedback else None,
                        trial.promotie.min_uitkomsten,
                        trial.promotie.min_precisie,
                    )
                    if trial is not None
                    else None
                ),
                wijken=wijk_spread(hits.get(rule_id, Counter()), dwellings),
            )
        )
    for path, message in sorted(rules.invalid.items()):
        entries.append(RuleEntry(rule_id=path.stem, rule=None, invalid=message))
    return entries


def rule_detail(
    session: Session, rule_id: str, config_dir: Path, context: Context, today: date
) -> RuleDetail | None:
    entry = next(
        (e for e in rule_register(session, config_dir, context, today) if e.rule_id == rule_id),
        None,
    )
    if entry is None:
        return None
    good = last_good_run(session)
    text = None
    if entry.from_file:
        path = config_dir / "rules" / f"{rule_id}.yaml"
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    elif entry.versions:
        text = entry.versions[0].version.text
    return RuleDetail(
        entry=entry,
        nights=_nights(session, rule_id),
        text=text,
        dwellings_run=good.id if good else None,
    )
