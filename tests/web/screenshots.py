"""Make docs/screenshots/{queue,dossier,rules}.png from a fresh demo database.

    .venv/bin/python -m tests.web.screenshots            # writes docs/screenshots/

The demo municipality of `vik demo run` (5000 addresses, seed 1), the nightly run
without Prefect, the demo accounts, one decision so the dossier shows its history,
then headless Chromium against a live server. The same code runs in
tests/web/test_browser.py, so the script keeps working.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.demo_data import DEMO_AS_OF
from tests.web.browser import chromium, live_server, take_screenshots
from tests.web.conftest import CONFIG, demo_database

ROOT = Path(__file__).resolve().parents[2]


def record_example_decision(database_url: str) -> None:
    """A decision on the top dossier of Team Ondermijning, as an analist would make it."""
    from sqlmodel import col, select

    from vik.store.db import connect, session_scope
    from vik.store.models import Dossier, Flag
    from vik.store.reviews import FORUMS, record_review

    with session_scope(connect(database_url)) as session:
        dossier = session.exec(
            select(Dossier).order_by(col(Dossier.priority).desc(), col(Dossier.id))
        ).first()
        flag = session.exec(
            select(Flag).where(
                Flag.entity_type == dossier.entity_type, Flag.entity_key == dossier.entity_key
            )
        ).first()
        record_review(
            session,
            flag,
            department="ondermijning",
            decision="in_behandeling",
            target=None,
            reason="Huisbezoek met Burgerzaken ingepland; daarna besluiten over het LOO.",
            reviewer="analist.ondermijning",
            targets=FORUMS,
            today=DEMO_AS_OF,
        )


def main(out_dir: Path) -> list[Path]:
    from vik.demo.generator import generate_municipality
    from vik.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extracts = folder / "extracts"
        generate_municipality(extracts, addresses=5000, seed=1, as_of=DEMO_AS_OF)
        url = f"sqlite:///{folder / 'vik.db'}"
        demo_database(extracts, url, folder / "data")
        record_example_decision(url)
        app = create_app(url, config_dir=CONFIG, today=lambda: DEMO_AS_OF)
        with live_server(app) as base_url, chromium() as browser:
            return take_screenshots(base_url, browser, out_dir)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for path in main(target):
        print(path)
