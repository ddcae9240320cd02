"""A Prefect API server for one `vik run` that cannot outlive it.

Without PREFECT_API_URL, Prefect starts a temporary API server as a child process
the first time something needs it, and stops it at interpreter exit (atexit). A
killed run (kill -9, the OOM killer, a reboot of the container's main process)
never reaches atexit: every such run left a server of about 200 MB behind.

So `vik run` starts that same server itself, before the flow and from the main
thread, with the kernel told to stop it when its parent dies (Linux
``PR_SET_PDEATHSIG``), and points Prefect at it for the duration of the run.
Prefect offers no hook for this: the command is Prefect 3.8's own
(``SubprocessASGIServer._run_uvicorn_command``), with only ``preexec_fn`` added.
With PREFECT_API_URL set (a real server, `vik serve`, a test harness) nothing
is started.

    >>> with run_scoped_prefect():
    ...     nightly_flow(...)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import inspect
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import prefect
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    PREFECT_UI_URL,
    get_current_settings,
    temporary_settings,
)

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _dying_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that makes the child receive SIGTERM when this process ends."""
    if not sys.platform.startswith("linux"):
        return None
    # Resolved before fork: the child only calls it.
    prctl = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class RunScopedServer(SubprocessASGIServer):
    """Prefect's temporary API server, stopped by the kernel when its parent dies."""

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        server_env = {
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        return subprocess.Popen(
            args=[
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(prefect.__module_path__.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={
                **os.environ,
                **server_env,
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
            preexec_fn=_dying_with_parent(),
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _drain_prefect_workers() -> None:
    """Send the run's last log lines and events before the server stops (as Prefect's
    own test harness does)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        try:
            drained: Any = APILogWorker.instance().drain()
            if inspect.isawaitable(drained):
                await drained
        except RuntimeError:  # never started
            pass
        drained = EventsWorker.drain_all()
        if inspect.isawaitable(drained):
            await drained

    run_coro_as_sync(drain())


@contextmanager
def run_scoped_prefect() -> Iterator[str | None]:
    """Run the block against a temporary Prefect API server that dies with this process;
    yields its API URL (None when a Prefect API was configured already)."""
    if PREFECT_API_URL.value():
        yield None
        return
    server = RunScopedServer(port=_free_port())
    # Code inside Prefect that asks for "the" ephemeral server gets this one.
    previous = SubprocessASGIServer._instances.get(None)
    SubprocessASGIServer._instances[None] = server
    try:
        server.start(timeout=PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        # No UI on this server, and it is gone after the run: no "View at" link to it.
        with temporary_settings(updates={PREFECT_API_URL: server.api_url, PREFECT_UI_URL: ""}):
            try:
                yield server.api_url
            finally:
                _drain_prefect_workers()
    finally:
        server.stop()
        if previous is not None:
            SubprocessASGIServer._instances[None] = previous
        else:
            SubprocessASGIServer._instances.pop(None, None)
