"""`vik zoek`: look an address, person or company up for a stated purpose (bevraging).

vik zoek adres "Kerkstraat 12a, Amersfoort" --doel adresonderzoek --reden "Melding 2026-114"
vik zoek persoon --naam "Jan de Vries" --geboortedatum 1980-05-01 --doel ... --reden ...
vik zoek persoon --bsn - --doel ... --reden ...        # the BSN asked without echo
vik zoek bedrijf --kvk 01234567 --doel ... --reden ... --inhoud --json

Step 1 (hit/no-hit) always; step 2 (content, only what the purpose covers) with
--inhoud. The user is the operating-system user, unless --gebruiker names a VIK account
(or the OS user is one): then that account and its department.
"""

from __future__ import annotations

import getpass
import json
from typing import Any

import typer

from vik.cli.output import table, user_errors
from vik.errors import LookupRefusedError
from vik.settings import Settings

lookup_app = typer.Typer(
    name="zoek",
    help="Bevraging: zoek een adres, persoon of bedrijf op voor een doel van uw afdeling. "
    "Eerst hit/no-hit; met --inhoud ook de gegevens die het doel dekt.",
    no_args_is_help=True,
)

DOEL = typer.Option(..., "--doel", help="Het doel (id uit config/purposes.yaml) van uw afdeling.")
REDEN = typer.Option(
    ..., "--reden", help="Waarom u dit opzoekt (zaak, melding, kenmerk); komt in het toegangslog."
)
INHOUD = typer.Option(False, "--inhoud", help="Ook stap 2: de gegevens die het doel dekt.")
AS_JSON = typer.Option(False, "--json", help="Het antwoord als één JSON-object.")
GEBRUIKER = typer.Option(
    None, "--gebruiker", help="VIK-account namens wie u zoekt (standaard: uw systeemgebruiker)."
)
AFDELING = typer.Option(
    None,
    "--afdeling",
    help="Uw afdeling, als u zonder VIK-account zoekt (id uit departments.yaml).",
)
KIES = typer.Option(
    None, "--kies", help="Een kandidaat uit een eerder antwoord, bijvoorbeeld persoon:P1a2b3c4d5…"
)
DB = typer.Option(None, "--db", help="Database-URL; gaat voor VIK_DATABASE_URL.")


def operating_system_user() -> str:
    try:
        return getpass.getuser()
    except OSError:  # pragma: no cover - no user name in the environment
        return "onbekend"


def acting_user(
    session: Any, gebruiker: str | None, afdeling: str | None, departments: Any
) -> tuple[str, str | None]:
    """(user, department): a VIK account named by --gebruiker or matching the OS user,
    with the account's department; otherwise the OS user with --afdeling."""
    from vik.web.users import get_user

    name = gebruiker or operating_system_user()
    account = get_user(session, name)
    if account is None and gebruiker:
        raise LookupRefusedError(
            f"'{gebruiker}' is geen VIK-account (zie `vik users list`). Laat --gebruiker weg om "
            "als uw systeemgebruiker te zoeken, met --afdeling."
        )
    if account is not None:
        if not account.active:
            raise LookupRefusedError(f"Het account {account.username} is uitgeschakeld.")
        if afdeling and afdeling != account.department:
            raise LookupRefusedError(
                f"Het account {account.username} hoort bij {account.department or 'geen afdeling'},"
                f" niet bij {afdeling}."
            )
        return account.username, account.department
    if not afdeling:
        raise LookupRefusedError(
            f"U zoekt als systeemgebruiker {name} zonder VIK-account: noem uw afdeling met "
            "--afdeling, of zoek namens uw account met --gebruiker."
        )
    if afdeling not in departments:
        raise LookupRefusedError(
            f"'{afdeling}' is geen afdeling; afdelingen: {', '.join(departments)}."
        )
    return name, afdeling


def _run(
    query: Any,
    doel: str,
    reden: str,
    inhoud: bool,
    as_json: bool,
    gebruiker: str | None,
    afdeling: str | None,
    db: str | None,
) -> None:
    from vik.connectors.pseudonyms import load_key
    from vik.lookup.bevraging import LookupRequest
    from vik.lookup.service import Lookups
    from vik.store.db import open_current, session_scope

    settings = Settings()
    lookups = Lookups.from_config(
        settings.config_dir, data_dir=settings.data_dir, key=lambda: load_key(settings)
    )
    engine = open_current(db or settings.resolved_database_url())
    with session_scope(engine) as session:
        user, department = acting_user(session, gebruiker, afdeling, lookups.departments)
        request = LookupRequest(user, department, doel, reden, "cli")
        found = lookups.find(session, request, query)
        session.commit()
        if found.subject is None:
            _print_candidates(found, as_json)
            return
        answer = lookups.hit_no_hit(session, request, found.subject).as_dict()
        session.commit()
        if inhoud:
            answer["inhoud"] = lookups.content(session, request, found.subject).as_dict()
            session.commit()
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    _print_answer(answer, user, department, doel)


def _print_candidates(found: Any, as_json: bool) -> None:
    candidates = [
        {
            "referentie": c.subject.ref,
            "omschrijving": c.subject.label,
            "kenmerk": c.hint,
            "gelijkenis": round(c.score, 1),
        }
        for c in found.candidates
    ]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "onderwerp": None,
                    "kandidaten": candidates,
                    "meer_kandidaten": found.more,
                    "toelichting": found.reason,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not candidates:
        typer.echo(f"Niets gevonden: {found.reason}.")
        return
    typer.echo(f"Niet eenduidig: {found.reason}. VIK kiest niet; kies met --kies REFERENTIE:")
    typer.echo(
        table(
            ("referentie", "omschrijving", "kenmerk"),
            [(c["referentie"], c["omschrijving"], c["kenmerk"] or "") for c in candidates],
        )
    )
    if found.more:
        typer.echo("Er zijn meer kandidaten: verfijn de zoekvraag.")


def _yes(value: bool) -> str:
    return "ja" if value else "nee"


def _print_answer(answer: dict[str, Any], user: str, department: str | None, doel: str) -> None:
    subject = answer["onderwerp"]
    typer.echo(f"Bevraging voor doel {doel} · {user} · afdeling {department}")
    typer.echo(f"Onderwerp: {subject['omschrijving']} ({subject['referentie']})\n")
    typer.echo("Stap 1 · hit/no-hit per bron")
    typer.echo(table(("bron", "hit"), [(s["bron"], _yes(s["hit"])) for s in answer["bronnen"]]))
    typer.echo("\nPer afdeling: signalen over dit onderwerp (alleen of ze er zijn)")
    typer.echo(
        table(
            ("afdeling", "hit", "open signalen", "contact"),
            [
                (d["naam"], _yes(d["hit"]), _yes(d["open_signalen"]), d["contact"] or "")
                for d in answer["afdelingen"]
            ],
        )
    )
    content = answer.get("inhoud")
    if content is None:
        typer.echo("\nDe inhoud (stap 2) toont `vik zoek ... --inhoud`, alleen wat het doel dekt.")
        return
    typer.echo(f"\nStap 2 · inhoud voor doel {content['doel']}")
    for source in content["bronnen"]:
        typer.echo(f"\n{source['bron']}: {len(source['records'])} record(s)")
        if source["records"]:
            typer.echo(
                table(
                    source["kolommen"],
                    [
                        [_cell(record.get(c)) for c in source["kolommen"]]
                        for record in source["records"]
                    ],
                )
            )
    if content["niet_in_doel"]:
        typer.echo(f"\nNiet in dit doel (niet getoond): {', '.join(content['niet_in_doel'])}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _bsn(value: str | None) -> str | None:
    """'-' asks the BSN without echo, so that it stays out of the shell history."""
    if value == "-":
        bsn: str = typer.prompt("BSN", hide_input=True)
        return bsn
    return value


@lookup_app.command("adres")
@user_errors
def adres(
    tekst: str = typer.Argument(None, help="Het adres, bijvoorbeeld 'Kerkstraat 12a, Amersfoort'."),
    doel: str = DOEL,
    reden: str = REDEN,
    inhoud: bool = INHOUD,
    as_json: bool = AS_JSON,
    gebruiker: str = GEBRUIKER,
    afdeling: str = AFDELING,
    kies: str = KIES,
    db: str = DB,
) -> None:
    """Zoek een adres op zoals VIK het aan de BAG koppelt; meerdere mogelijkheden geven kandidaten."""
    from vik.lookup.service import Query

    if not tekst and not kies:
        raise LookupRefusedError("Geef een adres, bijvoorbeeld: vik zoek adres 'Kerkstraat 12a'.")
    query = Query.chosen(kies) if kies else Query.address(tekst)
    _run(query, doel, reden, inhoud, as_json, gebruiker, afdeling, db)


@lookup_app.command("persoon")
@user_errors
def persoon(
    naam: str = typer.Option(None, "--naam", help="Naam, bijvoorbeeld 'Jan de Vries'."),
    geboortedatum: str = typer.Option(None, "--geboortedatum", help="JJJJ-MM-DD."),
    bsn: str = typer.Option(
        None, "--bsn", help="BSN (wordt direct gepseudonimiseerd; '-' vraagt het zonder echo)."
    ),
    doel: str = DOEL,
    reden: str = REDEN,
    inhoud: bool = INHOUD,
    as_json: bool = AS_JSON,
    gebruiker: str = GEBRUIKER,
    afdeling: str = AFDELING,
    kies: str = KIES,
    db: str = DB,
) -> None:
    """Zoek een persoon op BSN, of op naam en geboortedatum (twee mogelijke personen: kandidaten)."""
    from vik.lookup.service import Query

    query = (
        Query.chosen(kies)
        if kies
        else Query.person(naam=naam, geboortedatum=geboortedatum, bsn=_bsn(bsn))
    )
    _run(query, doel, reden, inhoud, as_json, gebruiker, afdeling, db)


@lookup_app.command("bedrijf")
@user_errors
def bedrijf(
    kvk: str = typer.Option(None, "--kvk", help="KvK-nummer (8 cijfers)."),
    naam: str = typer.Option(None, "--naam", help="Handelsnaam."),
    doel: str = DOEL,
    reden: str = REDEN,
    inhoud: bool = INHOUD,
    as_json: bool = AS_JSON,
    gebruiker: str = GEBRUIKER,
    afdeling: str = AFDELING,
    kies: str = KIES,
    db: str = DB,
) -> None:
    """Zoek een bedrijf op KvK-nummer of handelsnaam."""
    from vik.lookup.service import Query

    query = Query.chosen(kies) if kies else Query.company(kvk=kvk, naam=naam)
    _run(query, doel, reden, inhoud, as_json, gebruiker, afdeling, db)
