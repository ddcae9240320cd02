"""Real headless Chromium (Debian's package, driven by Playwright) against a live server.

Playwright's own browser download cannot reach the internet here, so the browser is
the OS's /usr/bin/chromium; `.ci/run` installs it when it is missing.

    >>> with live_server(app) as base_url, chromium() as browser:   # doctest: +SKIP
    ...     page = browser.new_page()
    ...     page.goto(base_url + "/aanmelden")
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
MISSING = (
    f"browsertests: {CHROMIUM} ontbreekt; installeer Debians Chromium met "
    "`apt-get install -y chromium` (.ci/run doet dat)"
)
# .ci/run sets VIK_REQUIRE_BROWSER: there a missing browser is a failure, not a skip.
REQUIRED = bool(os.environ.get("VIK_REQUIRE_BROWSER"))
# pytestmark of every module that drives the browser (its `browser` fixture is in conftest).
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not REQUIRED, reason=MISSING),
]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """The app served by uvicorn (with VIK's logging configuration) in a thread."""
    import uvicorn

    from vik.web.server import server_config

    port = free_port()
    # VIK's logging configuration is tested on the real `vik web` process (test_cli.py);
    # here it would replace pytest's own log handlers.
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, configure_logging=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*ARGS, "--lang=nl-NL"]
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    return context.new_page()


def sign_in(page: Any, base_url: str, username: str, password: str | None = None) -> None:
    page.goto(f"{base_url}/aanmelden")
    page.fill("#gebruikersnaam", username)
    page.fill("#wachtwoord", password or f"{username}-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def sign_out(page: Any) -> None:
    page.click("text=Afmelden")
    page.wait_for_load_state()


def take_screenshots(base_url: str, browser: Any, out_dir: Path) -> list[Path]:
    """docs/screenshots: the queue and the top dossier (an analist), the LOO page of an
    analist whose department owns actions, the rule register and one rule's feedback."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = new_page(browser)
    sign_in(page, base_url, "analist.ondermijning")
    page.goto(f"{base_url}/signalen")
    queue = out_dir / "queue.png"
    page.screenshot(path=str(queue))
    page.click("table.queue tbody tr:first-child a")
    page.wait_for_load_state()
    page.evaluate("window.scrollTo(0, 0)")
    dossier = out_dir / "dossier.png"
    # The top of the page: the priority and the first flag with its evidence.
    height = min(1700, page.evaluate("document.body.scrollHeight"))
    page.screenshot(
        path=str(dossier), clip={"x": 0, "y": 0, "width": 1280, "height": height}, full_page=True
    )
    sign_out(page)
    sign_in(page, base_url, "analist.handhaving")
    page.goto(f"{base_url}/loo")
    loo = out_dir / "loo.png"
    height = max(900, min(1600, page.evaluate("document.body.scrollHeight")))
    page.screenshot(
        path=str(loo), clip={"x": 0, "y": 0, "width": 1280, "height": height}, full_page=True
    )
    sign_out(page)
    sign_in(page, base_url, "compliance")
    page.goto(f"{base_url}/register")
    rules = out_dir / "rules.png"
    page.screenshot(path=str(rules), full_page=True)
    page.goto(f"{base_url}/register/overbewoning#uitkomsten")
    rule = out_dir / "feedback.png"
    top = page.evaluate(
        "document.getElementById('uitkomsten').getBoundingClientRect().top + window.scrollY"
    )
    height = min(1100, page.evaluate("document.body.scrollHeight") - top + 20)
    page.screenshot(
        path=str(rule),
        clip={"x": 0, "y": max(0, top - 20), "width": 1280, "height": height},
        full_page=True,
    )
    page.context.close()
    return [queue, dossier, loo, rules, rule]
