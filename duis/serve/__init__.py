"""``duis serve``: DCC's signing-tool HTTP API, served by this library.

Install with ``pip install 'duis[serve]'`` (Starlette and uvicorn)::

    from duis.serve import ServeSettings, run
    run(ServeSettings(config=duis.Config(keystore="pki"), counter_db="/var/lib/duis/c.db"))

``create_app`` gives the ASGI application for embedding in another server; the
endpoints and settings are described in ``docs/serve.md``.
"""

from duis.serve._app import create_app
from duis.serve._errors import (
    BadBase64Error,
    BadJSONError,
    BodyTooLargeError,
    MethodNotAllowedError,
    NotFoundError,
    RequestTimeoutError,
    ServeError,
    UnauthorizedError,
)
from duis.serve._server import build_config, run
from duis.serve._service import Service
from duis.serve._settings import DEFAULT_PORT, TOKENS_ENV, ServeSettings, TokenSet, load_tokens

__all__ = [
    "DEFAULT_PORT",
    "TOKENS_ENV",
    "BadBase64Error",
    "BadJSONError",
    "BodyTooLargeError",
    "MethodNotAllowedError",
    "NotFoundError",
    "RequestTimeoutError",
    "ServeError",
    "ServeSettings",
    "Service",
    "TokenSet",
    "UnauthorizedError",
    "build_config",
    "create_app",
    "load_tokens",
    "run",
]
