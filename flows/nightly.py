"""The nightly run as a Prefect flow, scheduled at 02:00 Europe/Amsterdam.

The steps are VIK's plain functions (vik.nightly); this module only makes them
Prefect tasks: extraction per source as mapped tasks with retries (file shares
and mounts fail transiently; a bad file does not, so only an OSError is retried),
the other steps as tasks whose futures are resolved before the flow returns.

    vik run                 # once, now (ephemeral Prefect, no server needed)
    vik serve               # long-running: the 02:00 schedule
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from prefect import Task, flow, get_run_logger, task
from prefect import runtime as prefect_runtime
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from vik.errors import VikError
from vik.logs import configure_logging
from vik.nightly import NightlyConfig, RunResult, Steps, run_nightly
from vik.settings import Settings

SCHEDULE_CRON = "0 2 * * *"
SCHEDULE_TIMEZONE = "Europe/Amsterdam"
DEPLOYMENT_NAME = "vik-nacht"

# Reading extracts touches file shares: retry. Later steps are deterministic
# computations or one database transaction: a retry would not help.
RETRIES = {"extract": 2}
RETRY_DELAY_SECONDS = 5


def retry_transient(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Prefect's retry_condition_fn: retry a failure that may pass (an OSError from a
    file share or mount), never a deterministic one. An ExtractError, like every
    VikError, says what is wrong with the input: the same file fails the same way."""
    try:
        state.result()
    except VikError:
        return False
    except OSError:
        return True
    except BaseException:  # a defect or a bad value: deterministic as well
        return False
    return False


class PrefectSteps(Steps):
    """Each step a Prefect task; futures are always resolved before returning."""

    def _task(self, name: str, function: Callable[..., Any]):  # type: ignore[no-untyped-def]
        return task(
            function,
            name=f"vik-{name}",
            retries=RETRIES.get(name, 0),
            retry_delay_seconds=RETRY_DELAY_SECONDS,
            retry_condition_fn=retry_transient,
            cache_policy=NO_CACHE,
            persist_result=False,
        )

    def run(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        future = self._task(name, function).submit(*args)
        return future.result()

    def map(self, name: str, function: Callable[..., Any], items: list, *args: Any) -> list:
        prefect_task = self._task(name, function)
        futures = [prefect_task.submit(item, *args) for item in items]
        return [f.result() for f in futures]


@flow(name="vik-nachtelijke-run", log_prints=False, persist_result=False)
def nightly_flow(
    extracts_dir: str | None = None,
    peildatum: date | None = None,
    accept_shrink: list[str] | None = None,
) -> dict:
    """Extract, resolve, evaluate, persist, report, purge: one night.

    The database comes from VIK_DATABASE_URL, never from a parameter: Prefect stores
    parameters with the flow run, and a database URL can hold a password."""
    settings = Settings()
    configure_logging(settings)  # also when a worker or `vik serve` runs the flow
    config = NightlyConfig.from_settings(
        settings,
        extracts_dir=Path(extracts_dir) if extracts_dir else settings.data_dir / "extracts",
        peildatum=peildatum,
        accept_shrink=accept_shrink or (),
    )
    result: RunResult = run_nightly(config, PrefectSteps())
    get_run_logger().info("run %s %s: %s", result.run_id, result.status, result.flag_counts)
    return {
        "prefect_flow_run_id": str(prefect_runtime.flow_run.id),
        "run_id": result.run_id,
        "status": result.status,
        "report": str(result.report_path),
        "flags": result.flag_counts,
    }


def serve(extracts_dir: str | None = None) -> None:  # pragma: no cover - runs until stopped
    """Serve the flow with its 02:00 Europe/Amsterdam schedule (needs a Prefect API)."""
    from prefect.schedules import Cron

    nightly_flow.serve(
        name=DEPLOYMENT_NAME,
        schedule=Cron(SCHEDULE_CRON, timezone=SCHEDULE_TIMEZONE),
        parameters={"extracts_dir": extracts_dir} if extracts_dir else {},
    )
