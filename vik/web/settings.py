"""Settings of the web application, from the environment (prefix ``VIK_WEB_``).

    >>> WebSettings(unusual_views_per_day=5).unusual_views_per_day
    5

The database and configuration folder come from vik.settings (``vik web --db``
beats ``VIK_DATABASE_URL``); these are only what the web pages need on top.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIK_WEB_", extra="ignore")

    # Sign-in sessions end after this long without a request, and always after max_hours.
    session_idle_minutes: int = Field(default=60, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    # Set when VIK is served over HTTPS (behind a reverse proxy): cookies get Secure and
    # the browser is told to use HTTPS only (Strict-Transport-Security).
    secure_cookies: bool = False
    # People-level views (person dossiers and person details) by one user in one day
    # above this number are highlighted in the access log.
    unusual_views_per_day: int = Field(default=20, ge=1)
    # The organisation named in the Algoritmeregister documents, and its contact point.
    organisation: str = "Gemeente Lindewaard (demogemeente)"
    register_contact: str = "algoritmes@demogemeente.nl"
