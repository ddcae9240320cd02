"""Serving the app with uvicorn, with logging that cannot carry personal data.

uvicorn's own access log prints the full request line (path and query string);
it is switched off. vik.web._security logs one line per request with the route
template instead (``GET /dossiers/{dossier_id} 200 12ms``).

    >>> serve(create_app(url), host="127.0.0.1", port=8000)   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import uvicorn

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        # Never used (access_log=False), and silenced in case a later uvicorn changes that.
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "vik.web.access": {"handlers": ["stderr"], "level": "INFO", "propagate": True},
    },
}


def server_config(
    app: Any, host: str = "127.0.0.1", port: int = 8000, *, configure_logging: bool = True
) -> uvicorn.Config:
    """uvicorn's settings; configure_logging=False leaves the process's logging alone
    (a server started inside another program, such as the browser tests)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=LOG_CONFIG if configure_logging else None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000) -> None:
    uvicorn.Server(server_config(app, host, port)).run()
