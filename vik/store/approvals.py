"""Approvals of rule versions in the database: made by accounts, read by the night.

    >>> with session_scope(engine) as session:                      # doctest: +SKIP
    ...     approve(session, loaded, user, besluit="Besluit college 2026-12-01", on=today)
    ...     load_approvals(session).of("overbewoning", loaded.content_hash)

``approve`` refuses an approval by the rule's author, by an account without the
approving role (``eigenaar``; ``compliance`` for a profiling exception), of a
rule whose author is no VIK account, of a version whose own tests fail, and
without a recognisable besluit. ``seed_shipped_approvals`` imports the shipped
manifest (config/approvals.yaml) into a database that has never had it: the
first night, the demo and `vik export flags --extracts` on a fresh database run
the shipped rules as before; after that, only accounts approve. Every approval
is written to the audit log.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from vik.errors import ApprovalError
from vik.roles import Role
from vik.rules.approvals import (
    APPROVING_ROLE,
    GUARDING_ROLE,
    MANIFEST,
    Approvals,
    Origin,
    RecordedApproval,
    Scope,
    read_manifest,
)
from vik.rules.context import Context
from vik.rules.doelbinding import besluit_problem
from vik.rules.loader import LoadedRule
from vik.store.audit import record
from vik.store.models import RuleApproval, RuleVersion, WebUser

__all__ = [
    "approvals_of",
    "approve",
    "import_manifest",
    "load_approvals",
    "seed_in",
    "seed_shipped_approvals",
    "store_version",
]


class Account(Protocol):
    # Read-only: a web Viewer (frozen) is an account as much as a WebUser row is.
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...


def _recorded(row: RuleApproval) -> RecordedApproval:
    return RecordedApproval(
        rule_id=row.rule_id,
        content_hash=row.content_hash,
        scope=Scope(row.scope),
        approver=row.approver,
        approver_name=row.approver_name,
        approved_on=row.approved_on,
        besluit=row.besluit,
        origin=row.origin,
        author=row.author,
        version=row.version,
    )


def load_approvals(session: Session) -> Approvals:
    """Every approval in the database, for the run gate."""
    return Approvals([_recorded(row) for row in session.exec(select(RuleApproval)).all()])


def approvals_of(session: Session, rule_id: str) -> list[RecordedApproval]:
    rows = session.exec(
        select(RuleApproval)
        .where(RuleApproval.rule_id == rule_id)
        .order_by(col(RuleApproval.approved_on), col(RuleApproval.id))
    ).all()
    return [_recorded(row) for row in rows]


def store_version(session: Session, loaded: LoadedRule) -> RuleVersion:
    """The rule version with its exact text, so the register keeps what was approved."""
    rule = loaded.rule
    version = session.exec(
        select(RuleVersion).where(
            RuleVersion.rule_id == rule.id, RuleVersion.content_hash == loaded.content_hash
        )
    ).first()
    if version is None:
        version = RuleVersion(
            rule_id=rule.id,
            version=rule.version,
            content_hash=loaded.content_hash,
            title=rule.title,
            status=rule.status,
            author=rule.author,
            text=loaded.text,
        )
        session.add(version)
    return version


def approve(
    session: Session,
    loaded: LoadedRule,
    account: Account,
    *,
    besluit: str,
    on: date,
    context: Context,
    scope: Scope = Scope.REGEL,
) -> RuleApproval:
    """Record that this account approves this exact content; ApprovalError says why not."""
    from vik.rules.fixtures import run_fixtures

    rule = loaded.rule
    role = GUARDING_ROLE if scope is Scope.PROFILERING else APPROVING_ROLE
    what = "de profileringsuitzondering van" if scope is Scope.PROFILERING else ""
    if account.role != role:
        raise ApprovalError(
            f"{account.username} heeft de rol {account.role}; alleen de rol {role} keurt "
            f"{what or 'een regelversie'} goed".replace("  ", " ")
        )
    if account.username == rule.author:
        raise ApprovalError(
            f"{account.username} is de auteur van {rule.id}; een ander account dan de auteur "
            "moet deze versie goedkeuren"
        )
    author = session.exec(select(WebUser).where(WebUser.username == rule.author)).first()
    if author is None:
        raise ApprovalError(
            f"{rule.id}: de auteur '{rule.author}' is geen VIK-account. Zet onder author de "
            "gebruikersnaam van wie de regel schreef (vik users list), of maak dat account aan"
        )
    if scope is Scope.PROFILERING and rule.profilering_uitzondering is None:
        raise ApprovalError(f"{rule.id} heeft geen profilering_uitzondering om goed te keuren")
    problem = besluit_problem(besluit)
    if problem:
        raise ApprovalError(f"besluit: {problem}")
    if scope is Scope.REGEL:
        failed = [r for r in run_fixtures(loaded, context) if not r.passed]
        if not rule.tests or failed:
            names = ", ".join(f"'{r.name}'" for r in failed) or "geen tests"
            raise ApprovalError(
                f"{rule.id}: de eigen tests van deze versie slagen niet ({names}); "
                "`vik rules test` zegt wat er mis is"
            )
    existing = session.exec(
        select(RuleApproval).where(
            RuleApproval.rule_id == rule.id,
            RuleApproval.content_hash == loaded.content_hash,
            RuleApproval.scope == scope.value,
        )
    ).first()
    if existing is not None:
        raise ApprovalError(
            f"{rule.id} versie {rule.version} ({loaded.content_hash[:12]}) is al goedgekeurd "
            f"door {existing.approver_name} op {existing.approved_on.isoformat()}"
        )
    row = RuleApproval(
        rule_id=rule.id,
        version=rule.version,
        content_hash=loaded.content_hash,
        scope=scope.value,
        approver=account.username,
        approver_name=account.display_name,
        approver_role=Role(account.role),
        author=rule.author,
        approved_on=on,
        besluit=" ".join(besluit.split()),
        origin=Origin.ACCOUNT.value,
    )
    session.add(row)
    store_version(session, loaded)
    record(
        session,
        actor=account.username,
        action="regel_goedgekeurd" if scope is Scope.REGEL else "profilering_goedgekeurd",
        object_type="regel",
        object_id=rule.id,
        details={
            "versie": rule.version,
            "sha256": loaded.content_hash,
            "besluit": row.besluit,
            "auteur": rule.author,
        },
    )
    return row


def import_manifest(session: Session, config_dir: Path, *, actor: str) -> int:
    """Import the shipped approvals of config/approvals.yaml that are not in the database
    yet (a setup step); returns how many were added."""
    manifest = read_manifest(config_dir)
    present = {
        (r.rule_id, r.content_hash, r.scope) for r in session.exec(select(RuleApproval)).all()
    }
    added = 0
    for entry in manifest.goedkeuringen:
        if (entry.regel, entry.sha256, entry.scope.value) in present:
            continue
        author = _author_of(config_dir, entry.regel, entry.sha256)
        session.add(
            RuleApproval(
                rule_id=entry.regel,
                content_hash=entry.sha256,
                scope=entry.scope.value,
                approver=entry.goedgekeurd_door,
                approver_name=entry.goedgekeurd_door,
                author=author or "",
                approved_on=entry.datum,
                besluit=entry.besluit,
                origin=f"{Origin.MANIFEST.value} ({MANIFEST})",
            )
        )
        added += 1
    if added:
        record(
            session,
            actor=actor,
            action="goedkeuringen_ingelezen",
            details={"bestand": str(config_dir / MANIFEST), "aantal": added},
        )
    return added


def _author_of(config_dir: Path, rule_id: str, digest: str) -> str | None:
    """The author the shipped file names, when the file in the configuration is that version."""
    import yaml

    from vik.rules.approvals import content_hash

    path = config_dir / "rules" / f"{rule_id}.yaml"
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if content_hash(text) != digest:
        return None
    data = yaml.safe_load(text)
    return str(data.get("author")) if isinstance(data, dict) else None


def seed_shipped_approvals(session: Session, config_dir: Path, *, actor: str) -> int:
    """The shipped approvals, imported once into a database that never had them: a fresh
    database runs the shipped rules; an existing one takes new approvals from accounts only
    (an explicit setup command calls ``import_manifest``)."""
    seeded = session.exec(
        select(RuleApproval.id).where(col(RuleApproval.origin).startswith(Origin.MANIFEST.value))
    ).first()
    if seeded is not None:
        return 0
    return import_manifest(session, config_dir, actor=actor)


def seed_in(engine: Engine, config_dir: Path, *, actor: str) -> int:
    """``seed_shipped_approvals`` in its own transaction; when another process seeds the
    same database at the same moment (two `vik db upgrade`s), its rows stand and this one
    adds none."""
    from sqlalchemy.exc import IntegrityError

    from vik.store.db import session_scope

    try:
        with session_scope(engine) as session:
            return seed_shipped_approvals(session, config_dir, actor=actor)
    except IntegrityError:
        return 0


def approvals_from_database(database_url: str, config_dir: Path, *, actor: str) -> Approvals:
    """The approvals of the database at this URL (seeded when it never had the shipped
    ones): what `vik rules check` and `vik export flags --extracts` judge rules by, as the
    night does. Without a database yet (none, or empty) it is what a fresh one gets: the
    shipped approvals; a database of another version is refused (vik db upgrade)."""
    from vik.rules.approvals import manifest_approvals
    from vik.store.db import SchemaState, connect, require_current, schema_version, session_scope

    engine = connect(database_url)
    try:
        if schema_version(engine).state in (SchemaState.MISSING, SchemaState.EMPTY):
            return manifest_approvals(config_dir)
        require_current(engine)
        seed_in(engine, config_dir, actor=actor)
        with session_scope(engine) as session:
            return load_approvals(session)
    finally:
        engine.dispose()
