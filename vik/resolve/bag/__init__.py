"""BAG addresses: each record's address tied to exactly one nummeraanduiding, or left open with why.

    >>> index = build_index(bag)                       # the ingested BAG extract
    >>> resolved = resolve_addresses(records, index)   # doctest: +SKIP
    >>> resolved.columns
    ['key', 'nummeraanduiding_id', 'confidence', 'method', 'reason', 'straat']

``records`` has a ``key`` per record and the address as the extract gave it:
``straatnaam``, ``huisnummer``, ``huisletter``, ``huisnummertoevoeging``,
``postcode``, ``woonplaats``, a free-text ``adres``, and ``nummeraanduiding_id``
where the source carries it (BRP). In order:

1. A ``nummeraanduiding_id`` that the BAG knows decides (method ``nummeraanduiding_id``).
2. Otherwise the address is read: the parts as given, or the free text parsed
   (``vik.resolve.addresses``), both readings of a text such as ``Plein 1945 1``
   (``resolve.py``).
3. Candidates come from two routes, all in polars joins: postcode plus house
   number (the exact key), and street plus house number within the
   municipality, the street matched on a normalised key (case, diacritics,
   abbreviations such as ``Kerkstr.`` and ``Burg.``) and, for typos, with one
   batched rapidfuzz ``cdist`` over the distinct typed street names (``index.py``;
   its thresholds are ``AddressMatchSettings``, config/resolve.yaml key ``addresses``).
4. Letter and toevoeging are chosen only among the combinations the BAG has for
   that number: ``12-A``, ``12 a`` and ``12A`` all match BAG's ``12A``; a
   number typed without letter where BAG has only lettered variants matches none.
5. Exactly one candidate address left: resolved. Two or more: left open with
   the reason ("never guess"). None: left open with the most specific reason
   (street unknown, number unknown, letter missing, postcode contradicts, ...;
   ``reasons.py``).

A postcode route candidate needs the typed street (when there is one) to agree
with the BAG street; a street route candidate needs a typed postcode (when
there is one) to agree, or at least its four digits with an exact street. A
woonplaats that is not in the BAG means the address lies outside the
municipality: it is left open, not matched to a namesake street here. A
location ``t/o`` (tegenover) an address is not that address: left open.
"""

from vik.resolve.bag.index import (
    RECORD_COLUMNS,
    AddressMatchSettings,
    BagIndex,
    build_index,
    place_key,
    street_key,
)
from vik.resolve.bag.resolve import RESULT_SCHEMA, address_candidates, resolve_addresses

__all__ = [
    "RECORD_COLUMNS",
    "RESULT_SCHEMA",
    "AddressMatchSettings",
    "BagIndex",
    "address_candidates",
    "build_index",
    "place_key",
    "resolve_addresses",
    "street_key",
]
