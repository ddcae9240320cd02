"""The sign-in throttle: increasing delays per network address and per account, without
a stranger being able to lock out the real user, and without telling who has an account.

    >>> delay(failures=7, free=5, limits=LoginLimits())
    datetime.timedelta(seconds=8)

- **Per address**: after ``login_attempts_per_address`` failed sign-ins from one address
  (the browser's, or the one a trusted proxy names), every further failure makes that
  address wait twice as long as the one before (2 s, 4 s, ... up to
  ``login_max_delay_minutes``), for any name typed. That says nothing about accounts,
  so the form says plainly how long to wait. A day without failures forgets it.
- **Per account**: after ``login_attempts_per_account`` failures for an existing account,
  the same doubling delay applies to that account (vik.web.users.authenticate). While
  it lasts, every try, even with the right password, gets the one message an unknown
  name or a wrong password gets, after the same password-hashing work: the answer does
  not reveal that the name exists, nor that it is delayed.
- **Per browser**: a browser that signed in to an account before carries a device
  cookie (``vik_apparaat``, a random token; the table keeps its SHA-256). Its tries
  for that account count against the browser, not the account, so a stranger's
  failures elsewhere never delay the real user at their own desk (OWASP's "device
  cookies" defence). Too many failures from it and the cookie stops counting.

Why hand-written, not the `limits` library: `limits` counts hits in fixed or moving
windows and keeps them in memory, Redis, Memcached or MongoDB. This needs a delay
that doubles per failure and resets on success, exemptions per browser, and state in
VIK's own database, so that every web process shares it, a restart does not reset it,
and `vik users enable` can lift an account's delay.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from vik.store.models import LoginThrottle, WebDevice, WebUser, stored_id
from vik.web.settings import WebSettings

DEVICE_COOKIE = "vik_apparaat"


def token_hash(token: str) -> str:
    # As vik.web._security does for sessions (this module stays free of the web framework,
    # because vik.web.users, used by `vik users`, calls it).
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


DEVICE_DAYS = 365
FORGET_AFTER = timedelta(days=1)  # an address without failures for this long starts afresh


@dataclass(frozen=True)
class LoginLimits:
    per_account: int = 5
    per_address: int = 20
    delay_seconds: int = 2
    max_delay_minutes: int = 15

    @classmethod
    def of(cls, settings: WebSettings) -> LoginLimits:
        return cls(
            per_account=settings.login_attempts_per_account,
            per_address=settings.login_attempts_per_address,
            delay_seconds=settings.login_delay_seconds,
            max_delay_minutes=settings.login_max_delay_minutes,
        )


def delay(failures: int, free: int, limits: LoginLimits) -> timedelta:
    """How long to wait after `failures` failures when `free` are allowed: none up to
    `free`, then the base delay doubling with each further failure, up to the maximum."""
    if failures < free:
        return timedelta(0)
    seconds = limits.delay_seconds * 2 ** min(failures - free, 30)
    return min(timedelta(seconds=seconds), timedelta(minutes=limits.max_delay_minutes))


def address_wait(session: Session, address: str, now: datetime) -> timedelta | None:
    """How long this address must still wait before it may try, or None."""
    row = session.get(LoginThrottle, address)
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return None
    return row.blocked_until - now


def refused_while_waiting(session: Session, address: str) -> bool:
    """Count a refused try; True for the first of this wait (the one worth logging)."""
    row = session.get(LoginThrottle, address)
    if row is None:
        return False
    row.refusals += 1
    session.add(row)
    return row.refusals == 1


def address_failed(session: Session, address: str, now: datetime, limits: LoginLimits) -> None:
    session.execute(
        delete(LoginThrottle).where(col(LoginThrottle.last_failure_at) < now - FORGET_AFTER)
    )
    row = session.get(LoginThrottle, address) or LoginThrottle(address=address, failures=0)
    row.failures += 1
    row.last_failure_at = now
    wait = delay(row.failures, limits.per_address, limits)
    if wait:
        row.blocked_until, row.refusals = now + wait, 0
    session.add(row)


def account_wait(user: WebUser, now: datetime) -> bool:
    """Is this account in a delay (for browsers it never signed in from)?"""
    return user.locked_until is not None and user.locked_until > now


def account_failed(user: WebUser, now: datetime, limits: LoginLimits) -> None:
    if user.locked_until is not None and now - user.locked_until > timedelta(
        minutes=limits.max_delay_minutes
    ):
        user.failed_logins = 0  # quiet since the last delay ended: start afresh
    user.failed_logins += 1
    wait = delay(user.failed_logins, limits.per_account, limits)
    user.locked_until = now + wait if wait else user.locked_until


def known_device(session: Session, user: WebUser, token: str | None) -> WebDevice | None:
    """The device row if this browser's cookie belongs to this account."""
    if not token:
        return None
    device = session.get(WebDevice, token_hash(token))
    return device if device is not None and device.user_id == user.id else None


def device_failed(session: Session, device: WebDevice, limits: LoginLimits) -> None:
    device.failures += 1
    if device.failures >= limits.per_account:
        session.delete(device)  # from now on this browser counts against the account
    else:
        session.add(device)


def remember_device(session: Session, user: WebUser, now: datetime) -> str:
    """A new device token for this browser and account; returns it for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(WebDevice(token_hash=token_hash(token), user_id=stored_id(user), created_at=now))
    return token


def wait_text(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 120:
        return f"{seconds} seconden"
    return f"{-(-seconds // 60)} minuten"
