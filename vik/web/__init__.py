"""The web application: the analist reviews flags, the compliance officer audits rules and access.

    >>> app = create_app("sqlite:///var/vik.db", config_dir=Path("config"))  # doctest: +SKIP
    >>> serve(app, host="127.0.0.1", port=8000)                              # doctest: +SKIP

Served on localhost by ``vik web``. Server-rendered Dutch pages (Jinja2), no
JavaScript. Every route checks role and department; see docs/web.md. The modules
users (accounts) and algoritmeregister (the register export) are used by the
command line too, so importing this package does not load the web framework.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WebSettings", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from vik.web._app import create_app

        return create_app
    if name == "serve":
        from vik.web.server import serve

        return serve
    if name == "WebSettings":
        from vik.web.settings import WebSettings

        return WebSettings
    raise AttributeError(f"module 'vik.web' has no attribute {name!r}")
