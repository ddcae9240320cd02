"""BSN pseudonyms: a real HMAC-SHA256, keyed, stable, never the BSN itself."""

from __future__ import annotations

import hmac

import polars as pl
import pytest

from vik.connectors.pseudonyms import PseudonymKey, load_key, pseudonymise
from vik.errors import PseudonymKeyError
from vik.settings import Settings


def test_pseudonym_is_hmac_sha256_of_the_bsn():
    key = PseudonymKey(b"k" * 32)
    series = pl.Series("bsn", ["111222333", None, "123456782", "111222333"])
    result = pseudonymise(series, key).to_list()
    expected = hmac.digest(b"k" * 32, b"111222333", "sha256").hex()[:32]
    assert result[0] == result[3] == expected
    assert result[1] is None
    assert result[2] != expected


def test_long_keys_are_hashed_first_as_hmac_prescribes():
    key = PseudonymKey(b"z" * 100)
    (value,) = pseudonymise(pl.Series(["111222333"]), key).to_list()
    assert value == hmac.digest(b"z" * 100, b"111222333", "sha256").hex()[:32]


def test_key_is_required_and_must_be_long_enough(tmp_path, monkeypatch):
    monkeypatch.delenv("VIK_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("VIK_PSEUDONYM_KEY_FILE", raising=False)
    with pytest.raises(PseudonymKeyError, match="VIK_PSEUDONYM_KEY_FILE"):
        load_key(Settings())
    with pytest.raises(PseudonymKeyError, match="te kort"):
        PseudonymKey(b"short")
    path = tmp_path / "key"
    path.write_text("a" * 64)
    assert load_key(Settings(pseudonym_key_file=path)).secret == b"a" * 64
    with pytest.raises(PseudonymKeyError, match="bestaat niet"):
        load_key(Settings(pseudonym_key_file=tmp_path / "missing"))


def test_key_never_shows_in_its_repr():
    assert "k" * 32 not in repr(PseudonymKey(b"k" * 32))
