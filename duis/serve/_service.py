"""The work behind each endpoint, done by the library: no HTTP in here.

One :class:`Service` per worker process holds what is costly to build (keystore,
counter store connection, compiled schemas, trust anchors), built once at start-up
so a bad setting stops the server before it listens, not on the first request.
"""

from __future__ import annotations

from duis._validate import parse_or_report, validate_tree
from duis.report import Report
from duis.schemas import SchemaRegistry
from duis.serve._settings import ServeSettings
from duis.xml import parse, read_input
from mmc import GBCS_RESPONSE, validate_gbcs_tree
from signing import (
    Keystore,
    OrgCertificate,
    PreparedSign,
    VerifiedMessage,
    load_certificates,
    open_counter_store,
    prepare_sign,
    verify,
)
from signing._counters_group import LoopGroupCommit

__all__ = ["Service"]


class Service:
    """Sign, verify and validate with one deployment's settings."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.config = settings.config
        folder = self.config.keystore
        self.keystore: Keystore = Keystore.from_dir(folder) if folder else Keystore()
        # SQLite or PostgreSQL, through signing's one factory; the /sign requests
        # that queue while one transaction runs share the next durable commit.
        self.counters = LoopGroupCommit(open_counter_store(settings.counter_location))
        self.trust: list[OrgCertificate] | None = (
            [c for f in settings.trust for c in load_certificates(f)] if settings.trust else None
        )
        self.registry: SchemaRegistry = self.config.registry()

    def close(self) -> None:
        self.counters.close()

    def prepare_sign(self, xml: bytes, *, preserve_counter: bool) -> PreparedSign:
        """Every check before signing a request; what is left is its counter and the sign.

        The caller draws the counter (``originator``) from :attr:`counters`, which
        records it durably before handing it out, then calls ``finish``: a refused
        request never draws one.
        """
        raw, name = read_input(xml, source="<request>")
        return prepare_sign(
            parse(raw, source=name),
            keystore=self.keystore,
            preserve_counter=preserve_counter,
            validate=self.settings.validate_on_sign,
            config=self.config,
            schemas=self.registry,  # the one /validate uses, resolved once at start-up
            at=self.settings.at,
            allow_digital_signing=self.settings.allow_digital_signing,
            source=name,
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
        """The report ``duis validate`` gives for this message with the server's settings.

        Requests and responses through the DUIS checks, MMC output through mmc's, as
        the CLI does; the signature is /verify's business.
        """
        tree, name = parse_or_report(xml, source="<request>", max_bytes=self.config.max_bytes)
        if isinstance(tree, Report):
            return tree
        if tree.getroot().tag == GBCS_RESPONSE:
            return validate_gbcs_tree(tree, schemas=self.registry, config=self.config, source=name)
        return validate_tree(tree, schemas=self.registry, config=self.config, source=name)
