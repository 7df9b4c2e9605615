"""Strict verification of the DUIS xmlSign profile, and binding the signer to the message.

KeyInfo is not covered by the signature, so a valid value proves only that *some*
key signed; the certificate it names must then be tied to the message itself: the
request's originator EUI, or the DCC for a response. Anything outside the profile
(another transform, a second Reference, a DER value, a comment splitting text) is
refused with its own error, because each is a known way to make a verifier and a
reader disagree about what was signed.
"""

from __future__ import annotations

import base64
import binascii
import copy
import enum
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from lxml import etree

from duis.ids import EUI64, RequestID
from duis.report import Kind
from duis.xml import XInput, element_text, input_name, parse, sourceline
from signing._certs import (
    OrgCertificate,
    RemotePartyRole,
    parse_issuer_name,
    utcnow,
)
from signing._compact import compact, is_compact
from signing._exceptions import (
    AlgorithmError,
    BadSignatureError,
    CertificateError,
    CommentInjectionError,
    DigestMismatchError,
    KeyInfoError,
    MultipleSignaturesError,
    ReferenceURIError,
    SignatureEncodingError,
    SignatureMissingError,
    SignaturePlacementError,
    SignatureStructureError,
    SignerEUIError,
    SignerRoleError,
    SignerValidityError,
    TransformError,
    UnknownSignerError,
    UntrustedSignerError,
    VerificationError,
    WrappedDocumentError,
)
from signing._keystore import Keystore
from signing._policy import SignerPolicy, resolve_policy
from signing._profile import (
    CANON_METHOD,
    DIGEST_METHOD,
    DIGEST_VALUE,
    KEY_INFO,
    REFERENCE,
    SIGNATURE,
    SIGNATURE_METHOD,
    SIGNATURE_VALUE,
    SIGNED_INFO,
    TRANSFORM,
    TRANSFORMS,
    X509_DATA,
    X509_ISSUER_NAME,
    X509_ISSUER_SERIAL,
    X509_SERIAL,
    Algorithm,
    canonical_signed_info,
    message_kind,
    read_request_id,
    text_splitter,
)

__all__ = [
    "SignatureCheck",
    "SignatureStatus",
    "VerifiedMessage",
    "check_signature",
    "verify",
]

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


class SignatureStatus(str, enum.Enum):
    """What is known about a message's signature; values are what reports print."""

    #: A signature was checked and holds, by a signer the policy accepts.
    VERIFIED = "verified"
    #: A signature is there (or required) and was refused: see the error.
    FAILED = "failed"
    #: The message carries no signature.
    UNSIGNED = "unsigned"
    #: A signature is there but nothing checked it (no keystore given).
    NOT_CHECKED = "not-checked"


@dataclass(frozen=True, eq=False)
class VerifiedMessage:
    """What verification vouches for: the signed content (Signature removed) and signer.

    ``tree`` and ``signed_xml`` hold only the signed root element, in the form whose
    digest matched (compact when only that matched): comments (which C14N leaves
    out) and anything before or after the root element are stripped.
    For an unsigned response accepted with ``require_signature=False``, ``signed``
    is False, ``status`` UNSIGNED and ``signer`` None: the content is then *not*
    authenticated.
    """

    tree: etree._ElementTree
    signed_xml: bytes
    kind: Kind
    signer: OrgCertificate | None
    request_id: RequestID | None
    source: str
    warnings: tuple[str, ...] = ()

    @property
    def signed(self) -> bool:
        return self.signer is not None

    @property
    def status(self) -> SignatureStatus:
        return SignatureStatus.VERIFIED if self.signed else SignatureStatus.UNSIGNED

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()


def verify(
    data: XInput,
    keystore: Keystore,
    *,
    at: datetime | None = None,
    require_signature: bool = True,
    policy: SignerPolicy | None = None,
    dcc_eui: EUI64 | None = None,
    allow_digital_signing: bool = False,
    response_roles: Iterable[RemotePartyRole] | None = None,
    trust: Iterable[OrgCertificate] | None = None,
    source: str | None = None,
) -> VerifiedMessage:
    """Verify a signed DUIS message; raises a :class:`VerificationError` subclass.

    ``at`` is the time certificate validity is checked at (default now);
    ``trust`` (issuing CA certificates) adds a chain check. Who may have signed is
    ``policy`` (:class:`SignerPolicy`, the object :func:`signing.sign` takes too);
    ``dcc_eui``, ``allow_digital_signing`` and ``response_roles`` are shorthands for
    its fields.

    The digest must match the document as it stands or with the whitespace between
    elements removed (:mod:`signing._compact`: what DCC's tool computes, so a
    DCC-signed message that was re-indented still verifies); the returned content
    is the form that matched.
    """
    tree = parse(data, source=source)
    name = source or input_name(data)
    root = tree.getroot()
    kind = message_kind(root)
    signatures = list(root.iter(SIGNATURE))
    if kind is Kind.OTHER:
        if signatures:
            raise WrappedDocumentError(
                f"the signed message is wrapped in another root ({root.tag}); a DUIS "
                "signature covers an sr:Request or sr:Response root only",
                source=name,
                line=sourceline(root),
            )
        raise VerificationError(
            f"root element {root.tag} is not a DUIS sr:Request or sr:Response", source=name
        )
    request_id: RequestID | None
    try:
        request_id = read_request_id(root)
    except ValueError:
        request_id = None
    _check_comments(root, name)
    if not signatures:
        if kind is Kind.REQUEST or require_signature:
            what = "request" if kind is Kind.REQUEST else "response"
            raise SignatureMissingError(
                f"{what} is not signed; "
                + (
                    "every service request must carry the User's xmlSign signature"
                    if kind is Kind.REQUEST
                    else "a signature is required (--require-signature)"
                ),
                source=name,
            )
        _strip_comments(root)
        tree = _root_only(tree)
        return VerifiedMessage(
            tree=tree,
            signed_xml=_c14n(tree, name),
            kind=kind,
            signer=None,
            request_id=request_id,
            source=name,
        )
    if len(signatures) > 1:
        raise MultipleSignaturesError(
            f"document has {len(signatures)} ds:Signature elements; the profile allows exactly one",
            source=name,
            line=sourceline(signatures[1]),
        )
    sig = signatures[0]
    if sig.getparent() is not root or any(isinstance(s.tag, str) for s in sig.itersiblings()):
        raise SignaturePlacementError(
            "ds:Signature must be the last child element of the root",
            source=name,
            line=sourceline(sig),
        )
    parsed = _read_signature(sig, name)
    issuer_text, serial = parsed.issuer, parsed.serial
    try:
        issuer = parse_issuer_name(issuer_text)
    except ValueError as exc:
        raise KeyInfoError(
            f"X509IssuerName is not an RFC 4514 name: {exc}", source=name, line=parsed.key_line
        ) from None
    signer = keystore.by_issuer_serial(issuer, serial)
    if signer is None:
        raise UnknownSignerError(
            f"no certificate in the keystore has issuer {issuer_text!r} and serial {serial}; "
            "add the signer's certificate to the keystore (--keystore)",
            source=name,
            line=parsed.key_line,
        )

    # Lengths are checked only now, so a placeholder signature (DCC's templates)
    # is reported by its unknown signer first, the more useful message.
    if len(parsed.digest) != 32:
        raise DigestMismatchError(
            f"DigestValue is {len(parsed.digest)} bytes, not a SHA-256 digest (a placeholder?)",
            source=name,
            line=parsed.digest_line,
        )
    if len(parsed.value) != 64:
        form = "DER-encoded" if _is_der(parsed.value) else f"{len(parsed.value)} bytes"
        raise SignatureEncodingError(
            f"SignatureValue is {form}; the profile uses raw r||s, 64 bytes for P-256 "
            "(XML-DSig ECDSA, RFC 4050)",
            source=name,
            line=parsed.value_line,
        )
    _detach(sig)
    signed_xml = _c14n(tree, name)
    if not _digest_matches(signed_xml, parsed.digest):
        # DCC's tool digests the document with whitespace between elements removed
        # (signing._compact); a DCC-signed message that was re-indented matches only so.
        if compact(root):
            signed_xml = _c14n(tree, name)
        if not _digest_matches(signed_xml, parsed.digest):
            raise DigestMismatchError(
                "digest does not match the document, as laid out or with the whitespace "
                "between elements removed: it was changed after signing (the digest is "
                "over inclusive C14N of the document without the Signature)",
                source=name,
                line=parsed.digest_line,
            )
    r = int.from_bytes(parsed.value[:32], "big")
    s = int.from_bytes(parsed.value[32:], "big")
    try:
        public_key = signer.public_key  # refuses any key but P-256, SMKI's only kind
    except CertificateError as exc:
        raise AlgorithmError(f"signer's {exc.message} ({signer.describe()})", source=name) from None
    if not any(
        _verifies(public_key, encode_dss_signature(r, s), form) for form in parsed.signed_info_forms
    ):
        raise BadSignatureError(
            f"signature value does not verify with the certificate KeyInfo names "
            f"({signer.describe()})",
            source=name,
            line=parsed.value_line,
        )

    rules = resolve_policy(
        policy,
        allow_digital_signing=allow_digital_signing,
        dcc_eui=dcc_eui,
        response_roles=response_roles,
    )
    refusal = rules.refusal(signer, kind, request_id)
    if refusal is not None:
        which, reason = refusal
        error = SignerEUIError if which == "eui" else SignerRoleError
        raise error(f"{reason} ({signer.describe()})", source=name)
    problem = signer.validity_problem(at or utcnow())
    if problem is not None:
        raise SignerValidityError(
            f"signer's certificate {problem}; give the time the message was signed with "
            f"--at / at= if checking an old message ({signer.describe()})",
            source=name,
        )
    if trust is not None:
        _check_chain(signer, list(trust), at or utcnow(), name)
    _strip_comments(root)
    if root.getprevious() is not None or root.getnext() is not None:
        tree = _root_only(tree)
        signed_xml = _c14n(tree, name)
    return VerifiedMessage(
        tree=tree,
        signed_xml=signed_xml,
        kind=kind,
        signer=signer,
        request_id=request_id,
        source=name,
        warnings=signer.warnings,
    )


@dataclass(frozen=True, eq=False)
class SignatureCheck:
    """A verdict on a message's signature that never raises for a bad one.

    For reports that must say which of the four :class:`SignatureStatus` cases holds
    (``duis inspect``): ``result`` is the verified message when ``status`` is
    VERIFIED (or UNSIGNED for a response a keystore was given for), ``error`` why
    it FAILED (or, for an unsigned request, the missing-signature error).
    """

    status: SignatureStatus
    result: VerifiedMessage | None = None
    error: VerificationError | None = None


def check_signature(
    data: XInput,
    keystore: Keystore | None,
    *,
    at: datetime | None = None,
    policy: SignerPolicy | None = None,
    trust: Iterable[OrgCertificate] | None = None,
    source: str | None = None,
) -> SignatureCheck:
    """Whether ``data``'s signature verified, failed, is absent, or was not checked.

    With no ``keystore`` nothing can be checked: a message with a ds:Signature is
    NOT_CHECKED (never "signed yes"). Unsafe or malformed XML still raises the
    parser's :class:`duis.XMLError`: there is no message to speak of.
    """
    if keystore is None:
        root = parse(data, source=source).getroot()
        present = next(root.iter(SIGNATURE), None) is not None
        return SignatureCheck(SignatureStatus.NOT_CHECKED if present else SignatureStatus.UNSIGNED)
    try:
        result = verify(
            data,
            keystore,
            at=at,
            require_signature=False,
            policy=policy,
            trust=trust,
            source=source,
        )
    except SignatureMissingError as exc:  # an unsigned request
        return SignatureCheck(SignatureStatus.UNSIGNED, error=exc)
    except VerificationError as exc:
        return SignatureCheck(SignatureStatus.FAILED, error=exc)
    return SignatureCheck(result.status, result=result)


@dataclass(frozen=True)
class _Parsed:
    signed_info: etree._Element
    #: Exclusive C14N of SignedInfo as laid out and, when that differs, with the
    #: whitespace between its elements removed (what DCC's tool signs and checks).
    signed_info_forms: tuple[bytes, ...]
    digest: bytes
    value: bytes
    issuer: str
    serial: int
    key_line: int | None
    digest_line: int | None
    value_line: int | None


def _elements(el: etree._Element, name: str) -> list[etree._Element]:
    """Child elements, refusing text between them (the profile has none)."""
    if el.text and el.text.strip():
        raise SignatureStructureError(
            f"unexpected text in {etree.QName(el).localname}", source=name, line=sourceline(el)
        )
    out: list[etree._Element] = []
    for child in el:
        if child.tail and child.tail.strip():
            raise SignatureStructureError(
                f"unexpected text in {etree.QName(el).localname}",
                source=name,
                line=sourceline(child),
            )
        if isinstance(child.tag, str):
            out.append(child)
    return out


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _expect(children: list[etree._Element], tags: list[str], where: str, name: str) -> None:
    got = [c.tag for c in children]
    if got != tags:
        want_text = ", ".join(etree.QName(t).localname for t in tags)
        got_text = ", ".join(etree.QName(str(t)).localname for t in got) or "nothing"
        raise SignatureStructureError(
            f"{where} must contain {want_text} in that order; found {got_text}",
            source=name,
            line=sourceline(children[0]) if children else None,
        )


def _algorithm(el: etree._Element, want: Algorithm, what: str, name: str) -> None:
    got = el.get("Algorithm")
    if got != want.value:
        raise AlgorithmError(
            f"{what} is {got!r}; the DUIS profile allows only {want.value}",
            source=name,
            line=sourceline(el),
        )
    if _elements(el, name):
        raise AlgorithmError(
            f"{what} has parameters; the DUIS profile has none", source=name, line=sourceline(el)
        )


def _b64(el: etree._Element) -> bytes:
    # Java wraps base64 with CR LF (written &#13;); any whitespace is tolerated.
    return base64.b64decode("".join((el.text or "").split()), validate=True)


_DIGEST_IN_C14N = re.compile(rb"<ds:DigestValue>([A-Za-z0-9+/=]{44})</ds:DigestValue>")


def _read_signature(sig: etree._Element, name: str) -> _Parsed:
    children = _elements(sig, name)
    # Fast path: a SignedInfo whose exclusive C14N is exactly the profile's (as DCC
    # and this signer write it) needs no element-by-element checks.
    if [c.tag for c in children] == [SIGNED_INFO, SIGNATURE_VALUE, KEY_INFO]:
        si_c14n = _exc_c14n(children[0], name)
        match = _DIGEST_IN_C14N.search(si_c14n)
        if match is not None and si_c14n == canonical_signed_info(match.group(1).decode()):
            return _finish(children[0], si_c14n, match.group(1), children[1], children[2], name)
    return _read_signature_strictly(children, sig, name)


def _read_signature_strictly(
    children: list[etree._Element], sig: etree._Element, name: str
) -> _Parsed:
    tags = [c.tag for c in children]
    if KEY_INFO not in tags and tags == [SIGNED_INFO, SIGNATURE_VALUE]:
        raise KeyInfoError(
            "Signature has no KeyInfo; the profile names the signer by X509IssuerSerial",
            source=name,
            line=sourceline(sig),
        )
    _expect(children, [SIGNED_INFO, SIGNATURE_VALUE, KEY_INFO], "ds:Signature", name)
    signed_info, value_el, key_info = children

    si = _elements(signed_info, name)
    if [c.tag for c in si[:2]] != [CANON_METHOD, SIGNATURE_METHOD]:
        _expect(si[:2], [CANON_METHOD, SIGNATURE_METHOD], "ds:SignedInfo", name)
    _algorithm(si[0], Algorithm.EXC_C14N, "CanonicalizationMethod", name)
    _algorithm(si[1], Algorithm.ECDSA_SHA256, "SignatureMethod", name)
    refs = si[2:]
    if len(refs) != 1 or refs[0].tag != REFERENCE:
        raise ReferenceURIError(
            f"SignedInfo has {len(refs)} Reference elements; the profile has exactly one",
            source=name,
            line=sourceline(signed_info),
        )
    ref = refs[0]
    uri = ref.get("URI")
    if uri != "":
        raise ReferenceURIError(
            f'Reference URI is {uri!r}; the profile signs the whole document (URI="")',
            source=name,
            line=sourceline(ref),
        )
    parts = _elements(ref, name)
    if not parts or parts[0].tag != TRANSFORMS:
        raise TransformError(
            "Reference has no Transforms; the profile needs the enveloped-signature transform",
            source=name,
            line=sourceline(ref),
        )
    transforms = _elements(parts[0], name)
    algos = [t.get("Algorithm") if t.tag == TRANSFORM else _local(t) for t in transforms]
    if algos != [Algorithm.ENVELOPED.value] or _elements(transforms[0], name):
        raise TransformError(
            f"transforms are {algos}; the profile allows exactly one, "
            f"{Algorithm.ENVELOPED.value} (the digest is then over inclusive C14N)",
            source=name,
            line=sourceline(parts[0]),
        )
    _expect(parts[1:], [DIGEST_METHOD, DIGEST_VALUE], "ds:Reference", name)
    _algorithm(parts[1], Algorithm.SHA256, "DigestMethod", name)
    si_c14n = _exc_c14n(signed_info, name)
    return _finish(signed_info, si_c14n, parts[2], value_el, key_info, name)


def _finish(
    signed_info: etree._Element,
    si_c14n: bytes,
    digest_src: etree._Element | bytes,
    value_el: etree._Element,
    key_info: etree._Element,
    name: str,
) -> _Parsed:
    digest_line = sourceline(signed_info if isinstance(digest_src, bytes) else digest_src)
    try:
        if isinstance(digest_src, bytes):
            digest = base64.b64decode(digest_src, validate=True)
        else:
            digest = _b64(digest_src)
    except (binascii.Error, ValueError):
        raise SignatureStructureError(
            "DigestValue is not base64", source=name, line=digest_line
        ) from None
    try:
        value = _b64(value_el)
    except (binascii.Error, ValueError):
        raise SignatureEncodingError(
            "SignatureValue is not base64", source=name, line=sourceline(value_el)
        ) from None

    issuer_serials = [
        ids
        for data in key_info.iterchildren(X509_DATA)
        for ids in data.iterchildren(X509_ISSUER_SERIAL)
    ]
    if len(issuer_serials) != 1:
        raise KeyInfoError(
            f"KeyInfo has {len(issuer_serials)} X509Data/X509IssuerSerial; the profile "
            "names the signer by exactly one",
            source=name,
            line=sourceline(key_info),
        )
    ids = issuer_serials[0]
    name_el = next(ids.iterchildren(X509_ISSUER_NAME), None)
    serial_el = next(ids.iterchildren(X509_SERIAL), None)
    if name_el is None or not (name_el.text or "").strip():
        raise KeyInfoError("KeyInfo has no X509IssuerName", source=name, line=sourceline(ids))
    if serial_el is None or not (serial_el.text or "").strip():
        raise KeyInfoError(
            "KeyInfo has no X509SerialNumber: the signer cannot be identified",
            source=name,
            line=sourceline(ids),
        )
    serial_text = element_text(serial_el).strip(" \t\r\n")
    if not _SERIAL.fullmatch(serial_text):
        shown = serial_text if len(serial_text) <= 60 else serial_text[:60] + "..."
        raise KeyInfoError(
            f"X509SerialNumber {shown!r} is not a certificate serial number (ASCII decimal "
            f"digits, at most {_MAX_SERIAL_DIGITS}: RFC 5280 serials are 20 octets at most)",
            source=name,
            line=sourceline(serial_el),
        )
    return _Parsed(
        signed_info=signed_info,
        signed_info_forms=_signed_info_forms(signed_info, si_c14n, name),
        digest=digest,
        value=value,
        issuer=(name_el.text or "").strip(),
        serial=int(serial_text),
        key_line=sourceline(ids),
        digest_line=digest_line,
        value_line=sourceline(value_el),
    )


#: RFC 5280 caps a serial at 20 octets: below 2**160, 49 decimal digits.
_MAX_SERIAL_DIGITS = 49
_SERIAL = re.compile(rf"[0-9]{{1,{_MAX_SERIAL_DIGITS}}}")


def _exc_c14n(el: etree._Element, name: str) -> bytes:
    try:
        return etree.tostring(el, method="c14n", exclusive=True, with_comments=False)
    except (etree.C14NError, ValueError) as exc:
        raise SignatureStructureError(
            f"SignedInfo cannot be canonicalized: {exc}", source=name, line=sourceline(el)
        ) from None


def _signed_info_forms(signed_info: etree._Element, si_c14n: bytes, name: str) -> tuple[bytes, ...]:
    if is_compact(signed_info):
        return (si_c14n,)
    copied = copy.deepcopy(signed_info)
    compact(copied)
    return (si_c14n, _exc_c14n(copied, name))


def _digest_matches(c14n: bytes, digest: bytes) -> bool:
    return hmac.compare_digest(hashlib.sha256(c14n).digest(), digest)


def _verifies(key: ec.EllipticCurvePublicKey, der: bytes, data: bytes) -> bool:
    try:
        key.verify(der, data, _ECDSA_SHA256)
    except InvalidSignature:
        return False
    return True


def _is_der(value: bytes) -> bool:
    try:
        decode_dss_signature(value)
    except ValueError:
        return False
    return True


def _check_comments(root: etree._Element, name: str) -> None:
    """Refuse comments and PIs that split text (:func:`signing._profile.text_splitter`).

    Comments between elements (as in DCC's templates) are harmless and are stripped
    from the verified content.
    """
    node = text_splitter(root)
    if node is not None:
        what = "a comment" if isinstance(node, etree._Comment) else "a processing instruction"
        raise CommentInjectionError(
            f"{what} splits text content; the text a reader sees could differ from what "
            "was signed (C14N drops comments; readers that stop at a node see half)",
            source=name,
            line=sourceline(node),
        )


def _root_only(tree: etree._ElementTree) -> etree._ElementTree:
    """The tree without the comments and PIs before and after the root element.

    They are not part of the message (DUIS content is the root element) and a reader
    of the trusted tree must not meet them; a copy of the root leaves them behind.
    """
    root = tree.getroot()
    if root.getprevious() is None and root.getnext() is None:
        return tree
    return etree.ElementTree(copy.deepcopy(root))


def _strip_comments(root: etree._Element) -> None:
    for comment in list(root.iter(etree.Comment)):
        _detach(comment)


def _detach(el: etree._Element) -> None:
    """Remove an element but keep its tail text, as the enveloped transform does."""
    parent = el.getparent()
    assert parent is not None
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _c14n(tree: etree._ElementTree, name: str) -> bytes:
    """Inclusive C14N 1.0 without comments: what the Reference's digest covers.

    lxml refuses some documents (a relative namespace URI: C14N 1.0 forbids them);
    that is a finding about the message, not a crash.
    """
    try:
        return etree.tostring(tree, method="c14n", exclusive=False, with_comments=False)
    except (etree.C14NError, ValueError) as exc:
        raise SignatureStructureError(
            f"the document cannot be canonicalized (C14N 1.0): {exc}; a relative "
            "namespace URI is one cause",
            source=name,
            line=sourceline(tree.getroot()),
        ) from None


def _check_chain(
    signer: OrgCertificate, trust: list[OrgCertificate], when: datetime, name: str
) -> None:
    reasons: list[str] = []
    for ca in trust:
        if ca.certificate.subject != signer.certificate.issuer:
            continue
        try:
            signer.certificate.verify_directly_issued_by(ca.certificate)
        except (ValueError, TypeError, InvalidSignature) as exc:
            # InvalidSignature has no text (an exception object itself is always true).
            reasons.append(f"{ca.source or ca.subject}: {str(exc) or 'signature does not verify'}")
            continue
        problem = ca.validity_problem(when)
        if problem is not None:
            reasons.append(f"issuing CA {ca.subject} {problem}")
            continue
        return
    detail = "; ".join(reasons) if reasons else "no trusted CA has its issuer's name"
    raise UntrustedSignerError(
        f"signer's certificate does not chain to a trusted issuing CA ({detail}) "
        f"({signer.describe()})",
        source=name,
    )
