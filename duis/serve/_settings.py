"""What one ``duis serve`` deployment is configured with, in one frozen value.

The validation settings are the CLI's own :class:`duis.Config` (``[tool.duis]``,
options, environment): the server adds only what an HTTP service needs (where to
listen, who may call it, limits). Every worker process rebuilds its service from
this value, so it pickles (by value, see :meth:`ServeSettings.__reduce__`).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from duis._exceptions import ConfigError
from duis.config import Config

__all__ = ["DEFAULT_PORT", "TOKENS_ENV", "ServeSettings", "TokenSet", "load_tokens"]

#: The port DCC's signing tool documents (``http://localhost:8080``), so clients
#: configured for it need only the host changed, if that.
DEFAULT_PORT = 8080

#: Environment variable holding bearer tokens (comma or whitespace separated).
TOKENS_ENV = "DUIS_SERVE_TOKENS"


@dataclass(frozen=True)
class ServeSettings:
    """Everything ``duis serve`` needs; the defaults are the safe choice."""

    #: Interface to listen on. Loopback unless told otherwise: a signing service
    #: holds the User's key and must not be reachable from the network by accident.
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    #: Worker processes; they share the counter store (SQLite locks across processes).
    workers: int = 1
    #: The CLI's settings (``[tool.duis]``, environment, options): schemas, role,
    #: the DCC's EUI, the keystore (signing keys for /sign, signers for /verify) ...
    config: Config = field(default_factory=Config)
    #: The counter store exactly as given (``--counter-db``): a SQLite path or a
    #: ``postgresql://`` URL, which a Path would mangle; None: the settings' counter
    #: DB, else the per-user default, as the CLI.
    counter_db: str | None = None
    #: Validate a request before signing it (as ``duis sign`` does by default).
    validate_on_sign: bool = True
    #: Accept / use Digital Signing certificates, as before xmlSign existed.
    allow_digital_signing: bool = False
    #: Time certificate validity is judged at; None is "now" (set it only to replay
    #: old messages in tests).
    at: datetime | None = None
    #: Issuing CA certificate files: a /verify signer must chain to one of them.
    trust: tuple[Path, ...] = ()
    #: Refuse unsigned responses in /verify (DCC's tool returns them, so off).
    require_signature: bool = False
    #: Bearer tokens: read from this file (one per line) ...
    token_file: Path | None = None
    #: ... and/or from this environment variable; none given means no authentication.
    token_env: str | None = None
    #: TLS certificate chain and private key (PEM); both or neither.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: Largest request body accepted, in bytes (base64 grows the XML by a third).
    max_body: int = 4 * 1024 * 1024
    #: Seconds a client has to send a whole request (headers and body), counted from
    #: its first byte or from connecting: a slow client cannot hold a connection.
    request_timeout: float = 10.0
    #: Seconds an idle keep-alive connection is kept open.
    keep_alive: float = 5.0
    #: Seconds graceful shutdown waits for in-flight requests before closing them.
    graceful_timeout: float = 30.0
    #: Connections (per worker) above which new requests get 503.
    max_connections: int = 2048
    #: One JSON line per request on stderr (never the body, never a token).
    access_log: bool = True

    def __post_init__(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConfigError("a TLS certificate and key go together (--tls-cert, --tls-key)")
        if self.workers < 1:
            raise ConfigError(f"workers must be at least 1, not {self.workers}")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is not a TCP port")
        if self.max_body < 1024:
            raise ConfigError(f"max body {self.max_body} is too small for any DUIS message")
        for name in ("request_timeout", "keep_alive", "graceful_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name.replace('_', ' ')} must be positive")

    @property
    def counter_location(self) -> str | Path | None:
        """Where counters live: the option, else the settings file's, else the default."""
        return self.counter_db if self.counter_db is not None else self.config.counter_db

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Pickle by value: worker processes rebuild the settings (Config holds
        read-only mappings, which do not pickle, so its fields travel as plain dicts)."""
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        cfg = self.config
        state["config"] = {
            f.name: dict(v) if isinstance(v, Mapping) else v
            for f in fields(cfg)
            for v in (getattr(cfg, f.name),)
        }
        return (_rebuild, (state,))


def _rebuild(state: dict[str, Any]) -> ServeSettings:
    return ServeSettings(**{**state, "config": Config(**state["config"])})


@dataclass(frozen=True)
class TokenSet:
    """The accepted bearer tokens; ``repr`` never shows them."""

    tokens: tuple[bytes, ...] = ()

    def __repr__(self) -> str:
        return f"TokenSet(<{len(self.tokens)} tokens>)"

    @property
    def required(self) -> bool:
        return bool(self.tokens)

    def accepts(self, presented: bytes) -> bool:
        """Constant-time: every token is compared in full, whatever matches first."""
        ok = False
        for token in self.tokens:
            ok |= hmac.compare_digest(presented, token)
        return ok


def load_tokens(settings: ServeSettings, environ: Mapping[str, str] | None = None) -> TokenSet:
    """Tokens from the token file and the environment variable the settings name.

    A named file or variable that holds no token is an error: the operator asked
    for authentication, and silently running without it would be worse.
    """
    env = os.environ if environ is None else environ
    found: list[bytes] = []
    if settings.token_file is not None:
        try:
            text = settings.token_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read the token file: {getattr(exc, 'strerror', None) or exc}",
                source=str(settings.token_file),
            ) from None
        lines = [ln.strip() for ln in text.splitlines()]
        file_tokens = [ln for ln in lines if ln and not ln.startswith("#")]
        if not file_tokens:
            raise ConfigError("the token file holds no token", source=str(settings.token_file))
        found.extend(t.encode("utf-8") for t in file_tokens)
    if settings.token_env is not None:
        env_tokens = env.get(settings.token_env, "").replace(",", " ").split()
        if not env_tokens:
            raise ConfigError(f"${settings.token_env} holds no token")
        found.extend(t.encode("utf-8") for t in env_tokens)
    for token in found:
        if len(token) < 16:
            raise ConfigError("a bearer token must be at least 16 characters long")
        if not all(0x21 <= b <= 0x7E for b in token):
            raise ConfigError("a bearer token must be printable ASCII without spaces")
    return TokenSet(tuple(found))
