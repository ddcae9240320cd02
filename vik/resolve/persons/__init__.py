"""Persons: every record that names a person is tied to a BRP person, or says why not.

    >>> links = resolve_persons(brp, records, judgements=judgements)  # doctest: +SKIP
    >>> links.columns
    ['source', 'record_key', 'persoon_id', 'confidence', 'method', 'status', 'reason']

How, in order (``resolve.py``):

1. A human judgement wins (``vik.resolve.judgements``): ``is`` links (confidence 1,
   method ``oordeel``), ``is_niet`` removes that person from the candidates.
2. An identifier decides (``Bsn``): a BSN pseudonym the BRP knows is that resident
   (method ``bsn``). A BSN it does not know is someone living elsewhere
   (``bsn_buiten_brp``, that BSN's id), unless steps 3-5 find a resident certain:
   then the BSN was mistyped, and the record is that resident (method
   ``bsn_onbekend_`` and the matcher's method). Such records have a share of
   residents of their own, which leans on "hardly ever": a namesake is no reason to
   doubt a BSN; name, birth date and address together can be.
3. Otherwise candidates come from blocks (``blocking.py``, rules as data), joined
   in polars: the same birth date; the same sound key of the surname, birth year
   and first initial; the same first given name and surname; every person ever
   registered at the record's resolved address; and, for records with neither birth
   date nor address, the sound key and first initial.
4. Each candidate pair is compared by every comparison (``comparisons.py``, one
   class each, in the shape of Splink's comparison library: surname, given names,
   birth date, address) into an agreement level, named in its ``Level`` enum; names
   with one rapidfuzz ``process.cpdist`` batch call (``similarity.py``), never a
   Python loop per record. A Fellegi-Sunter model (``model.py``) turns levels into
   evidence: for every level, ``u`` (how often it occurs between different persons)
   is counted on random record-person pairs and ``m`` (how often between records of
   the same person) is estimated by expectation maximisation, one session per
   training block, each night on that night's data, so the model fits the
   municipality's own registers. A pair's match weight is the prior plus the sum of
   ``log2(m/u)`` over the comparisons the record has, in bits. Its confidence
   (``probability.py``) is the probability that the record is this person rather
   than another candidate or someone outside the BRP: a record is one person at
   most, and the share of records that concern a resident is learned each night
   too, per source.
5. The decision (``decision.py``): the best candidate is ``zeker`` when its
   probability reaches ``certain``, the runner-up is at least ``margin_bits``
   weaker, the link rests on more than a name (birth date or address agrees) and a
   name agrees (or else birth date and address both agree exactly). When the
   candidates as good as the best together reach ``possible``, it is ``mogelijk``:
   kept for the analist, never used by a rule. Namesakes and twins therefore never
   become certain by guess. The method says what a link rests on
   (``naam_geboortedatum_adres``), the reason why a link is not certain.

An address that differs is no evidence against a person by default: a permit's or
a report's address is a location, not where the person lives
(``address: disagreement_counts`` turns that on for sources whose address is the
residence).

Inside, the matcher works on numbers that last one night (``night.py``): persons
are numbered in the order of their persoon_id, and every name, birth date and
address value is numbered once, so that blocks, comparisons and the model join,
group and sort integers.

Entity ids are derived, not numbered, so they are stable from night to night: a
BRP person is ``P`` + the first 20 hex characters of the BSN pseudonym (the
pseudonym itself is a keyed HMAC); a person known only from process records, with
a full birth date and no BRP candidate, is ``PX`` + a hash of the folded surname,
first initial and birth date (status ``zeker``, method
``naam_geboortedatum_buiten_brp``), so two records of the same non-resident meet.

Every threshold is a field of ``PersonMatchSettings`` (config/resolve.yaml, key
``persons``; docs/resolution.md). Adding a comparison is one class and one field.
"""

from vik.resolve.persons.blocking import BLOCKING_RULES, BlockingRule
from vik.resolve.persons.comparison import (
    Comparison,
    Frequency,
    Identifier,
    Level,
    Role,
    ShareBounds,
    WeighedComparison,
)
from vik.resolve.persons.comparisons import (
    Address,
    AddressLevel,
    BirthDate,
    BirthDateLevel,
    Bsn,
    BsnLevel,
    GivenNames,
    GivenNamesLevel,
    Surname,
    SurnameLevel,
    birth_date_level,
)
from vik.resolve.persons.decision import Decision
from vik.resolve.persons.model import TRAINING_BLOCKS, MatchModel, ModelSettings, TrainingBlock
from vik.resolve.persons.night import person_id
from vik.resolve.persons.probability import record_probability
from vik.resolve.persons.resolve import RESULT_SCHEMA, resolve_persons
from vik.resolve.persons.settings import PersonMatchSettings
from vik.resolve.persons.similarity import SwappedNames

__all__ = [
    "BLOCKING_RULES",
    "RESULT_SCHEMA",
    "TRAINING_BLOCKS",
    "Address",
    "AddressLevel",
    "BirthDate",
    "BirthDateLevel",
    "BlockingRule",
    "Bsn",
    "BsnLevel",
    "Comparison",
    "Decision",
    "Frequency",
    "GivenNames",
    "GivenNamesLevel",
    "Identifier",
    "Level",
    "MatchModel",
    "ModelSettings",
    "PersonMatchSettings",
    "Role",
    "ShareBounds",
    "Surname",
    "SurnameLevel",
    "SwappedNames",
    "TrainingBlock",
    "WeighedComparison",
    "birth_date_level",
    "person_id",
    "record_probability",
    "resolve_persons",
]
