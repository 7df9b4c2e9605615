"""The DUIS xmlSign profile: the only algorithms and shape DCC produces and accepts.

Kept as data in one place so signer, verifier, docs and tests cannot drift apart.
The canonical SignedInfo is written out as text here: exclusive C14N of the
SignedInfo the signer emits is fixed except for the digest, so signing needs no
canonicalization call for it (a test proves the two agree byte for byte).
"""

from __future__ import annotations

import enum

from lxml import etree

from duis.ids import EUI64, RequestID
from duis.namespaces import DS, SR
from duis.report import Kind
from duis.xml import element_text

__all__ = [
    "DCC_TEST_EUI",
    "DS_NS",
    "SR_NS",
    "Algorithm",
    "message_kind",
    "request_id_element",
]

DS_NS = DS
SR_NS = SR

#: The DCC's EUI-64 in its test environment; the default signer of responses.
DCC_TEST_EUI = EUI64.parse("90-B3-D5-1F-30-00-00-02")


class Algorithm(str, enum.Enum):
    """The algorithm identifiers of the profile; values are the wire URIs."""

    EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

    def __str__(self) -> str:
        return self.value


def ds(local: str) -> str:
    return f"{{{DS_NS}}}{local}"


SIGNATURE = ds("Signature")
SIGNED_INFO = ds("SignedInfo")
CANON_METHOD = ds("CanonicalizationMethod")
SIGNATURE_METHOD = ds("SignatureMethod")
REFERENCE = ds("Reference")
TRANSFORMS = ds("Transforms")
TRANSFORM = ds("Transform")
DIGEST_METHOD = ds("DigestMethod")
DIGEST_VALUE = ds("DigestValue")
SIGNATURE_VALUE = ds("SignatureValue")
KEY_INFO = ds("KeyInfo")
X509_DATA = ds("X509Data")
X509_ISSUER_SERIAL = ds("X509IssuerSerial")
X509_ISSUER_NAME = ds("X509IssuerName")
X509_SERIAL = ds("X509SerialNumber")

REQUEST = f"{{{SR_NS}}}Request"
RESPONSE = f"{{{SR_NS}}}Response"
_HEADER = f"{{{SR_NS}}}Header"
_REQUEST_ID = f"{{{SR_NS}}}RequestID"


def canonical_signed_info(digest_b64: str) -> bytes:
    """Exclusive C14N of the SignedInfo the signer writes, for a given digest."""
    return (
        f'<ds:SignedInfo xmlns:ds="{DS_NS}">'
        f'<ds:CanonicalizationMethod Algorithm="{Algorithm.EXC_C14N.value}">'
        "</ds:CanonicalizationMethod>"
        f'<ds:SignatureMethod Algorithm="{Algorithm.ECDSA_SHA256.value}"></ds:SignatureMethod>'
        '<ds:Reference URI=""><ds:Transforms>'
        f'<ds:Transform Algorithm="{Algorithm.ENVELOPED.value}"></ds:Transform>'
        "</ds:Transforms>"
        f'<ds:DigestMethod Algorithm="{Algorithm.SHA256.value}"></ds:DigestMethod>'
        f"<ds:DigestValue>{digest_b64}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    ).encode("ascii")


def signature_xml(
    digest_b64: str, value_b64: str, issuer: str, serial: int, *, declare_ds: bool = True
) -> bytes:
    """The ds:Signature element exactly as DCC's Java tooling lays it out.

    ``declare_ds=False`` when the root already binds ``ds`` to the xmldsig namespace:
    DCC's tool then writes no declaration of its own (C14N ignores the difference).
    """
    issuer_text = issuer.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    declaration = f' xmlns:ds="{DS_NS}"' if declare_ds else ""
    return (
        f"<ds:Signature{declaration}><ds:SignedInfo>"
        f'<ds:CanonicalizationMethod Algorithm="{Algorithm.EXC_C14N.value}"/>'
        f'<ds:SignatureMethod Algorithm="{Algorithm.ECDSA_SHA256.value}"/>'
        '<ds:Reference URI=""><ds:Transforms>'
        f'<ds:Transform Algorithm="{Algorithm.ENVELOPED.value}"/></ds:Transforms>'
        f'<ds:DigestMethod Algorithm="{Algorithm.SHA256.value}"/>'
        f"<ds:DigestValue>{digest_b64}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        f"<ds:SignatureValue>{value_b64}</ds:SignatureValue>"
        "<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>"
        f"<ds:X509IssuerName>{issuer_text}</ds:X509IssuerName>"
        f"<ds:X509SerialNumber>{serial}</ds:X509SerialNumber>"
        "</ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo></ds:Signature>"
    ).encode()


def wrap_base64(b64: str) -> str:
    """Break base64 at 76 characters with CR LF, as Java's encoder does."""
    if len(b64) <= 76:
        return b64
    return "&#13;\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))


def message_kind(root: etree._Element) -> Kind:
    tag = root.tag
    if tag == REQUEST:
        return Kind.REQUEST
    if tag == RESPONSE:
        return Kind.RESPONSE
    return Kind.OTHER


def request_id_element(root: etree._Element) -> etree._Element | None:
    # iterchildren(tag) stays in C; find() goes through Python's ElementPath.
    header = next(root.iterchildren(_HEADER), None)
    return None if header is None else next(header.iterchildren(_REQUEST_ID), None)


def read_request_id(root: etree._Element) -> RequestID:
    """The message's RequestID; ValueError says what is wrong with it.

    Read with :func:`duis.xml.element_text`, the text the XSD and the DCC see.
    """
    el = request_id_element(root)
    text = element_text(el) if el is not None else ""
    if not text.strip():
        raise ValueError("message has no Header/RequestID")
    return RequestID.parse(text)


def text_splitter(root: etree._Element) -> etree._Element | None:
    """The first comment or PI inside character data, or None.

    ``<RequestID>A<!---->B</RequestID>`` (or ``A<?x?>B``) is ``AB`` to the XSD and to
    any DOM reader but ``A`` to a reader that takes ``.text``; a comment is not even
    signed (C14N drops it). Nothing legitimate needs one there, so both the signer
    and the verifier refuse it. Comments and PIs *between* elements are harmless.
    """
    for node in root.iter(etree.Comment, etree.ProcessingInstruction):
        prev = node.getprevious()
        parent = node.getparent()
        before = prev.tail if prev is not None else (parent.text if parent is not None else "")
        if (before and before.strip()) or (node.tail and node.tail.strip()):
            return node
    return None
