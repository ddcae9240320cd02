"""`vik users`: accounts of the web application (roles, departments, passwords).

vik users add analist.handhaving --rol analist --afdeling handhaving --naam "A. de Vries"
vik users list
vik users passwd analist.handhaving
vik users disable analist.handhaving
"""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING, Any

import typer

from vik.cli.output import table, user_errors
from vik.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

users_app = typer.Typer(
    name="users",
    help="Gebruikers van `vik web`: aanmaken, tonen, wachtwoord wijzigen, uit- en inschakelen.",
    no_args_is_help=True,
)

DB_OPTION = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL.")
PASSWORD_ENV = "VIK_WACHTWOORD"


def _engine(db: str | None) -> Engine:
    from vik.store.db import open_current

    return open_current(db or Settings().resolved_database_url())


def _actor() -> str:
    try:
        who = getpass.getuser()
    except OSError:  # pragma: no cover - no user name in the environment
        who = "onbekend"
    return f"vik users ({who})"


def _departments() -> dict[str, Any]:
    from vik.departments import load_departments

    return dict(load_departments(Settings().config_dir).root)


def _password(confirm: bool = True) -> str:
    """From VIK_WACHTWOORD (scripts) or asked twice, hidden; never a command-line argument,
    which would end up in the shell history and the process list."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    password: str = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=confirm)
    return password


@users_app.command("add")
@user_errors
def add(
    username: str = typer.Argument(..., help="Gebruikersnaam, bijvoorbeeld analist.handhaving."),
    role: str = typer.Option(..., "--rol", help="analist, compliance of beheer."),
    department: str = typer.Option(
        None, "--afdeling", help="Afdeling (alleen voor een analist); zie `vik users departments`."
    ),
    name: str = typer.Option(..., "--naam", help="Naam van de persoon achter het account."),
    db: str = DB_OPTION,
) -> None:
    """Maak een account aan. Het wachtwoord wordt gevraagd (of gelezen uit VIK_WACHTWOORD)."""
    from vik.store.db import session_scope
    from vik.web.users import add_user, check_account

    departments = _departments()
    check_account(username, role, department, name, departments)  # before asking a password
    password = _password()
    with session_scope(_engine(db)) as session:
        user = add_user(
            session,
            username,
            password,
            role,
            department,
            name,
            departments=departments,
            actor=_actor(),
        )
        typer.echo(
            f"Gebruiker {user.username} aangemaakt: {role}"
            + (f" van {departments[department].name}" if department else "")
            + "."
        )


@users_app.command("list")
@user_errors
def list_(db: str = DB_OPTION) -> None:
    """Alle accounts met rol, afdeling, status en laatste aanmelding."""
    from vik.store.db import session_scope
    from vik.web.users import list_users

    with session_scope(_engine(db)) as session:
        rows = [
            (
                u.username,
                u.display_name,
                u.role,
                u.department or "",
                "actief" if u.active else "uitgeschakeld",
                u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "nooit",
            )
            for u in list_users(session)
        ]
    if not rows:
        typer.echo("Nog geen gebruikers. Maak er een met `vik users add`, of draai `vik demo run`.")
        return
    typer.echo(
        table(("gebruiker", "naam", "rol", "afdeling", "status", "laatst aangemeld (UTC)"), rows)
    )


@users_app.command("passwd")
@user_errors
def passwd(
    username: str = typer.Argument(..., help="Gebruikersnaam."), db: str = DB_OPTION
) -> None:
    """Stel een nieuw wachtwoord in; aangemelde sessies van die gebruiker eindigen."""
    from vik.store.db import session_scope
    from vik.web.users import require_user, set_password

    engine = _engine(db)
    with session_scope(engine) as session:
        require_user(session, username)  # a clear message before asking for a password
    password = _password()
    with session_scope(engine) as session:
        set_password(session, username, password, actor=_actor())
    typer.echo(f"Wachtwoord van {username} gewijzigd; bestaande sessies zijn beëindigd.")


@users_app.command("disable")
@user_errors
def disable(
    username: str = typer.Argument(..., help="Gebruikersnaam."), db: str = DB_OPTION
) -> None:
    """Schakel een account uit (het blijft bestaan, want het toegangslog noemt het)."""
    _set_active(username, db, False)
    typer.echo(f"Gebruiker {username} uitgeschakeld; aangemelde sessies zijn beëindigd.")


@users_app.command("enable")
@user_errors
def enable(
    username: str = typer.Argument(..., help="Gebruikersnaam."), db: str = DB_OPTION
) -> None:
    """Schakel een uitgeschakeld account weer in (heft ook een aanmeldvertraging op)."""
    _set_active(username, db, True)
    typer.echo(f"Gebruiker {username} ingeschakeld.")


def _set_active(username: str, db: str, active: bool) -> None:
    from vik.store.db import session_scope
    from vik.web.users import set_active

    with session_scope(_engine(db)) as session:
        set_active(session, username, active, actor=_actor())


@users_app.command("departments")
@user_errors
def departments() -> None:
    """De afdelingen uit config/departments.yaml (wijzig ze in dat bestand)."""
    rows = [(key, d.name, d.contact) for key, d in _departments().items()]
    typer.echo(table(("afdeling", "naam", "contactpunt"), rows))
    typer.echo(f"\nAfdelingen staan in {Settings().config_dir / 'departments.yaml'}.")
