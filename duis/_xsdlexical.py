"""What libxml2's XSD validator lets through and DCC's does not: base64Binary text.

libxml2 checks a ``base64Binary`` value by counting its base64 characters and skipping
every other one, so ``<ds:DigestValue>QU!JD</ds:DigestValue>`` or an EUI-64 written
``00-DB-12-34-56-78-90-A0`` into a ``GBCSPayload`` pass, while XSD 1.0 (and the Java
validator the DCC runs) refuse them. A message duis calls valid must be one the DCC
accepts, so after libxml2 says "valid" the elements the bundle types as
``base64Binary`` (directly, through a named or anonymous restriction, or as simple
content) are checked against XSD 1.0's lexical grammar.

The element set is read from the bundle's own XSD files, once per process. A name
declared base64Binary in one place and with another type elsewhere is left out, so
the check can only ever add a finding the XSD itself would give, never a false one.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from lxml import etree

from duis.xml import element_text

__all__ = ["BASE64_BINARY", "bad_base64", "base64_elements", "is_base64"]

from duis.namespaces import XS as _XS

BASE64_BINARY = f"{{{_XS}}}base64Binary"

# XSD 1.0 (Second Edition, with errata) 3.2.16: after whitespace collapse a value is
# base64 characters with at most one space after each, a multiple of four of them, and
# padding only at the end with its unused bits zero (B16 before "=", B04 before "==").
# Checked with plain character-class scans: linear, no backtracking, for any size.
_ALPHABET = re.compile(r"[A-Za-z0-9+/]*")
_B16 = frozenset("AEIMQUYcgkosw048")
_B04 = frozenset("AQgw")
_COLLAPSE = re.compile(r"[ \t\r\n]+")
# The same grammar for a value without whitespace, which is nearly every one (digests,
# signature values, payloads): groups of four, then at most one padded group. One scan,
# where collapsing, stripping and the checks above cost several times the element's
# lookup. Linear: a failed match backs off one group at a time, each tried once.
_UNSPACED = re.compile(
    rf"(?:[A-Za-z0-9+/]{{4}})*"  # groups of four, then a padded group or none
    rf"(?:[A-Za-z0-9+/]{{2}}[{''.join(sorted(_B16))}]=|[A-Za-z0-9+/][{''.join(sorted(_B04))}]==)?"
)

_lock = threading.Lock()
_cache: dict[Path, frozenset[str]] = {}


def _resolve(qname: str | None, el: etree._Element) -> str | None:
    """A ``prefix:local`` attribute value as Clark notation, by the element's nsmap."""
    if not qname:
        return None
    prefix, _, local = qname.rpartition(":")
    uri = el.nsmap.get(prefix or None)
    return f"{{{uri}}}{local}" if uri else local


_RESTRICTION = f"{{{_XS}}}restriction"
_SIMPLE_TYPE = f"{{{_XS}}}simpleType"
_EXTENSION = f"{{{_XS}}}extension"
_SIMPLE_CONTENT = f"{{{_XS}}}simpleContent"


def _base_of(node: etree._Element) -> list[str]:
    """The base a simple type, or a complex type with simple content, derives from.

    Only the type's own derivation counts: a simpleType's restriction (a list or union
    is never base64), a complexType's simpleContent restriction or extension. A
    restriction deeper inside (an element's anonymous type within a sequence) is that
    element's, not this type's. Counting those left out ``ra:GBCSData`` (MMC output:
    an extension of base64Binary whose attributes have anonymous string and integer
    types), and would have made a complex type "base64" whenever a child of it was.
    """
    if node.tag == _SIMPLE_TYPE:
        derivation = node.find(_RESTRICTION)
    else:
        content = node.find(_SIMPLE_CONTENT)
        if content is None:
            return []
        derivation = content.find(_RESTRICTION)
        if derivation is None:
            derivation = content.find(_EXTENSION)
    if derivation is None:
        return []
    base = _resolve(derivation.get("base"), derivation)
    return [base] if base else []


def _is_base64(node: etree._Element, types: set[str], locals_: frozenset[str]) -> bool:
    """True when an element declaration's type is base64Binary-derived.

    ``locals_`` are the local names of ``types``: a ``type`` whose local part is not one
    of them cannot resolve into ``types``, so most declarations are answered without
    resolving their prefix (``nsmap`` builds a dict per call).
    """
    type_name = node.get("type")
    if type_name:
        if type_name.rpartition(":")[2] not in locals_:
            return False
        return _resolve(type_name, node) in types
    for kind in ("simpleType", "complexType"):
        anon = node.find(f"{{{_XS}}}{kind}")
        if anon is not None:
            bases = _base_of(anon)
            # complex content (child elements) is never a base64 value
            if anon.find(f"{{{_XS}}}complexContent") is not None:
                return False
            return bool(bases) and all(b in types for b in bases)
    return False


def _read(folder: Path) -> frozenset[str]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    docs: list[etree._Element] = []
    for xsd in sorted(folder.glob("*.xsd")):
        try:
            docs.append(etree.parse(str(xsd), parser).getroot())
        except (OSError, etree.XMLSyntaxError):
            continue  # the compiler reports an unreadable schema; this check adds nothing
    types = {BASE64_BINARY}
    # Each named simple-content type with its bases, read once (the fixpoint below
    # revisits them until no type is added).
    named: list[tuple[str, list[str]]] = []
    for root in docs:
        tns = root.get("targetNamespace")
        for kind in ("simpleType", "complexType"):
            for node in root.iter(f"{{{_XS}}}{kind}"):
                name = node.get("name")
                if name and node.find(f"{{{_XS}}}complexContent") is None:
                    bases = _base_of(node)
                    if bases:
                        named.append((f"{{{tns}}}{name}" if tns else name, bases))
    grew = True
    while grew:  # derivation chains: a restriction of a restriction of base64Binary
        grew = False
        for qname, bases in named:
            if qname not in types and all(b in types for b in bases):
                types.add(qname)
                grew = True
    locals_ = frozenset(t.rpartition("}")[2] for t in types)
    verdicts: dict[str, bool] = {}
    for root in docs:
        tns = root.get("targetNamespace")
        qualified = root.get("elementFormDefault") == "qualified"
        for node in root.iter(f"{{{_XS}}}element"):
            name = node.get("name")
            if not name:
                continue  # a ref: judged where the referenced element is declared
            top = node.getparent() is root
            form = node.get("form")
            in_ns = top or form == "qualified" or (form is None and qualified)
            qname = f"{{{tns}}}{name}" if (tns and in_ns) else name
            if verdicts.get(qname, True):
                verdicts[qname] = _is_base64(node, types, locals_)
    return frozenset(q for q, ok in verdicts.items() if ok)


def base64_elements(folder: Path) -> frozenset[str]:
    """Clark names of the elements every declaration of which is base64Binary."""
    found = _cache.get(folder)
    if found is None:
        with _lock:
            found = _cache.get(folder)
            if found is None:
                found = _cache[folder] = _read(folder)
    return found


_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= ")


def is_base64(value: str) -> bool:
    """XSD 1.0 base64Binary's lexical space, for a whitespace-collapsed value."""
    digits = value.replace(" ", "")
    if len(digits) % 4:
        return False
    data = digits.rstrip("=")
    pad = len(digits) - len(data)
    if pad > 2 or _ALPHABET.fullmatch(data) is None:
        return False
    if pad == 1:
        return data[-1] in _B16
    if pad == 2:
        return data[-1] in _B04
    return True


def bad_base64(tree: etree._ElementTree, names: frozenset[str]) -> list[tuple[etree._Element, str]]:
    """Each element of ``names`` whose value is not XSD base64Binary, with why.

    Linear in the text: the grammar has no ambiguous repetition to backtrack into.
    """
    if not names:
        return []
    found = []
    for el in tree.getroot().iter(*names):
        text = el.text
        # No children (comments, PIs) means el.text is the whole value.
        if not len(el) and (text is None or _UNSPACED.fullmatch(text) is not None):
            continue
        value = _COLLAPSE.sub(" ", element_text(el)).strip(" ")
        if is_base64(value):
            continue
        bad = next((c for c in value if c not in _BASE64_CHARS), None)
        why = (
            f"the character {bad!r} is not base64"
            if bad is not None
            else "its length or padding is not base64's"
        )
        shown = value if len(value) <= 40 else value[:37] + "..."
        found.append(
            (
                el,
                f"Element '{el.tag}': '{shown}' is not a valid value of the atomic type "
                f"'xs:base64Binary' ({why})",
            )
        )
    return found
