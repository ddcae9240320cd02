"""Approvals for tests that evaluate rules without going through an account's approval."""

from __future__ import annotations

from datetime import date

from vik.rules.approvals import RecordedApproval, Scope
from vik.rules.context import Context
from vik.rules.loader import LoadedRule


def approved(
    context: Context, loaded: LoadedRule, scope: Scope = Scope.REGEL, on: date = date(2026, 1, 1)
) -> LoadedRule:
    """Record in the context (not a database) that another account approved this content."""
    from vik.rules.approvals import Approvals

    if context.approvals is None:
        context.approvals = Approvals()
    context.approvals.records.append(
        RecordedApproval(
            rule_id=loaded.id,
            content_hash=loaded.content_hash,
            scope=scope,
            approver="test.eigenaar",
            approver_name="Test Eigenaar",
            approved_on=on,
            besluit="Besluit test 2026-01",
            origin="account",
            author=loaded.rule.author,
            version=loaded.rule.version,
        )
    )
    return loaded
