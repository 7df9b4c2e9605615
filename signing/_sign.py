"""Signing a DUIS message with the profile DCC's own tooling produces, byte for byte.

The Signature is appended as the last child of the root with its own ``xmlns:ds``
declaration, no whitespace, SignatureValue wrapped at 76 characters with ``&#13;``
and a newline, and an XML declaration with ``standalone="no"``: the layout of the
DCC's Java signer. The digest is over the *inclusive* C14N of the document without
the Signature (the Reference has only the enveloped transform); SignedInfo is
canonicalized with exclusive C14N as its CanonicalizationMethod says.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from duis._exceptions import DuisError
from duis.config import Config
from duis.ids import EUI64, RequestID
from duis.report import Kind, Report
from duis.schemas import SchemaRegistry
from duis.xml import XInput, parse, read_input
from signing._certs import OrgCertificate, utcnow
from signing._compact import compact, is_compact
from signing._counters import CounterStore
from signing._exceptions import (
    CredentialEUIError,
    CredentialRoleError,
    CredentialValidityError,
    InvalidRequestError,
    KeyMismatchError,
    NotSignableError,
    SigningError,
)
from signing._keystore import Credentials, Keystore
from signing._policy import SignerPolicy, resolve_policy
from signing._profile import (
    DS_NS,
    SIGNATURE,
    canonical_signed_info,
    message_kind,
    read_request_id,
    request_id_element,
    signature_xml,
    text_splitter,
    wrap_base64,
)

__all__ = ["PreparedSign", "SignedMessage", "prepare_sign", "sign", "sign_parsed", "sign_tree"]

_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'

_DEFAULT_STORES: dict[str, CounterStore] = {}


@dataclass(frozen=True, eq=False)
class SignedMessage:
    """The signed document and what went into it."""

    xml: bytes
    kind: Kind
    request_id: RequestID | None
    signer: OrgCertificate
    source: str

    def __bytes__(self) -> bytes:
        return self.xml


def sign(
    data: XInput,
    *,
    keystore: Keystore | None = None,
    credentials: Credentials | None = None,
    counters: CounterStore | None = None,
    preserve_counter: bool = False,
    validate: bool = True,
    config: Config | None = None,
    schemas: SchemaSource | None = None,
    policy: SignerPolicy | None = None,
    at: datetime | None = None,
    allow_digital_signing: bool = False,
    dcc_eui: EUI64 | None = None,
    source: str | None = None,
) -> SignedMessage:
    """Sign a request (or, for test harnesses, a response) with the DUIS profile.

    Credentials are ``credentials`` if given, else looked up in ``keystore`` by the
    RequestID's originator (the DCC's EUI for a response). Who may sign is
    ``policy`` (:class:`SignerPolicy`, the same object :func:`signing.verify` takes;
    ``allow_digital_signing`` and ``dcc_eui`` are shorthands for its fields, and
    ``config.dcc_eui`` is used when neither names the DCC). Unless
    ``preserve_counter``, the OriginatorCounter is replaced by a fresh one from
    ``counters`` (the default store when None). Existing Signatures are removed.

    With ``validate`` the message is first judged as :func:`duis.validate` judges it
    with the same ``schemas`` (a :class:`duis.SchemaRegistry`, or a folder or folders
    of DCC's XSDs) and ``config`` (whose ``schema_dirs`` are used when ``schemas`` is
    None), so nothing is signed that ``duis validate`` with those settings rejects.

    Raises a :class:`SigningError` subclass saying why signing was refused.
    """
    raw, name = read_input(data, source=source)
    return sign_parsed(
        parse(raw, source=name),
        keystore=keystore,
        credentials=credentials,
        counters=counters,
        preserve_counter=preserve_counter,
        validate=validate,
        config=config,
        schemas=schemas,
        policy=policy,
        at=at,
        allow_digital_signing=allow_digital_signing,
        dcc_eui=dcc_eui,
        source=name,
    )


def sign_parsed(
    tree: etree._ElementTree,
    *,
    keystore: Keystore | None = None,
    credentials: Credentials | None = None,
    counters: CounterStore | None = None,
    preserve_counter: bool = False,
    validate: bool = True,
    config: Config | None = None,
    schemas: SchemaSource | None = None,
    policy: SignerPolicy | None = None,
    at: datetime | None = None,
    allow_digital_signing: bool = False,
    dcc_eui: EUI64 | None = None,
    source: str = "<input>",
) -> SignedMessage:
    """:func:`sign` for a tree :func:`duis.xml.parse` made, which it changes in place.

    For a batch that has parsed each file already (to validate it and find the
    originator whose counters it reserves): the file is not parsed a second time.
    """
    job = prepare_sign(
        tree,
        keystore=keystore,
        credentials=credentials,
        preserve_counter=preserve_counter,
        validate=validate,
        config=config,
        schemas=schemas,
        policy=policy,
        at=at,
        allow_digital_signing=allow_digital_signing,
        dcc_eui=dcc_eui,
        source=source,
    )
    counter: int | None = None
    if job.originator is not None:
        store = counters if counters is not None else _default_store()
        counter = store.next(job.originator)
    return job.finish(counter)


@dataclass(eq=False)
class PreparedSign:
    """A message checked and ready to sign, waiting only for its counter.

    :func:`prepare_sign` makes one after every check that can refuse the message, so
    a counter is drawn only for a message that will be signed. ``originator`` says
    whose counter :meth:`finish` needs (None: the message keeps its own). A caller
    that draws counters for many messages at once (one transaction for a batch, or
    for the concurrent requests of a server) draws them between the two steps.
    """

    tree: etree._ElementTree
    kind: Kind
    request_id: RequestID | None
    credentials: Credentials
    source: str
    #: Whose fresh counter :meth:`finish` needs; None when the counter is kept.
    originator: EUI64 | None
    _done: bool = False

    def finish(self, counter: int | None) -> SignedMessage:
        """Put ``counter`` in the RequestID (if one is needed) and sign; once only."""
        if self._done:
            raise RuntimeError("this PreparedSign was already signed")
        if (counter is None) != (self.originator is None):
            raise ValueError(
                "a fresh counter is needed for this message"
                if counter is None
                else "this message keeps its own counter; give None"
            )
        self._done = True
        root = self.tree.getroot()
        request_id = self.request_id
        for old in root.findall(SIGNATURE):
            root.remove(old)  # lxml removes the element's tail with it
        if counter is not None:
            assert request_id is not None
            request_id = request_id.with_counter(counter)
            el = request_id_element(root)
            assert el is not None
            text = el.text or ""  # the whole text: _check_signable refused split text
            el.text = text[: text.rindex(":") + 1] + str(counter)
        compact(root)  # our own parse: compact in place (see sign_tree)
        return SignedMessage(
            xml=_sign_compact(self.tree, self.credentials, self.source),
            kind=self.kind,
            request_id=request_id,
            signer=self.credentials.certificate,
            source=self.source,
        )


def prepare_sign(
    tree: etree._ElementTree,
    *,
    keystore: Keystore | None = None,
    credentials: Credentials | None = None,
    preserve_counter: bool = False,
    validate: bool = True,
    config: Config | None = None,
    schemas: SchemaSource | None = None,
    policy: SignerPolicy | None = None,
    at: datetime | None = None,
    allow_digital_signing: bool = False,
    dcc_eui: EUI64 | None = None,
    source: str = "<input>",
) -> PreparedSign:
    """Every check of :func:`sign_parsed`, without drawing a counter or signing yet.

    Raises what :func:`sign` raises for a message it refuses. The tree is changed
    only by :meth:`PreparedSign.finish`.
    """
    name = source
    root = tree.getroot()
    kind = message_kind(root)
    if kind is Kind.OTHER:
        raise NotSignableError(
            f"root element {root.tag} is not a DUIS sr:Request or sr:Response", source=name
        )
    _check_signable(root, name)
    if validate:
        _validate(tree, name, config, schemas)
    request_id: RequestID | None = None
    try:
        request_id = read_request_id(root)
    except ValueError as exc:
        if kind is Kind.REQUEST:
            raise NotSignableError(
                f"cannot sign: {exc}; the signer is chosen by the RequestID's originator",
                source=name,
                line=_line(request_id_element(root)),
            ) from None
    when = at or utcnow()
    rules = resolve_policy(
        policy,
        allow_digital_signing=allow_digital_signing,
        dcc_eui=dcc_eui,
        settings_dcc_eui=config.dcc_eui if config is not None else None,
    )
    signer_eui = rules.signer_eui(kind, request_id)
    assert signer_eui is not None  # a request without a RequestID was refused above
    if credentials is None:
        if keystore is None:
            raise SigningError(
                "no credentials: give a keystore (--keystore DIR) or a certificate and key "
                "(--cert/--key)",
                source=name,
            )
        credentials = keystore.credentials_for(signer_eui, roles=rules.roles_for(kind), at=when)
    _check_credentials(credentials, rules, kind, request_id, when, name)
    fresh = kind is Kind.REQUEST and request_id is not None and not preserve_counter
    return PreparedSign(
        tree=tree,
        kind=kind,
        request_id=request_id,
        credentials=credentials,
        source=name,
        originator=request_id.originator if fresh and request_id is not None else None,
    )


def _check_signable(root: etree._Element, name: str) -> None:
    """Refuse what the verifier (ours, or DCC's) would refuse after signing.

    A ds:Signature anywhere but as a child of the root (say inside a body the
    schema does not check) would be a second signature in the output; text split
    by a comment or PI reads differently to different readers (one would record
    counter ``...1`` where the DCC sees ``...1999``).
    """
    for sig in root.iter(SIGNATURE):
        if sig.getparent() is not root:
            raise NotSignableError(
                "the message holds a ds:Signature inside its content; the signed output "
                "would carry two signatures, which no verifier accepts",
                source=name,
                line=_line(sig),
            )
    node = text_splitter(root)
    if node is not None:
        what = "a comment" if isinstance(node, etree._Comment) else "a processing instruction"
        raise NotSignableError(
            f"{what} splits the text of an element; the XSD and the DCC read the text "
            "across it, other readers stop at it: remove it before signing",
            source=name,
            line=_line(node),
        )


def sign_tree(
    tree: etree._ElementTree, credentials: Credentials, *, source: str = "<input>"
) -> bytes:
    """Sign a tree that has no Signature yet and serialize it; the tree is not changed.

    The low-level step under :func:`sign`, with no checks: for callers (and the
    benchmark) that have already chosen and checked credentials. Whitespace between
    elements is removed first (see :mod:`signing._compact`): DCC's tool digests the
    document without it, so the digest and the written form are the compact ones.
    """
    if not is_compact(tree.getroot()):
        tree = copy.deepcopy(tree)
        compact(tree.getroot())
    return _sign_compact(tree, credentials, source)


def _sign_compact(tree: etree._ElementTree, credentials: Credentials, source: str) -> bytes:
    """:func:`sign_tree` for a tree already compacted."""
    root = tree.getroot()
    try:
        c14n = etree.tostring(tree, method="c14n", exclusive=False, with_comments=False)
    except (etree.C14NError, ValueError) as exc:
        raise NotSignableError(
            f"the message cannot be canonicalized (C14N 1.0), so no verifier could check a "
            f"signature on it: {exc}; a relative namespace URI is one cause",
            source=source,
        ) from None
    digest = hashlib.sha256(c14n).digest()
    digest_b64 = base64.b64encode(digest).decode("ascii")
    der = credentials.private_key.sign(canonical_signed_info(digest_b64), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    value_b64 = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode("ascii")
    cert = credentials.certificate
    signature = signature_xml(
        digest_b64,
        wrap_base64(value_b64),
        cert.issuer,
        cert.serial,
        declare_ds=root.nsmap.get("ds") != DS_NS,
    )

    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, with_tail=False)
    qname = (f"{root.prefix}:" if root.prefix else "") + etree.QName(root).localname
    close = f"</{qname}>".encode()
    if body.endswith(close):
        body = body[: -len(close)] + signature + close
    else:  # an empty root serializes as <x/>
        body = body[:-2] + b">" + signature + close
    parts = [_XML_DECLARATION]
    parts.extend(
        etree.tostring(n, encoding="UTF-8", with_tail=False) + b"\n"
        for n in reversed(list(root.itersiblings(preceding=True)))
    )
    parts.append(body)
    parts.extend(
        b"\n" + etree.tostring(n, encoding="UTF-8", with_tail=False) for n in root.itersiblings()
    )
    return b"".join(parts)


def _check_credentials(
    credentials: Credentials,
    rules: SignerPolicy,
    kind: Kind,
    request_id: RequestID | None,
    when: datetime,
    name: str,
) -> None:
    cert = credentials.certificate
    refusal = rules.refusal(cert, kind, request_id)
    if refusal is not None:
        which, reason = refusal
        error = CredentialEUIError if which == "eui" else CredentialRoleError
        raise error(f"{reason} ({cert.describe()})", source=name)
    problem = cert.validity_problem(when)
    if problem is not None:
        raise CredentialValidityError(
            f"certificate {problem}; for test certificates give the signing time with "
            f"--at / at= ({cert.describe()})",
            source=name,
        )
    if not isinstance(credentials.private_key.curve, ec.SECP256R1):
        raise KeyMismatchError("private key is not P-256", source=name)


def _validate(
    tree: etree._ElementTree, name: str, config: Config | None, schemas: SchemaSource | None
) -> None:
    from duis._validate import validate_tree

    report: Report = validate_tree(
        tree, schemas=_registry(schemas, config), config=config, source=name
    )
    if report.valid:
        return
    errors = report.errors
    first = errors[0]
    where = f"line {first.line}: " if first.line else ""
    raise InvalidRequestError(
        f"message fails validation ({len(errors)} error(s); first: {where}{first.text} "
        f"[{first.rule}]); fix it, or sign anyway with --no-validate / validate=False",
        report=report,
        source=name,
    )


#: What ``schemas=`` accepts: a registry, or one or more folders of DCC's XSDs.
SchemaSource = SchemaRegistry | str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


def _registry(schemas: SchemaSource | None, config: Config | None) -> SchemaRegistry | None:
    """The registry ``duis validate`` would use with the same arguments and settings."""
    if isinstance(schemas, SchemaRegistry):
        return schemas
    if isinstance(schemas, (str, os.PathLike)):
        return _cached_registry((os.fspath(schemas),))
    if schemas is not None:
        return _cached_registry(tuple(os.fspath(p) for p in schemas))
    if config is not None and config.schema_dirs:
        return _cached_registry(tuple(os.fspath(p) for p in config.schema_dirs))
    return None  # validate_tree's default: embedded plus $DUIS_SCHEMA_DIR


@functools.lru_cache(maxsize=16)
def _cached_registry(dirs: tuple[str, ...]) -> SchemaRegistry:
    try:
        return SchemaRegistry(dirs)
    except DuisError as exc:  # a folder that is not a schema bundle
        raise SigningError(f"cannot validate before signing: {exc}") from exc


def _default_store() -> CounterStore:
    from signing._counters import default_counter_location

    path = str(default_counter_location())
    store = _DEFAULT_STORES.get(path)
    if store is None:
        store = _DEFAULT_STORES[path] = CounterStore(path)
    return store


def _line(el: etree._Element | None) -> int | None:
    if el is None:
        return None
    line = el.sourceline
    return line if isinstance(line, int) else None
