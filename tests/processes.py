"""Real processes for tests: `vik`, `prefect` and servers, as an operator starts them.

    >>> with started(["prefect", "worker", "start", "--pool", "vik"], env, log_file):  # doctest: +SKIP
    ...     wait_until(lambda: ..., "the worker polls", timeout=60)

Each process gets an environment without the caller's VIK_* and PREFECT_* settings, plus
what the test gives it, so that nothing in the developer's shell leaks into what is tested.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**settings: str | Path) -> dict[str, str]:
    """os.environ without VIK_* and PREFECT_* (the test's own database URL stays), plus settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith(("VIK_", "PREFECT_")) and k != "VIK_TEST_DATABASE_URL")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.update({k: str(v) for k, v in settings.items()})
    return env


def command(name: str, bin_dir: Path = BIN) -> str:
    """The console script `name` of the test's own environment (or of bin_dir)."""
    return str(bin_dir / name)


def run(
    args: Sequence[str | Path],
    env: Mapping[str, str],
    cwd: Path,
    timeout: float = 300,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} gaf {result.returncode}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


@contextmanager
def started(
    args: Sequence[str | Path], env: Mapping[str, str], log_file: Path, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process with its output in log_file; stopped (with its children) after."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    if cwd is not None:
        cwd.mkdir(parents=True, exist_ok=True)
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [str(a) for a in args],
            env=dict(env),
            cwd=cwd or log_file.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its children stop with it
            preexec_fn=_stop_with_parent,
        )
        try:
            yield process
        finally:
            stop(process)


def _stop_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, also when it is killed and cannot
    stop its servers itself (Linux' PR_SET_PDEATHSIG; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def stop(process: subprocess.Popen[Any], grace: float = 5) -> None:
    """SIGTERM, then SIGINT (a Prefect worker wants a second signal), then SIGKILL, to the
    process group, each after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(geen log)"


def wait_until(
    condition: Callable[[], Any],
    what: str,
    timeout: float,
    interval: float = 0.5,
    log_file: Path | None = None,
) -> Any:
    """Poll condition until it returns something truthy; fail naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what}: niet binnen {timeout:.0f} s"
                + (f"\n--- {log_file}\n{tail(log_file)}" if log_file else "")
            )
        time.sleep(interval)
