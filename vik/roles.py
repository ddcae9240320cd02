"""The roles of VIK accounts: one vocabulary for the web, the store and rule approvals.

>>> Role("eigenaar") is Role.EIGENAAR
True
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an account may do; its Dutch name is in vik.web.users.ROLES."""

    ANALIST = "analist"  # belongs to a department and sees that department's flags
    COMPLIANCE = "compliance"  # functionaris gegevensbescherming; guards profiling exceptions
    EIGENAAR = "eigenaar"  # regeleigenaar: approves rule versions
    BEHEER = "beheer"  # functioneel beheer: runs and accounts
