"""Accounts of the web application: roles, departments and argon2id password hashes.

    >>> with session_scope(engine) as session:  # doctest: +SKIP
    ...     add_user(session, "analist.handhaving", "een lang wachtwoord", "analist",
    ...              "handhaving", "A. Analist", departments=["handhaving"], actor="beheer")
    ...     authenticate(session, "analist.handhaving", "een lang wachtwoord").role
    'analist'

Four roles: an ``analist`` of one department reviews that department's flags;
``compliance`` (the privacy officer, the FG) reads the rule register, retention status
and access log and approves profiling exceptions; ``eigenaar`` (rule owner) reads the
register and approves rule versions that another account wrote; ``beheer``
(functioneel beheer) sees runs and accounts. Every change to
an account is written to the audit log. The command line (`vik users`) and the demo
(`vik demo run`) use these functions; the web app only authenticates.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlmodel import Session, col, select

from vik.errors import LoginError, UserError
from vik.roles import Role
from vik.store.audit import record
from vik.store.demo import require_demo
from vik.store.models import WebSession, WebUser, utcnow
from vik.web._throttle import (
    LoginLimits,
    account_failed,
    account_wait,
    device_failed,
    known_device,
)
from vik.web.inputs import MAX_PASSWORD, check_password

ROLES = {
    Role.ANALIST: "Analist",
    Role.COMPLIANCE: "Compliance (functionaris gegevensbescherming)",
    Role.EIGENAAR: "Regeleigenaar (keurt regelversies goed)",
    Role.BEHEER: "Functioneel beheer",
}
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")

# argon2id with the library's current defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong name takes as long
# as a wrong password and response times do not tell which names exist.
_DUMMY_HASH = _hasher.hash("geen-echt-wachtwoord")


GENERIC_LOGIN_FAILURE = (
    "Onbekende gebruikersnaam of onjuist wachtwoord. Na een aantal mislukte pogingen moet "
    "u steeds langer wachten voor u het opnieuw kunt proberen."
)


def hash_password(password: str, username: str | None = None) -> str:
    check_password(password, username)
    return _hasher.hash(password)


def check_account(
    username: str,
    role: str,
    department: str | None,
    display_name: str,
    departments: Collection[str] | None = None,
) -> None:
    """Raise a UserError that says what to fix if these account fields do not fit together."""
    if not USERNAME.match(username):
        raise UserError(
            f"Ongeldige gebruikersnaam {username!r}: gebruik kleine letters, cijfers, punt, "
            "streepje of liggend streepje, beginnend met een letter (bijvoorbeeld "
            "analist.handhaving)."
        )
    if role not in ROLES:
        raise UserError(f"Onbekende rol {role!r}; kies uit: {', '.join(ROLES)}.")
    if role == Role.ANALIST and not department:
        raise UserError(
            "Een analist hoort bij een afdeling: geef --afdeling (zie `vik users departments`)."
        )
    if role != Role.ANALIST and department:
        raise UserError(
            f"De rol {role} hoort niet bij een afdeling; laat --afdeling weg (alleen een "
            "analist werkt voor één afdeling)."
        )
    if department and departments is not None and department not in departments:
        raise UserError(
            f"Afdeling {department!r} bestaat niet. Afdelingen staan in config/departments.yaml: "
            f"{', '.join(departments)}."
        )
    if not display_name.strip():
        raise UserError("Geef de naam van de persoon achter het account (--naam).")


def get_user(session: Session, username: str) -> WebUser | None:
    return session.exec(select(WebUser).where(WebUser.username == username)).first()


def require_user(session: Session, username: str) -> WebUser:
    user = get_user(session, username)
    if user is None:
        raise UserError(
            f"Gebruiker {username!r} bestaat niet. Bekijk de gebruikers met `vik users list`."
        )
    return user


def list_users(session: Session) -> list[WebUser]:
    return list(session.exec(select(WebUser).order_by(col(WebUser.username))).all())


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    department: str | None,
    display_name: str,
    *,
    departments: Collection[str] | None = None,
    actor: str,
    demo: bool = False,
) -> WebUser:
    """A new account; an existing username is an error (use set_password or ensure_user)."""
    check_account(username, role, department, display_name, departments)
    if get_user(session, username) is not None:
        raise UserError(
            f"Gebruiker {username!r} bestaat al. Wijzig het wachtwoord met "
            f"`vik users passwd {username}`."
        )
    user = WebUser(
        username=username,
        display_name=display_name.strip(),
        role=role,
        department=department or None,
        password_hash=_demo_hash(password) if demo else hash_password(password, username),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="gebruiker_aangemaakt",
        object_type="gebruiker",
        object_id=user.id,
        details={"gebruiker": username, "rol": role, "afdeling": department},
    )
    return user


def ensure_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    department: str | None,
    display_name: str,
    *,
    departments: Collection[str] | None = None,
    actor: str = "vik demo",
) -> WebUser:
    """Create the account, or bring an existing one to these values (idempotent; the demo).

    Only in the demo's own database (vik.store.demo): it re-enables the account and
    resets it to a published password."""
    require_demo(session)
    user = get_user(session, username)
    if user is None:
        return add_user(
            session,
            username,
            password,
            role,
            department,
            display_name,
            departments=departments,
            actor=actor,
            demo=True,
        )
    check_account(username, role, department, display_name, departments)
    changed = (user.role, user.department, user.display_name, user.active) != (
        role,
        department or None,
        display_name,
        True,
    )
    user.role, user.department, user.display_name, user.active = (
        role,
        department or None,
        display_name,
        True,
    )
    if not _verify(user.password_hash, password):
        user.password_hash = _demo_hash(password)
        user.password_changed_at = utcnow()
        _end_sessions(session, user)
        changed = True
    if changed:
        session.add(user)
        record(
            session,
            actor=actor,
            action="gebruiker_gewijzigd",
            object_type="gebruiker",
            object_id=user.id,
            details={"gebruiker": username, "rol": role, "afdeling": department},
        )
    return user


def set_password(session: Session, username: str, password: str, *, actor: str) -> WebUser:
    user = require_user(session, username)
    user.password_hash = hash_password(password, username)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    _end_sessions(session, user)
    record(
        session,
        actor=actor,
        action="wachtwoord_gewijzigd",
        object_type="gebruiker",
        object_id=user.id,
        details={"gebruiker": username},
    )
    return user


def set_active(session: Session, username: str, active: bool, *, actor: str) -> WebUser:
    """Disable (signed-in sessions end at once) or re-enable an account; accounts are never
    deleted, because the audit log names them."""
    user = require_user(session, username)
    user.active = active
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    if not active:
        _end_sessions(session, user)
    record(
        session,
        actor=actor,
        action="gebruiker_ingeschakeld" if active else "gebruiker_uitgeschakeld",
        object_type="gebruiker",
        object_id=user.id,
        details={"gebruiker": username},
    )
    return user


def authenticate(
    session: Session,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    device: str | None = None,
    limits: LoginLimits | None = None,
) -> WebUser:
    """The account for these credentials, or a LoginError with a Dutch message.

    Unknown names, wrong passwords and accounts in a sign-in delay (vik.web._throttle)
    get the same message after the same hashing work, so the form does not reveal who
    has an account. `device` is the browser's device cookie: a browser that signed in to
    this account before is not held back by failures elsewhere."""
    now = now or utcnow()
    limits = limits or LoginLimits()
    user = get_user(session, username.strip().lower())
    if user is None or len(password) > MAX_PASSWORD:
        _verify(_DUMMY_HASH, password[:MAX_PASSWORD])
        record(session, actor=user.username if user else "onbekend", action="aanmelden_mislukt")
        raise LoginError(GENERIC_LOGIN_FAILURE)
    known = known_device(session, user, device)
    if known is None and account_wait(user, now):
        _verify(_DUMMY_HASH, password)
        record(session, actor=user.username, action="aanmelden_vertraagd")
        raise LoginError(GENERIC_LOGIN_FAILURE)
    if not _verify(user.password_hash, password):
        if known is not None:
            device_failed(session, known, limits)
        else:
            account_failed(user, now, limits)
            session.add(user)
        record(session, actor=user.username, action="aanmelden_mislukt")
        raise LoginError(GENERIC_LOGIN_FAILURE)
    if not user.active:
        record(session, actor=user.username, action="aanmelden_geweigerd")
        raise LoginError(
            "Dit account is uitgeschakeld. Vraag functioneel beheer om het weer in te schakelen."
        )
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    if known is not None:
        known.failures, known.last_used_at = 0, now
        session.add(known)
    else:
        user.failed_logins = 0
        user.locked_until = None
    user.last_login_at = now
    session.add(user)
    record(session, actor=user.username, action="aangemeld")
    return user


def _demo_hash(password: str) -> str:
    # The demo's passwords are published (name + "-demo") and contain the name; they
    # exist only in the demo's own database (ensure_user checks), so no strength check.
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _end_sessions(session: Session, user: WebUser) -> None:
    session.execute(delete(WebSession).where(col(WebSession.user_id) == user.id))
