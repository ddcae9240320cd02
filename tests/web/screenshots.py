"""Make docs/screenshots/{queue,dossier,loo,rules,feedback}.png from a fresh demo database.

    .venv/bin/python -m tests.web.screenshots            # writes docs/screenshots/

The demo municipality of `vik demo run` (5000 addresses, seed 1), the nightly run
without Prefect, the demo accounts, the demo's follow-up (decisions, a past LOO with
agreements and outcomes, a coming one), then headless Chromium against a live server.
The same code runs in tests/web/test_browser.py, so the script keeps working.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.demo_data import DEMO_AS_OF
from tests.web.browser import chromium, live_server, take_screenshots
from tests.web.conftest import CONFIG, demo_database

ROOT = Path(__file__).resolve().parents[2]


def main(out_dir: Path) -> list[Path]:
    from vik.cli.demo_followup import seed_follow_up
    from vik.demo.generator import generate_municipality
    from vik.store.db import connect
    from vik.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extracts = folder / "extracts"
        generate_municipality(extracts, addresses=5000, seed=1, as_of=DEMO_AS_OF)
        url = f"sqlite:///{folder / 'vik.db'}"
        demo_database(extracts, url, folder / "data")
        engine = connect(url)
        seed_follow_up(engine, CONFIG, extracts / "truth", DEMO_AS_OF)
        engine.dispose()
        app = create_app(url, config_dir=CONFIG, today=lambda: DEMO_AS_OF)
        with live_server(app) as base_url, chromium() as browser:
            return take_screenshots(base_url, browser, out_dir)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for path in main(target):
        print(path)
