"""The nightly run as a Prefect flow, scheduled at 02:00 Europe/Amsterdam.

The steps are VIK's plain functions (vik.nightly); this module only makes them
Prefect tasks: extraction per source as mapped tasks with retries (file shares
and mounts fail transiently; a bad file does not, so only an OSError is retried),
the other steps as tasks whose futures are resolved before the flow returns.

    vik run                 # once, now (ephemeral Prefect, no server needed)
    vik serve               # long-running: the 02:00 schedule (deployment "vik-nacht")
    prefect deploy --all --prefect-file config/prefect.yaml   # through a work pool

Every failure is recorded in `vik runs`: VIK's own (a step, or a run that could not begin)
by vik.nightly, and one that Prefect causes before VIK's code runs by the failure hook here.
"""

# No `from __future__ import annotations` here: Prefect builds the flow's parameter model
# from these annotations when a served or deployed run loads this module from its entrypoint,
# and string annotations (`"date | None"`) cannot be resolved there.

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from prefect import Flow, Task, flow, get_run_logger, task
from prefect import runtime as prefect_runtime
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun, State, TaskRun

from vik.errors import StepFailed, VikError
from vik.logs import configure_logging
from vik.nightly import RunResult, Steps, failed_start, start_night
from vik.settings import Settings

SCHEDULE_CRON = "0 2 * * *"
SCHEDULE_TIMEZONE = "Europe/Amsterdam"
# `vik serve` and the work-pool deployment of prefect.yaml have names of their own: a served
# deployment is paused when `vik serve` stops, and must not pause or overwrite the other.
SERVE_DEPLOYMENT = "vik-nacht"
POOL_DEPLOYMENT = "vik-nacht-werkpool"

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

    def _task(self, name: str, function: Callable[..., Any]) -> Task[..., Any]:
        return task(
            name=f"vik-{name}",
            retries=RETRIES.get(name, 0),
            retry_delay_seconds=RETRY_DELAY_SECONDS,
            retry_condition_fn=retry_transient,
            cache_policy=NO_CACHE,
            persist_result=False,
        )(function)

    def run(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        future = self._task(name, function).submit(*args)
        return future.result()

    def map(
        self, name: str, function: Callable[..., Any], items: list[Any], *args: Any
    ) -> list[Any]:
        prefect_task = self._task(name, function)
        futures = [prefect_task.submit(item, *args) for item in items]
        return [f.result() for f in futures]


# Flow runs whose failure VIK recorded itself (in `vik runs` or the data folder's list), so
# that the failure hook below does not record them twice; and the failures that hook recorded,
# for `vik run`, which runs the flow in its own process.
_RECORDED: set[str] = set()
_RECORDED_BY_HOOK: list[StepFailed] = []


class FlowRunFailed(Exception):
    """Prefect failed a flow run before VIK's code could record why."""


def record_failure(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    """on_failure hook: a run that Prefect failed before VIK's code ran (parameters it could
    not validate, a flow it could not load) is recorded as a failed start, like VIK's own."""
    if str(flow_run.id) in _RECORDED:
        return
    parameters = flow_run.parameters or {}
    settings = Settings()
    try:
        peildatum = date.fromisoformat(str(parameters.get("peildatum")))
    except ValueError:
        peildatum = date.today()
    cause = FlowRunFailed(
        f"Prefect kon de run '{flow_run.name}' niet beginnen: {state.message or state.name}"
    )
    _RECORDED_BY_HOOK.append(
        failed_start(
            settings.resolved_database_url(),
            settings.data_dir,
            peildatum,
            parameters.get("extracts_dir") or settings.resolved_extracts_dir(),
            cause,
        )
    )


def take_failure_recorded_by_hook() -> StepFailed | None:
    """The failure the hook last recorded in this process, if any (for `vik run`)."""
    return _RECORDED_BY_HOOK.pop() if _RECORDED_BY_HOOK else None


@flow(
    name="vik-nachtelijke-run",
    log_prints=False,
    persist_result=False,
    on_failure=[record_failure],
)
def nightly_flow(
    extracts_dir: str | None = None,
    peildatum: date | None = None,
    accept_shrink: list[str] | None = None,
) -> dict[str, Any]:
    """Extract, resolve, evaluate, persist, report, purge: one night.

    The database comes from VIK_DATABASE_URL, never from a parameter: Prefect stores
    parameters with the flow run, and a database URL can hold a password."""
    settings = Settings()
    configure_logging(settings)  # also when a worker or `vik serve` runs the flow
    try:
        result: RunResult = start_night(
            settings,
            extracts_dir=Path(extracts_dir) if extracts_dir else None,
            peildatum=peildatum,
            accept_shrink=accept_shrink or (),
            steps=PrefectSteps(),
        )
    except StepFailed:
        _RECORDED.add(str(prefect_runtime.flow_run.id))
        raise
    get_run_logger().info("run %s %s: %s", result.run_id, result.status, result.flag_counts)
    return {
        "prefect_flow_run_id": str(prefect_runtime.flow_run.id),
        "run_id": result.run_id,
        "status": result.status,
        "report": str(result.report_path),
        "flags": result.flag_counts,
    }


def serve(extracts_dir: str | None = None) -> None:  # pragma: no cover - runs until stopped
    """Serve the flow with its 02:00 Europe/Amsterdam schedule (needs a Prefect API).

    The served runs load the flow from the installed package (vik.flows.nightly), not from the
    folder `vik serve` was started in."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    nightly_flow.serve(
        name=SERVE_DEPLOYMENT,
        schedule=Cron(SCHEDULE_CRON, timezone=SCHEDULE_TIMEZONE),
        parameters={"extracts_dir": extracts_dir} if extracts_dir else {},
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
