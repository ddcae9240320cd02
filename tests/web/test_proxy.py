"""Behind a reverse proxy: real HTTP requests to a live server, carrying X-Forwarded-*
headers from a trusted and from an untrusted address, under a root path."""

from __future__ import annotations

import re

import httpx

from tests.web.browser import live_server
from tests.web.conftest import csrf_of, make_app

PUBLIC = "https://vik.gemeente.nl"
FORWARDED = {
    "host": "vik.gemeente.nl",
    "x-forwarded-proto": "https",
    "x-forwarded-for": "10.20.30.40",
}


def _app(web_db: str, trusted: list[str]):  # type: ignore[no-untyped-def]
    return make_app(
        web_db, trusted_proxies=trusted, root_path="/vik", allowed_hosts=["vik.gemeente.nl"]
    )


class ThroughProxy(httpx.Client):
    """A client that, like the proxy in front of VIK, passes on every cookie: the
    browser holds Secure cookies over HTTPS, and the proxy talks plain HTTP to VIK."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url=base_url, headers=FORWARDED)
        self.jar: dict[str, str] = {}

    def request(self, method, url, **kwargs):  # type: ignore[no-untyped-def, override]
        headers = dict(kwargs.pop("headers", None) or {})
        if self.jar:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        response = super().request(method, url, headers=headers, **kwargs)
        for cookie in response.headers.get_list("set-cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0].strip('"')
            if value:
                self.jar[name] = value
            else:
                self.jar.pop(name, None)
        self.cookies.clear()
        return response


def _sign_in(client: httpx.Client) -> httpx.Response:
    form = client.get("/vik/aanmelden")
    assert form.status_code == 200, form.text
    return client.post(
        "/vik/aanmelden",
        data={
            "gebruikersnaam": "analist.handhaving",
            "wachtwoord": "analist.handhaving-demo",
            "csrf_token": csrf_of(form.text),
        },
        headers={"origin": PUBLIC},
    )


def test_behind_a_trusted_proxy_https_cookies_links_and_origin_are_right(web_db):
    """The proxy (here: 127.0.0.1, trusted) says the browser came in over HTTPS at
    https://vik.gemeente.nl/vik/: cookies are Secure and scoped to /vik/, HSTS is sent,
    every link carries /vik, and the browser's Origin (https) is accepted."""
    with live_server(_app(web_db, ["127.0.0.1"])) as base, ThroughProxy(base) as client:
        login = client.get("/vik/aanmelden")
        assert 'action="/vik/aanmelden"' in login.text
        assert 'href="/vik/static/vik.css"' in login.text
        form_cookie = login.headers["set-cookie"]
        assert "Secure" in form_cookie and "Path=/vik/aanmelden" in form_cookie
        assert login.headers["strict-transport-security"].startswith("max-age=")
        signed_in = _sign_in(client)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/vik/signalen"
        session_cookie = next(
            c for c in signed_in.headers.get_list("set-cookie") if c.startswith("vik_sessie=")
        )
        assert "Secure" in session_cookie and "Path=/vik/" in session_cookie
        queue = client.get("/vik/signalen")
        assert queue.status_code == 200
        pages = [queue.text]
        dossier = re.search(r'href="(/vik/dossiers/\d+)', queue.text)
        assert dossier
        pages += [
            client.get(dossier.group(1)).text,
            client.get("/vik/loo").text,
            client.get("/vik/zoeken").text,
        ]
        links = [link for page in pages for link in re.findall(r'(?:href|action)="([^"#]*)', page)]
        assert len(links) > 20
        outside = [
            link for link in links if link and not link.startswith(("/vik/", "https://wetten."))
        ]
        assert outside == []
        # A proxy that strips the prefix reaches the same pages.
        assert client.get("/signalen").status_code == 200
        assert client.get("/vik/static/vik.css").status_code == 200
        csrf = csrf_of(queue.text)
        signed_out = client.post(
            "/vik/afmelden", data={"csrf_token": csrf}, headers={"origin": PUBLIC}
        )
        assert signed_out.status_code == 303
        assert signed_out.headers["location"] == "/vik/aanmelden?melding=afgemeld"


def test_forwarded_headers_from_an_untrusted_address_are_ignored(web_db):
    """The same headers from an address that is not a configured proxy: VIK sees plain
    HTTP, so cookies are not marked Secure, no HSTS, and a form whose Origin claims
    https is refused as coming from another site."""
    with live_server(_app(web_db, ["10.9.9.9"])) as base, ThroughProxy(base) as client:
        login = client.get("/vik/aanmelden")
        assert login.status_code == 200
        assert "Secure" not in login.headers["set-cookie"]
        assert "strict-transport-security" not in login.headers
        refused = _sign_in(client)
        assert refused.status_code == 403
        assert "komt niet van deze site" in refused.text


def test_the_host_check_holds_behind_the_proxy(web_db):
    with live_server(_app(web_db, ["127.0.0.1"])) as base:
        wrong = httpx.get(f"{base}/vik/aanmelden", headers={**FORWARDED, "host": "evil.example"})
        assert wrong.status_code == 400
        assert "content-security-policy" in wrong.headers
