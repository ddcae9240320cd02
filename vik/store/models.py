"""The database tables (sqlmodel). Alembic migrations in vik/store/migrations create them.

Times are timezone-aware UTC. JSON columns hold counts, lists and small
structures; personal data is kept only where a task needs it (the details of
flagged persons, opened with a stated purpose) and goes with the dossier.

    >>> with session_scope(engine) as session:  # doctest: +SKIP
    ...     session.exec(select(Flag).where(Flag.status == FlagStatus.OPEN)).all()

A column of a vocabulary (an entity type, a decision, a role) is typed by its StrEnum and
stored as the enum's value in a plain string column (``Vocabulary``): no database enum
types, and the stored text is the word itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import JSON, Column, Dialect, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from vik.connectors.model import EntityType
from vik.followup import AgreementStatus, Decision, MeetingStatus, Result
from vik.resolve.judgements import Verdict
from vik.resolve.links import LinkStatus
from vik.roles import Role
from vik.rules.model import Severity, Status


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(JSON, **kwargs))


class Vocabulary(TypeDecorator[StrEnum]):
    """A StrEnum in a string column: writes the member's value (refusing a word outside
    the vocabulary), reads the member back."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def _vocabulary(enum: type[StrEnum], **kwargs: Any) -> Any:
    return Field(sa_type=Vocabulary(enum), **kwargs)


class _Stored(Protocol):
    id: int | None


def stored_id(row: _Stored) -> int:
    """The primary key of a row read from the database or flushed to it.

    The tables declare `id: int | None` because a new row has no id until its INSERT;
    code that holds a stored row uses this to say so (and fails here, not as a NULL key)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id


class RunStatus(StrEnum):
    BEZIG = "bezig"  # holds the run lock now
    GESLAAGD = "geslaagd"
    MISLUKT = "mislukt"  # a step failed; the error and the step are recorded
    AFGEBROKEN = "afgebroken"  # the process stopped without finishing (killed, machine down)


class FlagStatus(StrEnum):
    OPEN = "open"  # the rule still raises it
    VERVALLEN = "vervallen"  # no longer raised (or its rule ended); kept until its bewaartermijn


class Run(SQLModel, table=True):
    """One nightly run: its status, timings and counts (never content)."""

    __tablename__ = "run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: RunStatus = _vocabulary(RunStatus, default=RunStatus.BEZIG, index=True)
    failed_step: str | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
    peildatum: date
    extracts_dir: str
    source_counts: dict[str, Any] | None = _json()
    rule_outcomes: list[Any] | None = _json()
    step_seconds: dict[str, Any] | None = _json()
    flag_counts: dict[str, Any] | None = _json()
    purged: dict[str, Any] | None = _json()
    # Dwellings (BAG woonfunctie) per wijk, to compare where a rule's hits fall.
    wijk_counts: dict[str, Any] | None = _json()
    report_path: str | None = None


class RuleVersion(SQLModel, table=True):
    """Every version of every rule file that was ever loaded for a run, with its exact text."""

    __tablename__ = "rule_version"
    __table_args__ = (UniqueConstraint("rule_id", "content_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(index=True)
    version: int
    content_hash: str
    title: str
    status: Status = _vocabulary(Status)
    author: str
    approved_by: str | None = None
    approved_on: date | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    first_seen_run: int | None = None
    last_seen_run: int | None = None
    first_active_run: int | None = None
    last_active_run: int | None = None


class RuleApproval(SQLModel, table=True):
    """An approval of one rule version, bound to its content hash and to an account.

    scope ``regel`` lets the version run; ``profilering`` is the guarding role's approval
    of its profiling exception. origin: ``account`` (made through VIK) or ``meegeleverd``
    (imported from config/approvals.yaml by a setup command)."""

    __tablename__ = "rule_approval"
    __table_args__ = (UniqueConstraint("rule_id", "content_hash", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(index=True)
    version: int | None = None
    content_hash: str
    scope: str = "regel"
    approver: str  # username, or the name in the manifest for a shipped approval
    approver_name: str
    approver_role: Role | None = _vocabulary(Role, default=None)
    author: str
    approved_on: date
    besluit: str = Field(sa_column=Column(Text, nullable=False))
    origin: str
    created_at: datetime = Field(default_factory=utcnow)


class RuleEvaluation(SQLModel, table=True):
    """Per run and rule: version and hash, columns read, rows in, hits out, or why it did not run."""

    __tablename__ = "rule_evaluation"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    rule_id: str = Field(index=True)
    version: int | None = None
    content_hash: str | None = None
    ran: bool
    reasons: list[Any] | None = _json()
    columns_read: list[Any] | None = _json()
    rows_in: dict[str, Any] | None = _json()
    hits: int = 0
    undecided: int = 0
    unlinked: dict[str, Any] | None = _json()
    seconds: float = 0.0


class Flag(SQLModel, table=True):
    """A signal on one entity by one rule (per department for betrokkenheid); lives across nights."""

    __tablename__ = "flag"
    __table_args__ = (
        UniqueConstraint("rule_id", "entity_type", "entity_key", "department"),
        Index("ix_flag_entity", "entity_type", "entity_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(index=True)
    entity_type: EntityType = _vocabulary(EntityType)
    entity_key: str
    # "" for a flag every recipient of the rule sees; a department id for betrokkenheid.
    department: str = ""
    status: FlagStatus = _vocabulary(FlagStatus, default=FlagStatus.OPEN, index=True)
    rule_version: int
    rule_hash: str
    severity: Severity = _vocabulary(Severity)
    theme: str
    values: dict[str, Any] | None = _json()
    explanation: str = Field(sa_column=Column(Text, nullable=False))
    recipients: list[Any] | None = _json()
    first_seen_run: int
    last_seen_run: int
    first_seen_on: date
    last_seen_on: date
    vervallen_on: date | None = None
    # Why a flag stopped being open when that was not the night's verdict: "regel beëindigd".
    closed_reason: str | None = None
    # The latest decision of any department: it starts a bewaartermijn that runs from the
    # decision. Never shown; each department's own decision is in flag_decision.
    decided_on: date | None = None
    # The retention of the rule version that last raised it (ISO 8601 duration and
    # what starts it); vik.store.retention computes the date it must go.
    bewaartermijn: str | None = None
    bewaartermijn_aanvang: str | None = None


class FlagEvidence(SQLModel, table=True):
    """A source record a flag rests on, with its extract date and link confidence."""

    __tablename__ = "flag_evidence"

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id", index=True)
    source: str
    record_key: str
    extract_date: date | None = None
    link_confidence: float | None = None
    link_method: str | None = None


class Dossier(SQLModel, table=True):
    """All open flags and reports on one entity, with a transparent priority."""

    __tablename__ = "dossier"
    __table_args__ = (UniqueConstraint("entity_type", "entity_key"),)

    id: int | None = Field(default=None, primary_key=True)
    entity_type: EntityType = _vocabulary(EntityType)
    entity_key: str
    priority: float = Field(index=True)
    breakdown: list[Any] | None = _json()
    rule_ids: list[Any] | None = _json()
    themes: list[Any] | None = _json()
    reports: int = 0
    label: str  # shown in lists: an address, a company name, or "Persoon <kort id>"
    wijk: str | None = None
    details: dict[str, Any] | None = _json()  # person-level details: opened with a purpose only
    updated_run: int


class Review(SQLModel, table=True):
    """One entry in a department's history of decisions on a flag; nothing happens to a
    person or address without one. ``heropend`` entries are written by the night."""

    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id", index=True)
    department: str  # the department that decided (the reviewer's)
    decision: Decision = _vocabulary(Decision)
    target: str | None = None  # LOO, DTO/RIEC or a department id, for doorzetten
    reason: str = Field(sa_column=Column(Text, nullable=False))
    reviewer: str
    at: datetime = Field(default_factory=utcnow)


class FlagDecision(SQLModel, table=True):
    """A department's current decision on a flag: each receiving department has its own.

    No department changes or ends another's; a decision None is "te beoordelen" (never
    decided, or reopened by the night after geen actie)."""

    __tablename__ = "flag_decision"
    __table_args__ = (UniqueConstraint("flag_id", "department"),)

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id", index=True)
    department: str = Field(index=True)
    decision: Decision | None = _vocabulary(Decision, default=None)
    target: str | None = None
    decided_on: date | None = None
    decided_by: str | None = None
    review_id: int | None = None  # the review that made the decision
    reopened_on: date | None = None


class Snooze(SQLModel, table=True):
    """A rule's flag on an entity, put aside until a date with a reason."""

    __tablename__ = "snooze"

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(index=True)
    entity_type: EntityType = _vocabulary(EntityType)
    entity_key: str
    until: date
    reason: str = Field(sa_column=Column(Text, nullable=False))
    by: str
    department: str  # a snooze holds for the department of whoever set it
    at: datetime = Field(default_factory=utcnow)


class DecisionSnapshot(SQLModel, table=True):
    """What the decider saw, frozen at the decision: rule version, values, explanation,
    evidence with extract dates, and the decision. The database refuses UPDATE; the
    content hash (sha256 of the canonical JSON) verifies it (vik.store.snapshots).

    Kept for its own bewaartermijn (config/opvolging.yaml), also after the flag is gone:
    it holds ids, not references the database enforces."""

    __tablename__ = "decision_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(index=True)
    flag_id: int = Field(index=True)
    department: str
    taken_on: date
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    content_hash: str


class LooMeeting(SQLModel, table=True):
    """A lokaal ondermijningsoverleg: date, chair and the departments that take part."""

    __tablename__ = "loo_meeting"

    id: int | None = Field(default=None, primary_key=True)
    held_on: date = Field(index=True)
    chair: str
    departments: list[Any] = Field(sa_column=Column(JSON, nullable=False))
    status: MeetingStatus = _vocabulary(MeetingStatus, default=MeetingStatus.GEPLAND)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)


class LooAgendaItem(SQLModel, table=True):
    """A dossier on a meeting's agenda, with the signals passed on to the LOO as they
    were when it was put there (the minutes outlive the flags' own terms)."""

    __tablename__ = "loo_agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "entity_type", "entity_key"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="loo_meeting.id", index=True)
    number: int
    entity_type: EntityType = _vocabulary(EntityType)
    entity_key: str
    label: str
    wijk: str | None = None
    signals: list[Any] = Field(sa_column=Column(JSON, nullable=False))  # flag id, rule, text, by
    referred_by: list[Any] = Field(sa_column=Column(JSON, nullable=False))  # department ids
    discussion: str | None = Field(default=None, sa_column=Column(Text))
    added_by: str
    added_at: datetime = Field(default_factory=utcnow)


class LooAgreement(SQLModel, table=True):
    """An afspraak: an action on an agenda item, its owner department, deadline and status.

    An integrale controle also records its date, the departments that took part and the
    findings. Closing it records an outcome per signal (vik.store.models.Outcome)."""

    __tablename__ = "loo_agreement"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="loo_agenda_item.id", index=True)
    action: str  # a code from config/opvolging.yaml acties
    description: str | None = Field(default=None, sa_column=Column(Text))
    owner: str = Field(index=True)  # department id
    deadline: date
    status: AgreementStatus = _vocabulary(AgreementStatus, default=AgreementStatus.OPEN, index=True)
    flag_ids: list[Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    check_on: date | None = None
    check_departments: list[Any] | None = _json()
    check_findings: str | None = Field(default=None, sa_column=Column(Text))
    closed_on: date | None = None
    closed_by: str | None = None


class Outcome(SQLModel, table=True):
    """What a signal turned out to be, per department: bevestigd (with a category), niet
    bevestigd or niet vast te stellen, with a date and a reason.

    Rule, version, wijk and date are copied in so the count outlives the flag for the
    feedback per rule; when the flag goes, its free-text reason goes with it."""

    __tablename__ = "outcome"

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(index=True)
    rule_id: str = Field(index=True)
    rule_version: int
    rule_hash: str
    wijk: str | None = None
    department: str
    result: Result = _vocabulary(Result)
    category: str | None = None
    decided_on: date
    reason: str | None = Field(default=None, sa_column=Column(Text))
    by: str
    agreement_id: int | None = Field(default=None, index=True)
    at: datetime = Field(default_factory=utcnow)


class Link(SQLModel, table=True):
    """The last good run's link of a source record to an entity (or why there is none)."""

    __tablename__ = "link"
    __table_args__ = (
        UniqueConstraint("source", "record_key", "entity_type"),
        Index("ix_link_entity", "entity_type", "entity_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    record_key: str
    entity_type: EntityType = _vocabulary(EntityType)
    entity_id: str | None = None
    confidence: float | None = None
    method: str | None = None
    status: LinkStatus = _vocabulary(LinkStatus)
    reason: str | None = None
    run_id: int


class LinkJudgement(SQLModel, table=True):
    """A human judgement on a link: it wins over the matcher on every later night.

    A history: a later judgement on the same record and entity replaces an earlier one."""

    __tablename__ = "link_judgement"
    __table_args__ = (Index("ix_link_judgement_record", "source", "record_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str
    record_key: str
    entity_type: EntityType = _vocabulary(EntityType)
    entity_id: str
    verdict: Verdict = _vocabulary(Verdict)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    by: str
    at: datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Append-only (database triggers refuse UPDATE and DELETE): who did or saw what, when, why."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(index=True)
    action: str = Field(index=True)
    object_type: str | None = None
    object_id: str | None = None
    purpose: str | None = Field(default=None, sa_column=Column(Text))
    details: dict[str, Any] | None = _json()
    # Whom it was about, as a reference and never a name or BSN: "persoon:P…", "adres:<BAG
    # id>", "bedrijf:B…", or "zoekvraag:<keyed hash>" for a search that found no one. The
    # inzage report finds every view and lookup of a person by it.
    subject: str | None = Field(default=None, index=True)


class FlagNotice(SQLModel, table=True):
    """Informatieplicht: the municipality told the person concerned about this flag.

    Deleted with the flag; the inzage report shows it."""

    __tablename__ = "flag_notice"

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id", index=True)
    informed_on: date
    channel: str  # brief | gesprek | e-mail | anders (vik.store.notices.Channel)
    reference: str | None = None  # kenmerk of the letter or report
    department: str | None = None
    by: str
    at: datetime = Field(default_factory=utcnow)


class PurgedFlag(SQLModel, table=True):
    """What stays of a flag deleted after its term: rule, department and date, nothing of
    its content, so that an inzage report can say how many were deleted. Goes itself after
    the term in config/lookup.yaml (inzage.bewaartermijn_verwijderd)."""

    __tablename__ = "purged_flag"
    __table_args__ = (Index("ix_purged_flag_entity", "entity_type", "entity_key"),)

    id: int | None = Field(default=None, primary_key=True)
    entity_type: EntityType = _vocabulary(EntityType)
    entity_key: str
    rule_id: str
    department: str = ""
    purged_on: date


class InzageRequest(SQLModel, table=True):
    """An inzageverzoek (art. 15 AVG): when it came in, its legal term, whom it is about
    (a subject reference, never a BSN or name) and when it was delivered."""

    __tablename__ = "inzage_request"

    id: int | None = Field(default=None, primary_key=True)
    received_on: date
    due_on: date
    subject: str = Field(index=True)
    identified_by: str  # bsn | naam_geboortedatum
    registered_by: str
    registered_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None
    delivered_by: str | None = None
    delivered_formats: list[Any] | None = _json()


class RunLock(SQLModel, table=True):
    """Who holds the single-run lock: the lock itself on SQLite, on PostgreSQL the
    record beside its advisory lock (so `vik runs` can say who holds it, and since when)."""

    __tablename__ = "run_lock"

    name: str = Field(primary_key=True)
    holder: str  # host:pid:label, as shown to people
    acquired_at: datetime = Field(default_factory=utcnow)
    host: str | None = None
    pid: int | None = None
    # When the holding process started: a recycled PID has a later start.
    process_started_at: datetime | None = None
    run_id: int | None = None


class WebUser(SQLModel, table=True):
    """An account of the web application: one named person with one role.

    An analist belongs to a department (an id from config/departments.yaml) and sees
    only that department's flags; compliance and beheer have no department. Passwords
    are stored as argon2id hashes (vik.web.users), never in plain text."""

    __tablename__ = "web_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str
    role: Role = _vocabulary(Role)
    department: str | None = None
    password_hash: str
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256.

    Signing out, disabling the account or changing its password deletes the rows, so
    a stolen cookie stops working; the CSRF token of every form belongs to the session."""

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    csrf_token: str
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class WebDevice(SQLModel, table=True):
    """A browser an account signed in from (its cookie holds a random token, the table its
    SHA-256). Sign-in attempts for that account from that browser are throttled per
    browser, not per account, so a stranger's failures cannot delay the real user there."""

    __tablename__ = "web_device"

    token_hash: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    failures: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime = Field(default_factory=utcnow)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins from one network address, and until when it must wait. A row goes
    when its address has not failed for a day (vik.web._throttle)."""

    __tablename__ = "login_throttle"

    address: str = Field(primary_key=True)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow)
    blocked_until: datetime | None = None
    # Refused tries while blocked: only the first is written to the audit log.
    refusals: int = 0


class DemoMarker(SQLModel, table=True):
    """Present only in a database that `vik demo run` made: only there may the demo
    create accounts with the published demo passwords (vik.store.demo)."""

    __tablename__ = "demo_marker"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    extracts_dir: str
