"""The reverse proxy of docs/web.md, for real: Debian's nginx with the documented server
block (HTTPS with a certificate made for the test, VIK under /vik), in front of a live
VIK, and Chromium signing in at https://vik.gemeente.nl/vik/ as a user would.

test_proxy.py sends the headers such a proxy sends; this test runs the proxy itself, so
the example an operator copies is the configuration that is tested.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.web.browser import ARGS, BROWSER_MARKS, CHROMIUM, REQUIRED, free_port, live_server
from tests.web.conftest import make_app

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "web.md"
HOST = "vik.gemeente.nl"

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.skipif(
        not Path(NGINX).exists() and not REQUIRED,  # in CI (.ci/run) a missing nginx fails
        reason="nginx ontbreekt: `apt-get install -y nginx-light` (.ci/run doet dat)",
    ),
]


def documented_server_block() -> str:
    """The ```nginx block of docs/web.md, as an operator copies it."""
    (block,) = re.findall(r"```nginx\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return block


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "vik.crt", folder / "vik.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", f"/CN={HOST}"),
            *("-addext", f"subjectAltName=DNS:{HOST}"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def nginx(folder: Path, upstream_port: int) -> Iterator[int]:
    """nginx in the foreground with the documented server block; only what a test machine
    needs is changed: the port, the certificate, the upstream's port."""
    cert, key = _certificate(folder)
    port = free_port()
    server = documented_server_block()
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
        (
            "# ssl_certificate ...; ssl_certificate_key ...;",
            f"ssl_certificate {cert}; ssl_certificate_key {key};",
        ),
        ("http://127.0.0.1:8000/", f"http://127.0.0.1:{upstream_port}/"),
    ):
        assert old in server, f"docs/web.md's nginx example no longer has {old!r}"
        server = server.replace(old, new)
    temp = folder / "temp"
    temp.mkdir()
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
user root;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{server}
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(200):
            try:
                httpx.get(f"https://127.0.0.1:{port}/", verify=False, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    output = process.stdout.read().decode() if process.stdout else ""
                    error_log = (folder / "error.log").read_text(errors="replace")
                    raise AssertionError(f"nginx did not start: {output}{error_log}") from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_behind_the_documented_nginx_a_browser_signs_in_over_https(web_db, tmp_path, browser):
    app = make_app(
        web_db,
        trusted_proxies=["127.0.0.1"],
        root_path="/vik",
        allowed_hosts=[HOST],
        secure_cookies=True,
    )
    with (
        live_server(app) as upstream,
        nginx(tmp_path, int(upstream.rsplit(":", 1)[1])) as port,
    ):
        # A Chromium of its own from the session's Playwright (one Playwright per process):
        # it resolves the public name to this machine, as the municipality's DNS would.
        public_browser = browser.browser_type.launch(
            executable_path=str(CHROMIUM),
            args=[*ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"],
        )
        try:
            context = public_browser.new_context(ignore_https_errors=True, locale="nl-NL")
            page = context.new_page()
            public = f"https://{HOST}:{port}/vik"
            page.goto(f"{public}/aanmelden")
            page.fill("#gebruikersnaam", "analist.handhaving")
            page.fill("#wachtwoord", "analist.handhaving-demo")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            # Signed in: the Origin check accepted https://vik.gemeente.nl:<port>, and the
            # redirect stayed under /vik on the public name.
            assert page.url == f"{public}/signalen", page.inner_text("body")[:300]
            assert page.locator("h1").first.inner_text().strip()
            session = next(c for c in context.cookies() if c["name"] == "vik_sessie")
            assert session["secure"] and session["httpOnly"] and session["path"] == "/vik/"
            # Every link of the queue goes through the proxy's /vik, and a dossier opens.
            page.locator("a[href^='/vik/dossiers/']").first.click()
            page.wait_for_load_state()
            assert re.fullmatch(rf"{re.escape(public)}/dossiers/\d+(#.*)?", page.url)
            response = page.goto(f"{public}/signalen")
            assert response is not None and response.ok
            assert response.headers["strict-transport-security"].startswith("max-age=")
            # Signing out is a form post with the browser's own Origin: accepted too.
            page.click("text=Afmelden")
            page.wait_for_load_state()
            assert page.url.startswith(f"{public}/aanmelden")
        finally:
            public_browser.close()
