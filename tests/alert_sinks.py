"""Real receivers for VIK's alerts: an SMTP server (aiosmtpd) and an HTTP webhook.

    >>> with AlertSinks() as sinks:
    ...     os.environ["VIK_ALERT_URLS"] = sinks.urls
    ...     ...
    ...     sinks.wait_for(1)[0].subject
    'VIK: nachtelijke run 3 mislukt'

The ``alert_sinks`` fixture in tests/conftest.py starts both per test.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

MAIL_FROM = "vik@gemeente.example"
MAIL_TO = "beheer@gemeente.example"


@dataclass(frozen=True)
class Received:
    channel: str  # "mail" or "webhook"
    subject: str
    body: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Mailbox:
    def __init__(self, sink: AlertSinks) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        body = message.get_body(preferencelist=("plain",))
        self.sink._add(
            Received("mail", str(message["Subject"]), body.get_content() if body else ""),
            envelope.rcpt_tos,
        )
        return "250 OK"


class AlertSinks:
    """An SMTP server and a webhook on free local ports, collecting what arrives."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.recipients: list[str] = []
        self._lock = threading.Lock()
        self.smtp_port = _free_port()
        self._smtp = Controller(_Mailbox(self), hostname="127.0.0.1", port=self.smtp_port)
        sink = self

        class Webhook(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                data = json.loads(self.rfile.read(length) or b"{}")
                sink._add(Received("webhook", data.get("title", ""), data.get("message", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
        self.webhook_port = self._http.server_address[1]

    def _add(self, item: Received, recipients: list[str] | None = None) -> None:
        with self._lock:
            self.received.append(item)
            self.recipients.extend(recipients or [])

    @property
    def urls(self) -> str:
        """VIK_ALERT_URLS for both: plain SMTP on localhost, and a JSON webhook."""
        return (
            f"mailto://127.0.0.1:{self.smtp_port}?from={MAIL_FROM}&to={MAIL_TO}&mode=insecure "
            f"json://127.0.0.1:{self.webhook_port}/vik"
        )

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """What arrived once `count` messages have (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    break
            time.sleep(0.05)
        with self._lock:
            return list(self.received)

    def __enter__(self) -> AlertSinks:
        self._smtp.start()
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *args: Any) -> None:
        self._smtp.stop()
        self._http.shutdown()
        self._http.server_close()
