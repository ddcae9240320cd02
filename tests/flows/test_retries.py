"""Issue 11.2: a deterministic input error is not retried; a failing file share is."""

from __future__ import annotations

import pytest
from prefect import flow

from vik.errors import FileFormatError

pytestmark = pytest.mark.prefect


def _attempts(error: BaseException) -> int:
    from vik.flows.nightly import PrefectSteps

    calls: list[int] = []

    def read(source: str) -> None:
        calls.append(1)
        raise error

    @flow(name="vik-test-retries", persist_result=False)
    def night() -> None:
        PrefectSteps().map("extract", read, ["brp"])

    with pytest.raises(type(error)):
        night()
    return len(calls)


def test_an_extract_error_is_not_retried(prefect_harness, monkeypatch):
    import vik.flows.nightly

    monkeypatch.setattr(vik.flows.nightly, "RETRY_DELAY_SECONDS", 0)
    error = FileFormatError("brp.csv: regel 5 heeft een aanhalingsteken dat niet wordt gesloten")
    assert _attempts(error) == 1


def test_a_failing_file_share_is_retried(prefect_harness, monkeypatch):
    import vik.flows.nightly

    monkeypatch.setattr(vik.flows.nightly, "RETRY_DELAY_SECONDS", 0)
    assert _attempts(OSError(5, "Input/output error")) == 1 + vik.flows.nightly.RETRIES["extract"]
