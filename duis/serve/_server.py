"""Running the application under uvicorn: one process, or a supervisor and workers.

Why uvicorn: it is the production ASGI server most widely deployed, with the
httptools parser and uvloop for speed, a supervisor that restarts dead workers and
shares one listening socket between them, TLS, keep-alive and concurrency limits,
and graceful shutdown (on SIGTERM or SIGINT it stops accepting, lets in-flight
requests finish, then closes). It lacks only a deadline for a request's headers,
which :mod:`duis.serve._protocol` adds.
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from duis.serve._app import create_app
from duis.serve._protocol import DeadlineHttpToolsProtocol
from duis.serve._settings import ServeSettings

__all__ = ["build_config", "run"]


class _Config(uvicorn.Config):
    """uvicorn's Config plus the header deadline the protocol reads; pickles to workers."""

    request_timeout: float = 10.0


def _log_config(access: bool) -> dict[str, Any]:
    plain = {"format": "%(message)s"}
    tagged = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    stderr = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": plain, "tagged": tagged},
        "handlers": {
            "access": {**stderr, "formatter": "plain"},
            "default": {**stderr, "formatter": "tagged"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "duis.serve.error": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "duis.serve.access": {
                "handlers": ["access"] if access else [],
                "level": "INFO" if access else "WARNING",
                "propagate": False,
            },
        },
    }


def build_config(settings: ServeSettings) -> uvicorn.Config:
    """The uvicorn configuration for ``settings`` (the app is built in each worker)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    config = _Config(
        functools.partial(create_app, settings),
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop=loop,
        http=DeadlineHttpToolsProtocol,
        ws="none",
        lifespan="on",
        interface="asgi3",
        access_log=False,
        log_config=_log_config(settings.access_log),
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=max(1, round(settings.keep_alive)),
        timeout_graceful_shutdown=max(1, round(settings.graceful_timeout)),
        limit_concurrency=settings.max_connections,
        backlog=2048,
        ssl_certfile=str(settings.tls_cert) if settings.tls_cert else None,
        ssl_keyfile=str(settings.tls_key) if settings.tls_key else None,
    )
    config.request_timeout = settings.request_timeout
    return config


def run(settings: ServeSettings) -> None:
    """Serve until SIGTERM/SIGINT; returns after a graceful shutdown."""
    config = build_config(settings)
    server = uvicorn.Server(config)
    if settings.workers > 1:
        sock = config.bind_socket()
        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run()
