"""Settings of the web application, from the environment (prefix ``VIK_WEB_``).

    >>> WebSettings(unusual_views_per_day=5).unusual_views_per_day
    5
    >>> WebSettings(allowed_hosts="vik.gemeente.nl, localhost").allowed_hosts
    ['vik.gemeente.nl', 'localhost']

The database and configuration folder come from vik.settings (``vik web --db``
beats ``VIK_DATABASE_URL``); these are only what the web pages need on top. Lists
(hosts, proxies) are written comma-separated in the environment. docs/web.md
describes each one.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1"]


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIK_WEB_", extra="ignore")

    # Sign-in sessions end after this long without a request, and always after max_hours.
    session_idle_minutes: int = Field(default=60, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    # Set when VIK is served over HTTPS (behind a reverse proxy): cookies get Secure and
    # the browser is told to use HTTPS only (Strict-Transport-Security). A request that
    # a trusted proxy says came in over HTTPS gets both as well.
    secure_cookies: bool = False
    # People-level views (person dossiers and person details) by one user in one day
    # above this number are highlighted in the access log.
    unusual_views_per_day: int = Field(default=20, ge=1)
    # The organisation named in the Algoritmeregister documents, and its contact point.
    organisation: str = "Gemeente Lindewaard (demogemeente)"
    register_contact: str = "algoritmes@demogemeente.nl"

    # The host names (and IP addresses) the browser may use to reach VIK: a request with
    # any other Host header is refused, so a DNS-rebinding page cannot talk to VIK.
    # "*.gemeente.nl" allows every subdomain. /health and /ready answer on any host.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: [*LOCAL_HOSTS])
    # Addresses (or networks, 10.0.0.0/8) of reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; from any other address those headers are ignored.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The path under which the proxy publishes VIK (/vik), or "" when it is at the root.
    root_path: str = ""
    # A request body above this size (forms are small) is refused before it is read.
    max_request_kib: int = Field(default=64, ge=4)

    # The banner "signals may be stale" shows when the last good nightly run finished
    # longer ago than this; /ready reports the same age.
    stale_run_hours: int = Field(default=36, ge=1)

    # Sign-in throttle (vik.web._throttle): after this many failed sign-ins for an
    # account (from browsers it never signed in from) or from one network address, each
    # further try must wait, starting at delay_seconds and doubling up to max_delay_minutes.
    login_attempts_per_account: int = Field(default=5, ge=1)
    login_attempts_per_address: int = Field(default=20, ge=1)
    login_delay_seconds: int = Field(default=2, ge=1)
    login_max_delay_minutes: int = Field(default=15, ge=1)

    @field_validator("allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        hosts = [host.lower().strip("[]") for host in value]
        if not hosts:
            raise ValueError("noem minstens één hostnaam, bijvoorbeeld vik.gemeente.nl")
        return hosts

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is geen IP-adres of netwerk (bijvoorbeeld 10.0.0.5 of 10.0.0.0/24)"
                ) from None
        return value

    @field_validator("root_path")
    @classmethod
    def _root(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and (not value.startswith("/") or "//" in value or "?" in value):
            raise ValueError("een pad als /vik: beginnend met /, zonder ? of //")
        return value
