"""One front for the command line and the web application: check, find, step 1, step 2.

    >>> lookups = Lookups.from_config(Path("config"), data_dir=Path("var"), key=key)
    >>> request = LookupRequest("analist.burgerzaken", "burgerzaken", "adresonderzoek",
    ...                         "Melding over bewoning, zaak 2026-114", "cli")
    >>> found = lookups.find(session, request, Query.address("Kerkstraat 12a"))
    >>> step1 = lookups.hit_no_hit(session, request, found.subject)
    >>> step2 = lookups.content(session, request, found.subject)

Every call that touches a subject writes its audit entry in the caller's transaction; the
caller commits. A refusal (no reason, a purpose the department does not have) is logged
and raised, before anything is looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from vik.connectors.pseudonyms import PseudonymKey
from vik.errors import LookupRefusedError
from vik.lookup.bevraging import (
    Content,
    HitNoHit,
    LookupRequest,
    check_request,
    hit_no_hit,
    record_refusal,
    record_search,
    show_content,
)
from vik.lookup.projection import Projection, open_projection
from vik.lookup.purposes import Purpose, Purposes, load_purposes
from vik.lookup.settings import LookupSettings, load_lookup_settings
from vik.lookup.subjects import (
    Found,
    Subject,
    find_address,
    find_company_by_kvk,
    find_company_by_name,
    find_person_by_bsn,
    find_person_by_name,
    subject_of_ref,
)
from vik.store.models import stored_id
from vik.store.runs import require_last_good_run

ADDRESS_COLUMNS = ("straatnaam", "huisnummer", "postcode", "woonplaats")


@dataclass(frozen=True)
class Query:
    """What the user typed, by kind; a BSN is held only until it is pseudonymised."""

    entity_type: str
    adres: str | None = None
    naam: str | None = None
    geboortedatum: str | None = None
    bsn: str | None = field(default=None, repr=False)
    kvk: str | None = None
    ref: str | None = None  # a candidate chosen, or the subject of step 1

    @classmethod
    def address(cls, text: str) -> Query:
        return cls("adres", adres=text)

    @classmethod
    def person(
        cls, *, naam: str | None = None, geboortedatum: str | None = None, bsn: str | None = None
    ) -> Query:
        return cls("persoon", naam=naam, geboortedatum=geboortedatum, bsn=bsn)

    @classmethod
    def company(cls, *, kvk: str | None = None, naam: str | None = None) -> Query:
        return cls("bedrijf", kvk=kvk, naam=naam)

    @classmethod
    def chosen(cls, ref: str) -> Query:
        return cls(ref.partition(":")[0], ref=ref)


@dataclass
class Lookups:
    purposes: Purposes
    departments: Mapping[str, Any]
    settings: LookupSettings
    data_dir: Path
    key: Callable[[], PseudonymKey]

    @classmethod
    def from_config(
        cls,
        config_dir: Path,
        *,
        data_dir: Path,
        key: PseudonymKey | Callable[[], PseudonymKey],
        context: Any = None,
    ) -> Lookups:
        from vik.rules import load_context

        context = context or load_context(config_dir)
        return cls(
            purposes=load_purposes(config_dir, context),
            departments=context.departments or {},
            settings=load_lookup_settings(config_dir),
            data_dir=data_dir,
            key=key if callable(key) else (lambda: key),
        )

    def projection(self, session: Session) -> Projection:
        return open_projection(self.data_dir, stored_id(require_last_good_run(session)))

    def check(self, session: Session, request: LookupRequest, entity_type: str) -> Purpose:
        """The purpose, or a logged refusal (committed, so a rollback cannot lose it)."""
        try:
            return check_request(self.purposes, request, entity_type)
        except LookupRefusedError as error:
            record_refusal(session, request, entity_type, str(error))
            session.commit()
            raise

    def find(self, session: Session, request: LookupRequest, query: Query) -> Found:
        """Who the query is about; logged when it gives candidates or nothing."""
        purpose = self.check(session, request, query.entity_type)
        projection = self.projection(session)
        found = self._find(projection, query, purpose)
        if found.subject is None:
            record_search(session, found, request)
        return found

    def _find(self, projection: Projection, query: Query, purpose: Purpose) -> Found:
        settings = self.settings
        if query.ref:
            subject = subject_of_ref(projection, query.ref)
            return Found(subject.entity_type, subject.ref, subject=subject)
        if query.entity_type == "adres":
            return find_address(projection, query.adres or "", self.key(), settings)
        if query.entity_type == "persoon":
            if query.bsn:
                return find_person_by_bsn(projection, query.bsn, self.key())
            if not query.naam or not query.geboortedatum:
                raise LookupRefusedError(
                    "Zoek een persoon op BSN, of op naam én geboortedatum (jjjj-mm-dd)."
                )
            show_address = all(c in purpose.fields_of("brp") for c in ADDRESS_COLUMNS)
            return find_person_by_name(
                projection,
                query.naam,
                query.geboortedatum,
                self.key(),
                settings,
                show_address=show_address,
            )
        if query.entity_type == "bedrijf":
            if query.kvk:
                return find_company_by_kvk(projection, query.kvk)
            if not query.naam:
                raise LookupRefusedError("Zoek een bedrijf op KvK-nummer of op handelsnaam.")
            return find_company_by_name(projection, query.naam, self.key(), settings)
        raise LookupRefusedError("Zoek een adres, een persoon of een bedrijf.")

    def hit_no_hit(self, session: Session, request: LookupRequest, subject: Subject) -> HitNoHit:
        self.check(session, request, subject.entity_type)
        return hit_no_hit(session, self.departments, subject, request)

    def content(self, session: Session, request: LookupRequest, subject: Subject) -> Content:
        purpose = self.check(session, request, subject.entity_type)
        return show_content(session, self.projection(session), subject, purpose, request)
