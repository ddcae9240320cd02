"""VIK's log file: rotated, private, JSON lines on request, exception types without tracebacks.

A whole night's log is checked for personal data in tests/cli/test_run_process.py.
"""

from __future__ import annotations

import json
import logging

import pytest

from vik.logs import configure_logging
from vik.settings import Settings


@pytest.fixture
def vik_logger():
    return logging.getLogger("vik.test")  # tests/conftest.py detaches the handlers after


def test_the_log_rotates_and_every_file_is_private(tmp_path, vik_logger):
    settings = Settings(data_dir=tmp_path / "var", log_max_bytes=2_000, log_backups=2)
    path = configure_logging(settings, console=False)
    for number in range(200):
        vik_logger.info("regel %s van de proef", number)
    files = sorted(path.parent.iterdir())
    assert [f.name for f in files] == ["vik.log", "vik.log.1", "vik.log.2"]
    assert {oct(f.stat().st_mode & 0o777) for f in files} == {"0o600"}
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert "regel 199 van de proef" in path.read_text()


def test_json_lines_carry_fields_and_exception_types_not_tracebacks(tmp_path, vik_logger):
    settings = Settings(data_dir=tmp_path / "var", log_format="json")
    path = configure_logging(settings, console=False)
    vik_logger.info("run %s gestart", 7, extra={"run_id": 7, "step": "extract"})
    try:
        raise ValueError("Jansen woont op de Dorpsstraat 1")  # a message that quotes data
    except ValueError:
        vik_logger.exception("stap mislukt")
    started, failed = (json.loads(line) for line in path.read_text().splitlines())
    assert started["message"] == "run 7 gestart"
    assert (started["level"], started["logger"]) == ("INFO", "vik.test")
    assert (started["run_id"], started["step"]) == (7, "extract")
    assert started["time"].endswith("+00:00")
    assert (failed["level"], failed["exception"]) == ("ERROR", "ValueError")
    assert "Jansen" not in path.read_text() and "Traceback" not in path.read_text()


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="log_format"):
        Settings(log_format="xml")
