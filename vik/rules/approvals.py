"""Approvals of rule versions: bound to the exact content of the rule file and to accounts.

An approval says: this content (the sha256 of the rule file, byte for byte) may
run, approved by this account (or, for the rules VIK ships, by the person named in
the shipped manifest), on this date, under this besluit. Nothing in a rule file
approves it: the file names its author (a VIK account) and the approval is made
through VIK (`vik rules approve FILE`, or the register for the ``eigenaar`` role)
and stored in the database (vik/store/approvals.py). The night runs a rule only
when its current content has an approval by someone other than its author.

Two scopes: ``regel`` lets a version run; ``profilering`` is the guarding role's
(the FG, role ``compliance``) approval of a version's profiling exception.

The rules VIK ships come with their approvals in ``config/approvals.yaml``,
bound to content hashes; the setup commands import it into a fresh database with
its origin recorded (``read_manifest``), so a changed shipped rule needs a new
approval like any other.

    >>> approvals = Approvals([RecordedApproval("overbewoning", "ab12...", ...)])  # doctest: +SKIP
    >>> approvals.of("overbewoning", "ab12...")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vik.configfiles import load_model
from vik.roles import Role

__all__ = [
    "APPROVING_ROLE",
    "GUARDING_ROLE",
    "MANIFEST",
    "Approvals",
    "Manifest",
    "ManifestEntry",
    "RecordedApproval",
    "Scope",
    "content_hash",
    "manifest_approvals",
    "read_manifest",
]

# The manifest of shipped approvals, in the configuration folder.
MANIFEST = "approvals.yaml"
# The role that approves rule versions, and the role that guards profiling exceptions.
APPROVING_ROLE = Role.EIGENAAR
GUARDING_ROLE = Role.COMPLIANCE


class Scope(StrEnum):
    REGEL = "regel"  # this version may run
    PROFILERING = "profilering"  # the guarding role approved this version's profiling exception


class Origin(StrEnum):
    ACCOUNT = "account"  # made through VIK by a signed-in or password-confirmed account
    MANIFEST = "meegeleverd"  # imported from the shipped manifest by a setup command


def content_hash(text: str) -> str:
    """The sha256 of a rule file's exact text: what an approval is bound to."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RecordedApproval:
    """One approval as stored: which content, approved by whom, when, under which besluit."""

    rule_id: str
    content_hash: str
    scope: Scope
    approver: str  # the account's username; for a shipped approval the name in the manifest
    approver_name: str
    approved_on: date
    besluit: str
    origin: str  # account, or "meegeleverd (config/approvals.yaml)"
    author: str  # the rule's author as the file named it when approved
    version: int | None = None


@dataclass
class Approvals:
    """The approvals the night and the checks read (from the database)."""

    records: list[RecordedApproval] = field(default_factory=list)

    def of(self, rule_id: str, digest: str, scope: Scope = Scope.REGEL) -> RecordedApproval | None:
        found = [
            r
            for r in self.records
            if r.rule_id == rule_id and r.content_hash == digest and r.scope is scope
        ]
        return max(found, key=lambda r: r.approved_on) if found else None

    def latest(self, rule_id: str, scope: Scope = Scope.REGEL) -> RecordedApproval | None:
        """The most recent approval of any version of this rule."""
        found = [r for r in self.records if r.rule_id == rule_id and r.scope is scope]
        return max(found, key=lambda r: r.approved_on) if found else None

    def extend(self, records: Iterable[RecordedApproval]) -> None:
        self.records.extend(records)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ManifestEntry(BaseModel):
    """One shipped approval: a rule version (by content hash) and who approved it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    regel: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="sha256 van het regelbestand zoals het is goedgekeurd."
    )
    goedgekeurd_door: Text = Field(description="Naam en functie van wie goedkeurde.")
    datum: date
    besluit: Text = Field(description="Kenmerk van het besluit.")
    scope: Scope = Scope.REGEL


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    goedkeuringen: list[ManifestEntry] = Field(default_factory=list)


def read_manifest(config_dir: Path) -> Manifest:
    """config/approvals.yaml, or an empty manifest when the configuration has none."""
    path = config_dir / MANIFEST
    if not path.exists():
        return Manifest()
    return load_model(Manifest, path)


def manifest_approvals(config_dir: Path) -> Approvals:
    """The approvals of the shipped manifest as records, without a database (what a fresh
    database holds after ``seed_shipped_approvals``): for tools and tests that evaluate the
    shipped rules outside a VIK database."""
    return Approvals(
        [
            RecordedApproval(
                rule_id=e.regel,
                content_hash=e.sha256,
                scope=e.scope,
                approver=e.goedgekeurd_door,
                approver_name=e.goedgekeurd_door,
                approved_on=e.datum,
                besluit=e.besluit,
                origin=f"{Origin.MANIFEST.value} ({MANIFEST})",
                author="",
            )
            for e in read_manifest(config_dir).goedkeuringen
        ]
    )
