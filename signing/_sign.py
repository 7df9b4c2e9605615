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
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from duis.config import Config
from duis.ids import EUI64, RequestID
from duis.report import Kind, Report
from duis.xml import XInput, parse, read_input
from signing._certs import (
    DIGITAL_SIGNING_ROLES,
    XMLSIGN_ROLES,
    OrgCertificate,
    RemotePartyRole,
    utcnow,
)
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
from signing._profile import (
    DCC_TEST_EUI,
    SIGNATURE,
    canonical_signed_info,
    message_kind,
    read_request_id,
    request_id_element,
    signature_xml,
    wrap_base64,
)

__all__ = ["SignedMessage", "sign"]

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


def signer_roles(kind: Kind, allow_digital_signing: bool) -> frozenset[RemotePartyRole]:
    """Roles allowed to sign a message of this kind.

    Users sign requests with xmlSign (87); the DCC signs with DSP xmlSign (89). The
    Digital Signing roles were used before xmlSign existed, so they need an option.
    """
    if kind is Kind.RESPONSE:
        base = {RemotePartyRole.DSP_XML_SIGN}
        if allow_digital_signing:
            base.add(RemotePartyRole.ACCESS_CONTROL_BROKER)
        return frozenset(base)
    return XMLSIGN_ROLES | DIGITAL_SIGNING_ROLES if allow_digital_signing else XMLSIGN_ROLES


def sign(
    data: XInput,
    *,
    keystore: Keystore | None = None,
    credentials: Credentials | None = None,
    counters: CounterStore | None = None,
    preserve_counter: bool = False,
    validate: bool = True,
    config: Config | None = None,
    at: datetime | None = None,
    allow_digital_signing: bool = False,
    dcc_eui: EUI64 | None = None,
    source: str | None = None,
) -> SignedMessage:
    """Sign a request (or, for test harnesses, a response) with the DUIS profile.

    Credentials are ``credentials`` if given, else looked up in ``keystore`` by the
    RequestID's originator (the DCC's EUI for a response). Unless
    ``preserve_counter``, the OriginatorCounter is replaced by a fresh one from
    ``counters`` (the default store when None). Existing Signatures are removed.
    Raises a :class:`SigningError` subclass saying why signing was refused.
    """
    raw, name = read_input(data, source=source)
    tree = parse(raw, source=name)
    root = tree.getroot()
    kind = message_kind(root)
    if kind is Kind.OTHER:
        raise NotSignableError(
            f"root element {root.tag} is not a DUIS sr:Request or sr:Response", source=name
        )
    if validate:
        _validate(tree, name, config)
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
    dcc = dcc_eui or (config.dcc_eui if config and config.dcc_eui else DCC_TEST_EUI)
    signer_eui = request_id.originator if kind is Kind.REQUEST and request_id else dcc
    roles = signer_roles(kind, allow_digital_signing)
    if credentials is None:
        if keystore is None:
            raise SigningError(
                "no credentials: give a keystore (--keystore DIR) or a certificate and key "
                "(--cert/--key)",
                source=name,
            )
        credentials = keystore.credentials_for(signer_eui, roles=roles, at=when)
    _check_credentials(credentials, signer_eui, roles, kind, when, name)

    for old in root.findall(SIGNATURE):
        root.remove(old)  # lxml removes the element's tail with it
    if kind is Kind.REQUEST and request_id is not None and not preserve_counter:
        store = counters if counters is not None else _default_store()
        counter = store.next(request_id.originator)
        request_id = request_id.with_counter(counter)
        el = request_id_element(root)
        assert el is not None
        text = el.text or ""
        el.text = text[: text.rindex(":") + 1] + str(counter)

    return SignedMessage(
        xml=sign_tree(tree, credentials),
        kind=kind,
        request_id=request_id,
        signer=credentials.certificate,
        source=name,
    )


def sign_tree(tree: etree._ElementTree, credentials: Credentials) -> bytes:
    """Sign a tree that has no Signature yet and serialize it; the tree is not changed.

    The low-level step under :func:`sign`, with no checks: for callers (and the
    benchmark) that have already chosen and checked credentials.
    """
    root = tree.getroot()
    digest = hashlib.sha256(
        etree.tostring(tree, method="c14n", exclusive=False, with_comments=False)
    ).digest()
    digest_b64 = base64.b64encode(digest).decode("ascii")
    der = credentials.private_key.sign(canonical_signed_info(digest_b64), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    value_b64 = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode("ascii")
    cert = credentials.certificate
    signature = signature_xml(digest_b64, wrap_base64(value_b64), cert.issuer, cert.serial)

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
    eui: EUI64,
    roles: frozenset[RemotePartyRole],
    kind: Kind,
    when: datetime,
    name: str,
) -> None:
    cert = credentials.certificate
    whose = "the RequestID's originator" if kind is Kind.REQUEST else "the DCC's EUI"
    if cert.eui != eui:
        raise CredentialEUIError(
            f"certificate EUI {cert.eui} is not {whose} {eui}; the DCC binds a signature to "
            f"the message by this EUI ({cert.describe()})",
            source=name,
        )
    if cert.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        hint = (
            "; a Digital Signing certificate signs only with --allow-digital-signing"
            if cert.role in DIGITAL_SIGNING_ROLES
            else ""
        )
        raise CredentialRoleError(
            f"certificate role {cert.role.value if cert.role else 'none'} may not sign a "
            f"{kind.value} (allowed: {allowed}){hint}",
            source=name,
        )
    if not cert.can_sign:
        raise CredentialRoleError(
            "certificate key usage lacks digitalSignature (a key-agreement certificate?)",
            source=name,
        )
    problem = cert.validity_problem(when)
    if problem is not None:
        raise CredentialValidityError(
            f"certificate {problem}; for test certificates give the signing time with "
            f"--at / at= ({cert.describe()})",
            source=name,
        )
    if not isinstance(credentials.private_key.curve, ec.SECP256R1):
        raise KeyMismatchError("private key is not P-256", source=name)


def _validate(tree: etree._ElementTree, name: str, config: Config | None) -> None:
    from duis.validate import validate_tree

    report: Report = validate_tree(tree, config=config, source=name)
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
