"""Who may see which flag: the doelbinding of the rule version that raised it decides.

A department sees a flag when the rule version that last raised it names the
department among its ``ontvangers``; a betrokkenheid flag (one per involved
department) is seen only by its own department. The rule text is read from the
store (``rule_version``), not from today's rule files, so a flag is judged by the
version that produced it.

    >>> texts = RuleTexts()
    >>> rules = texts.load(session)                  # doctest: +SKIP
    >>> visible(flag, rules, "handhaving")           # doctest: +SKIP
    True
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from vik.connectors.model import ENTITIES
from vik.rules.plain import counterfactual_of_rule_data
from vik.store.models import Flag, RuleVersion


@dataclass(frozen=True)
class RuleText:
    """One stored rule version, parsed: what the web pages show about a rule."""

    rule_id: str
    version: int
    content_hash: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.data.get("title") or self.rule_id)

    @property
    def description(self) -> str:
        return str(self.data.get("description") or "").strip()

    @property
    def theme(self) -> str:
        return str(self.data.get("theme") or "")

    @property
    def kind(self) -> str:
        return str(self.data.get("kind") or "signaal")

    @property
    def doelbinding(self) -> dict[str, Any]:
        value = self.data.get("doelbinding")
        return value if isinstance(value, dict) else {}

    @property
    def status(self) -> str:
        return str(self.data.get("status") or "")

    @property
    def proef(self) -> dict[str, Any]:
        value = self.data.get("proef")
        return value if isinstance(value, dict) and self.status == "proef" else {}

    @property
    def ontvangers(self) -> frozenset[str]:
        """Who receives this version's flags: the pilot departments of a proef."""
        if self.proef.get("afdelingen"):
            return frozenset(self.proef["afdelingen"])
        return frozenset(self.doelbinding.get("ontvangers") or [])

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(self.data.get("inputs") or [])

    @property
    def counterfactual(self) -> str:
        """What would make a flag of this version disappear (vik/rules/plain.py)."""
        return counterfactual_of_rule_data(self.data)

    def reads_entity(self, source: str, entity_type: str) -> bool:
        """Does this rule read the link of `source` records to this kind of entity?"""
        entity = next((e for e in ENTITIES.values() if e.type == entity_type), None)
        return entity is not None and f"{source}.{entity.key}" in self.inputs

    def reads_source(self, source: str) -> bool:
        return any(ref.split(".", 1)[0] == source for ref in self.inputs)

    def sources_for(self, department: str | None) -> frozenset[str]:
        """The sources whose records this rule lets `department` see: those its
        doelbinding covers (``gegevenscategorieen``) for a department it names. A
        betrokkenheid rule covers many sources, but tells each department only of its
        own matter: there only that matter's source counts."""
        if not department or department not in self.ontvangers:
            return frozenset()
        if self.kind == "betrokkenheid":
            matter = (self.data.get("matters") or {}).get(department)
            source = matter.get("source") if isinstance(matter, dict) else None
            return frozenset([source]) if source else frozenset()
        return frozenset(self.doelbinding.get("gegevenscategorieen") or {})


def parse_rule_text(rule_id: str, version: int, content_hash: str, text: str) -> RuleText:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    return RuleText(rule_id, version, content_hash, data if isinstance(data, dict) else {})


class RuleTexts:
    """A cache of parsed rule versions; a (rule_id, content_hash) never changes its text."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, str], RuleText] = {}
        self._lock = threading.Lock()

    def load(self, session: Session) -> dict[tuple[str, str], RuleText]:
        keys = [
            tuple(row)
            for row in session.exec(select(RuleVersion.rule_id, RuleVersion.content_hash)).all()
        ]
        missing = [key for key in keys if key not in self._parsed]
        if missing:
            wanted = {h for _, h in missing}
            rows = session.exec(
                select(RuleVersion).where(col(RuleVersion.content_hash).in_(wanted))
            ).all()
            with self._lock:
                for row in rows:
                    self._parsed[(row.rule_id, row.content_hash)] = parse_rule_text(
                        row.rule_id, row.version, row.content_hash, row.text
                    )
        return {key: self._parsed[key] for key in keys if key in self._parsed}


def rule_of(flag: Flag, rules: dict[tuple[str, str], RuleText]) -> RuleText | None:
    return rules.get((flag.rule_id, flag.rule_hash))


def visible(flag: Flag, rules: dict[tuple[str, str], RuleText], department: str | None) -> bool:
    if not department or flag.department not in ("", department):
        return False
    rule = rule_of(flag, rules)
    return rule is not None and department in rule.ontvangers


def visible_clause(
    rules: dict[tuple[str, str], RuleText], department: str | None
) -> ColumnElement[bool]:
    """The same test as `visible`, as a WHERE clause on the flag table."""
    pairs = [key for key, rule in rules.items() if department and department in rule.ontvangers]
    if not department or not pairs:
        return false()
    return and_(
        col(Flag.department).in_(["", department]),
        or_(
            *[
                and_(col(Flag.rule_id) == rule_id, col(Flag.rule_hash) == digest)
                for rule_id, digest in pairs
            ]
        ),
    )


def involvement_circles(rules: dict[tuple[str, str], RuleText]) -> list[frozenset[str]]:
    """The departments that may learn of each other's involvement: per betrokkenheid rule,
    the ontvangers of its newest stored version (the college decided on that hit/no-hit)."""
    newest: dict[str, RuleText] = {}
    for rule in rules.values():
        if rule.kind != "betrokkenheid" or rule.status not in ("actief", "proef"):
            continue
        if rule.rule_id not in newest or rule.version > newest[rule.rule_id].version:
            newest[rule.rule_id] = rule
    return [rule.ontvangers for rule in newest.values()]


def may_know_involvement(circles: list[frozenset[str]], viewer: str | None, other: str) -> bool:
    """May `viewer` see that `other` acts on a flag too (department and contact only)?"""
    return bool(viewer) and any(viewer in circle and other in circle for circle in circles)
