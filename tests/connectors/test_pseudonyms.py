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
    monkeypatch.delenv("VIK_DATA_DIR", raising=False)
    monkeypatch.setenv("VIK_HOME", str(tmp_path / "home"))
    with pytest.raises(PseudonymKeyError, match="VIK_PSEUDONYM_KEY_FILE"):
        load_key(Settings())
    with pytest.raises(PseudonymKeyError, match="te kort"):
        PseudonymKey(b"short")
    path = tmp_path / "key"
    path.write_text("a" * 64)
    assert load_key(Settings(pseudonym_key_file=path)).secret == b"a" * 64
    with pytest.raises(PseudonymKeyError, match="bestaat niet"):
        load_key(Settings(pseudonym_key_file=tmp_path / "missing"))


@pytest.mark.parametrize("written_by", ["vik init", "vik demo run"])
def test_without_a_key_setting_the_key_vik_wrote_itself_is_used(tmp_path, monkeypatch, written_by):
    """After `vik demo run` (key in <data_dir>/secrets) or `vik init` (<home>/secrets), the
    lookup, the dry-run and the inzage work without setting VIK_PSEUDONYM_KEY_FILE, and
    with the same key the night used: never a new one."""
    monkeypatch.delenv("VIK_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("VIK_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.setenv("VIK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VIK_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / ("home" if written_by == "vik init" else "data") / "secrets"
    folder.mkdir(parents=True)
    (folder / "pseudoniem.key").write_text("b" * 64 + "\n")
    assert load_key(Settings()).secret == b"b" * 64


def test_key_never_shows_in_its_repr():
    assert "k" * 32 not in repr(PseudonymKey(b"k" * 32))
