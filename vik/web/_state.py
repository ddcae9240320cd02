"""What the web application loads once and every request reads: the database engine, the
settings, the configuration and the clock.

    >>> state = app_state(request)  # doctest: +SKIP
    >>> with session_scope(state.engine) as session:  # doctest: +SKIP
    ...     ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request

from vik.store.models import utcnow
from vik.web._oversight import LOCAL

if TYPE_CHECKING:
    from jinja2 import Environment
    from sqlalchemy.engine import Engine

    from vik.departments import Departments
    from vik.flags.priority import PriorityWeights
    from vik.followup import FollowUp
    from vik.lookup.service import Lookups
    from vik.rules import Context
    from vik.web._visibility import RuleTexts
    from vik.web.settings import WebSettings


@dataclass
class VikState:
    engine: Engine
    settings: WebSettings
    config_dir: Path
    departments: Departments
    context: Context
    weights: PriorityWeights
    followup: FollowUp
    rules: RuleTexts
    templates: Environment
    today: Callable[[], date]
    lookups: Lookups
    clock: Callable[[], datetime] = utcnow
    zone: tzinfo = LOCAL


def app_state(request: Request) -> VikState:
    """The state create_app (vik.web._app) gave the application of this request."""
    state: VikState = request.app.state.vik
    return state
