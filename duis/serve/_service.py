"""The work behind each endpoint, done by the library: no HTTP in here.

One :class:`Service` per worker process holds what is costly to build (keystore,
counter store connection, compiled schemas, trust anchors), built once at start-up
so a bad setting stops the server before it listens, not on the first request.
"""

from __future__ import annotations

from pathlib import Path

from duis._exceptions import ConfigError
from duis.report import Report
from duis.schemas import SchemaRegistry, default_registry
from duis.serve._settings import ServeSettings
from duis.validate import validate
from signing import (
    CounterStore,
    Keystore,
    OrgCertificate,
    SignedMessage,
    VerifiedMessage,
    load_certificates,
    sign,
    verify,
)

__all__ = ["Service", "open_counter_store"]


def open_counter_store(spec: str | None) -> CounterStore:
    """The counter store ``--counter-db`` names: a SQLite path (default: per user)."""
    if spec is not None and spec.startswith(("postgresql:", "postgres:")):
        raise ConfigError(
            "this build has no PostgreSQL counter store; give a SQLite path to --counter-db"
        )
    return CounterStore(spec)


class Service:
    """Sign, verify and validate with one deployment's settings."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.config = settings.config
        self.keystore: Keystore = (
            Keystore.from_dir(settings.keystore) if settings.keystore else Keystore()
        )
        self.counters = open_counter_store(settings.counter_db)
        self.trust: list[OrgCertificate] | None = (
            [c for f in settings.trust for c in load_certificates(f)] if settings.trust else None
        )
        self.registry = _registry(self.config.schema_dirs)

    def close(self) -> None:
        self.counters.close()

    def sign(self, xml: bytes, *, preserve_counter: bool) -> SignedMessage:
        """Sign a request; the counter is recorded in the store before it is used."""
        return sign(
            xml,
            keystore=self.keystore,
            counters=self.counters,
            preserve_counter=preserve_counter,
            validate=self.settings.validate_on_sign,
            config=self.config,
            at=self.settings.at,
            allow_digital_signing=self.settings.allow_digital_signing,
            source="<request>",
        )

    def verify(self, xml: bytes) -> VerifiedMessage:
        """Strict verification; an unsigned response passes unless signatures are required."""
        return verify(
            xml,
            self.keystore,
            at=self.settings.at,
            require_signature=self.settings.require_signature,
            dcc_eui=self.config.dcc_eui,
            allow_digital_signing=self.settings.allow_digital_signing,
            trust=self.trust,
            source="<request>",
        )

    def validate(self, xml: bytes) -> Report:
        """The report ``duis validate`` gives for this message with the server's settings."""
        return validate(
            xml,
            schemas=self.registry,
            config=self.config,
            source="<request>",
            max_bytes=self.settings.max_body,
        )


def _registry(schema_dirs: tuple[Path, ...]) -> SchemaRegistry:
    if not schema_dirs:
        registry = default_registry()
        registry.embedded()
        return registry
    return SchemaRegistry(schema_dirs)
