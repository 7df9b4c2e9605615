"""The GBCS bytes an input holds: a DUIS message's GBCSPayloads, RTDS hex text or binary.

``duis decode``, ``duis inspect`` and ``duis precommand`` all accept the same three
forms, so the sniffing and the base64/hex reading are done here once, strictly: a
``GBCSPayload`` must be XSD base64Binary (libxml2 would let stray characters through
and a lax decoder would drop them, authenticating other bytes than the message's), and
hex text must be hex throughout, with the offset of the first bad digit.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from lxml import etree

from duis._xsdlexical import is_base64
from duis.namespaces import SR
from duis.xml import DEFAULT_MAX_BYTES, element_text, element_value
from duis.xml import parse as parse_xml
from mmc.gbcs._errors import GBCSFormatError

__all__ = ["GBCSInput", "gbcs_input", "parse_hex", "payload_bytes"]

_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_HEX_OR_SPACE = _HEX_DIGITS | frozenset(b" \t\r\n")
_PAYLOAD = f"{{{SR}}}GBCSPayload"
_SRV = f"{{{SR}}}ServiceReferenceVariant"


@dataclass(frozen=True)
class GBCSInput:
    """What an input file held: its GBCS messages and, for a DUIS document, its SRV.

    The SRV picks the MMC mapping of a use case that answers several (ECS70: 6.11 or
    8.1.1): the GBCS bytes alone do not say which request they answer.
    """

    payloads: tuple[bytes, ...]
    #: ``"duis"``, ``"hex"`` or ``"binary"``.
    form: str
    srv: str | None = None


def parse_hex(text: str | bytes, *, source: str | None = None) -> bytes:
    """GBCS bytes from RTDS-style hex text (whitespace ignored); a clear error otherwise."""
    raw = text.decode("ascii", errors="replace") if isinstance(text, bytes) else text
    compact = "".join(raw.split())
    try:
        return bytes.fromhex(compact)
    except ValueError:
        bad = next((i for i, c in enumerate(compact) if c not in "0123456789abcdefABCDEF"), None)
        if bad is None:
            raise GBCSFormatError(
                f"hex text has an odd number of digits ({len(compact)})",
                len(compact) // 2,
                source=source,
            ) from None
        raise GBCSFormatError(
            f"not hexadecimal text (digit {bad + 1})", bad // 2, source=source
        ) from None


def payload_bytes(el: etree._Element, *, source: str | None = None) -> bytes:
    """The bytes of one ``GBCSPayload`` element, refusing anything but base64Binary."""
    value = " ".join(element_text(el).split())
    if not is_base64(value):
        line = el.sourceline if isinstance(el.sourceline, int) else None
        where = f" (line {line})" if line else ""
        raise GBCSFormatError(
            f"GBCSPayload{where} is not base64: fix or re-export the message", 0, source=source
        )
    # is_base64 is XSD's base64Binary lexical space: whatever it admits decodes
    # (tests/test_mut_gbcs_reader.py checks that as a property).
    return base64.b64decode(value.replace(" ", ""), validate=True)


def gbcs_input(
    data: bytes, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> GBCSInput:
    """Sniff and read ``data``: XML (a DUIS document), hex text, or raw GBCS bytes.

    A raw GBCS message starts with a general-signing or general-ciphering tag (0xDF,
    0xDD), never with ``<`` or an ASCII hex digit, so the first byte decides.
    """
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        tree = parse_xml(data, source=source, max_bytes=max_bytes)
        root = tree.getroot()
        payloads = tuple(payload_bytes(el, source=source) for el in root.iter(_PAYLOAD))
        srv_el = next(root.iter(_SRV), None)
        srv = element_value(srv_el) if srv_el is not None else None
        return GBCSInput(payloads, "duis", srv or None)
    if head and head[0] in _HEX_DIGITS and all(c in _HEX_OR_SPACE for c in head[:64]):
        return GBCSInput((parse_hex(head, source=source),), "hex")
    return GBCSInput((data,), "binary")
