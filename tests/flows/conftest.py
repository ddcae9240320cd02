"""One real Prefect server per test session (`prefect server start`), with its own home.

The served and the work-pool tests talk to it as an operator's `vik serve`, `prefect deploy`
and `prefect worker` do, and read its API over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import clean_env, command, free_port, started, wait_until

# How often `vik serve`'s runner and a worker ask the server for work. Prefect's defaults
# (10 s and 15 s) only make the tests wait; the nightly schedule does not depend on them.
POLL_SECONDS = "2"


RETRY_STATUS = {429, 502, 503}


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    log_file: Path
    client_home: Path

    def env(self, **settings: str | Path) -> dict[str, str]:
        """An environment for `vik` and `prefect` commands that talk to this server."""
        return clean_env(
            PREFECT_API_URL=self.api_url,
            PREFECT_RUNNER_POLL_FREQUENCY=POLL_SECONDS,
            PREFECT_WORKER_QUERY_SECONDS=POLL_SECONDS,
            **settings,
        )

    def get(self, path: str) -> Any:
        return self._request("GET", path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._request("POST", path, body)

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        # A busy Prefect server (its SQLite database locked by the night it runs) answers
        # 503 for a moment; Prefect's own client retries those, and so does this one.
        for attempt in range(6):
            response = httpx.request(method, f"{self.api_url}{path}", json=body, timeout=30)
            if response.status_code not in RETRY_STATUS or attempt == 5:
                break
            time.sleep(2**attempt)
        response.raise_for_status()
        return response.json()

    def deployment(self, flow: str, name: str) -> dict[str, Any] | None:
        response = httpx.get(f"{self.api_url}/deployments/name/{flow}/{name}", timeout=30)
        return response.json() if response.status_code == 200 else None

    def scheduled_runs(self, deployment_id: str) -> list[dict[str, Any]]:
        return self.post(
            "/flow_runs/filter",
            {
                "deployments": {"id": {"any_": [deployment_id]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": 10,
            },
        )

    def finished_run(self, flow_run_id: str, timeout: float, log_file: Path) -> dict[str, Any]:
        """The flow run once it reached a final state."""

        def final() -> dict[str, Any] | None:
            run = self.get(f"/flow_runs/{flow_run_id}")
            state = run.get("state") or {}
            if state.get("type") in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return run
            return None

        return wait_until(final, f"flow run {flow_run_id} klaar", timeout, 1, log_file)


def expected_start(run: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(run["expected_start_time"].replace("Z", "+00:00"))


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> Iterator[PrefectServer]:
    base = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    log_file = base / "server.log"
    env = clean_env(PREFECT_HOME=base / "home", PREFECT_UI_ENABLED="false")
    args = [command("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with started(args, env, log_file, cwd=base) as process:
        api_url = f"http://127.0.0.1:{port}/api"

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"prefect server stopte:\n{log_file.read_text()[-4000:]}")
            try:
                return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, "Prefect-server gestart", 180, 0.5, log_file)
        yield PrefectServer(api_url, log_file, base / "client-home")
