"""BSN, KvK numbers and BAG ids: valid, unique, and never repeated between calls."""

from __future__ import annotations

import numpy as np

from vik.demo.identifiers import Identifiers, as_text, elfproef


def test_bsns_pass_the_elfproef_and_never_repeat():
    ids = Identifiers(np.random.default_rng(1))
    first, second = ids.bsn(20_000), ids.bsn(7)
    both = np.concatenate([first, second])
    assert elfproef(both).all()
    assert np.unique(both).size == both.size
    assert as_text(both, 9).str.len_chars().eq(9).all()


def test_elfproef_rejects_a_changed_check_digit():
    assert elfproef(np.array([111222333, 123456782])).all()
    assert not elfproef(np.array([111222334, 123456789])).any()


def test_kvk_and_vestigingsnummers_have_their_length_and_are_unique():
    ids = Identifiers(np.random.default_rng(2))
    kvk = np.concatenate([ids.kvk_nummer(5000), ids.kvk_nummer(3)])
    vestiging = ids.vestigingsnummer(5000)
    assert np.unique(kvk).size == kvk.size
    assert as_text(kvk, 8).str.len_chars().eq(8).all()
    assert as_text(vestiging, 12).str.len_chars().eq(12).all()


def test_bag_ids_carry_gemeentecode_and_object_type():
    ids = Identifiers(np.random.default_rng(3))
    nummeraanduiding = as_text(ids.bag_id("20", 100), 16)
    verblijfsobject = as_text(ids.bag_id("01", 100), 16)
    more = as_text(ids.bag_id("20", 100), 16)
    assert nummeraanduiding.str.contains(r"^\d{4}20\d{10}$").all()
    assert verblijfsobject.str.contains(r"^\d{4}01\d{10}$").all()
    assert not set(more) & set(nummeraanduiding)
