"""The embedded schemas must give DCC's official DUIS/MMC 5.4 verdict on every mutant.

Seeds: every reference request, the reference responses in ``signed/`` (but not the XXE
sample), and project-written documents that reach the parts of the checked bodies the
reference messages never use (every choice branch and optional field). Each seed is
mutated at header level (drop, duplicate, reorder, re-value every header element,
namespaces, the body element, the signature's place) and inside the bodies the
embedded schema checks (structure, and text/attribute values drawn from the official
schema's own facets plus generic values of each base type). For each mutant the
embedded schema's valid/invalid verdict must equal the official one.

Everything is read from the reference folder at run time; nothing is copied from it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import xmlschema
from lxml import etree

from duis import catalogue
from duis.ids import MAX_COUNTER
from tools.schemagen import response_codes

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"
DS = "http://www.w3.org/2000/09/xmldsig#"
XS = "http://www.w3.org/2001/XMLSchema"
FOREIGN = "urn:example:not-duis"
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

Mutant = tuple[str, etree._Element]

# ----------------------------------------------------------------------------- schemas


def _official(path: Path) -> etree.XMLSchema:
    """Compile a DCC XSD, pointing its space-containing imports at absolute URLs."""
    doc = etree.parse(str(path))
    for node in doc.getroot().iter(f"{{{XS}}}import"):
        loc = node.get("schemaLocation")
        if loc:
            node.set("schemaLocation", quote(str(path.parent / loc)))
    return etree.XMLSchema(doc)


class Judges:
    def __init__(self, official_dir: Path) -> None:
        self.ours = {
            SR: etree.XMLSchema(etree.parse(str(SCHEMAS / "duis.xsd"))),
            RA: etree.XMLSchema(etree.parse(str(SCHEMAS / "mmc.xsd"))),
        }
        self.theirs = {
            SR: _official(official_dir / "DUIS Schema V5.4.xsd"),
            RA: _official(official_dir / "MMC Schema V5.4.xsd"),
        }
        # xmlschema only for reading the official facets, never for verdicts.
        self.types = {
            SR: xmlschema.XMLSchema(str(official_dir / "DUIS Schema V5.4.xsd")),
            RA: xmlschema.XMLSchema(str(official_dir / "MMC Schema V5.4.xsd")),
        }
        self.facets = {ns: Facets(t) for ns, t in self.types.items()}

    def verdicts(self, family: str, root: etree._Element) -> tuple[bool, bool, str]:
        ours, official = self.ours[family], self.theirs[family]
        mine = ours.validate(root)
        theirs = official.validate(root)
        if not mine:
            why = f"embedded: {ours.error_log.last_error}"
        elif not theirs:
            why = f"official: {official.error_log.last_error}"
        else:
            why = ""
        return mine, theirs, why


@pytest.fixture(scope="module")
def judges(official_54: Path) -> Judges:
    return Judges(official_54)


# ------------------------------------------------------------------ official facet values

_GENERIC: dict[str, list[str]] = {
    "string": ["", " ", "x", " x ", "a\tb", "\u00e9"],
    "decimal": ["0", "-0", "+1", "1.5", ".5", "5.", "01", " 7 ", "x", "-1", "1e3", ""],
    "boolean": ["true", "false", "1", "0", " true ", "TRUE", "yes", ""],
    "dateTime": [
        "2024-02-29T23:59:59Z",
        "2023-02-29T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:00:00",
        "2024-01-01T00:00:00.123+01:00",
        "2024-01-01",
        "2024-13-01T00:00:00Z",
        " 2024-01-01T00:00:00Z ",
        "",
    ],
    "date": ["2024-01-01", "2024-01-01Z", "2024-02-30", "2024-01-01T00:00:00", ""],
    "hexBinary": ["00", "ABCDEF", "abcdef", "ABC", "GG", "", " AB ", "AB CD"],
    "base64Binary": ["AAAA", "AAA", "A===", "QUJD REVG", "QUJD\nREVG", "", "!!!!", "AA=="],
    "anyURI": ["", "urn:x", "http://e x"],
}
_PATTERNED = [
    "00-11-22-33-44-55-66-77",
    "aa-bb-cc-dd-ee-ff-0a-1b",
    " 00-11-22-33-44-55-66-77 ",
    "00-11-22-33-44-55-66",
    "00-11-22-33-44-55-66-77-88",
    "00:11:22:33:44:55:66:77",
    "0011223344556677",
    "GG-11-22-33-44-55-66-77",
    "0" * 20,
    "0" * 19,
    "0" * 21,
    "a" * 20,
]


def _facet(st: Any, name: str) -> Any:
    while st is not None and hasattr(st, "facets"):
        f = st.facets.get(f"{{{XS}}}{name}")
        if f is not None:
            return f.value
        st = getattr(st, "base_type", None)
    return None


def facet_values(st: Any) -> list[str]:
    """Boundary and type-confusion values for an official simple type."""
    prim = st.primitive_type.local_name if st.primitive_type is not None else "string"
    values = list(_GENERIC.get(prim, _GENERIC["string"]))
    for v in getattr(st, "enumeration", None) or []:
        text = v.hex().upper() if isinstance(v, bytes) else str(v)
        values += [text, f" {text} ", text.lower(), text.upper(), text + "x"]
    if getattr(st, "patterns", None):
        values += _PATTERNED
    lengths = [st.min_length, st.max_length]
    for n in {x + d for x in lengths if x is not None for d in (-1, 0, 1) if x + d >= 0}:
        values += ["AB" * n, "ab" * n] if prim == "hexBinary" else ["x" * n, "1" * n]
    for bound in (getattr(st, "min_value", None), getattr(st, "max_value", None)):
        if isinstance(bound, (int, Decimal)):
            values += [str(bound - 1), str(bound), str(bound + 1)]
    digits = _facet(st, "totalDigits")
    if digits:
        values += ["9" * digits, "1" + "0" * digits, "0" + "9" * digits]
    return list(dict.fromkeys(values))


class Facets:
    """Maps instance elements to official declarations to draw their facet values."""

    def __init__(self, types: xmlschema.XMLSchema) -> None:
        self.types = types
        self._cache: dict[tuple[str, ...], Any] = {}

    def decl(self, el: etree._Element) -> Any:
        path: list[str] = []
        node: etree._Element | None = el
        while node is not None:
            path.append(str(node.tag))
            node = node.getparent()
        return self._walk(tuple(reversed(path)))

    def _walk(self, path: tuple[str, ...]) -> Any:
        if path in self._cache:
            return self._cache[path]
        if len(path) == 1:
            found = self.types.maps.elements.get(path[0])
        else:
            parent = self._walk(path[:-1])
            found = None
            content = getattr(getattr(parent, "type", None), "content", None)
            if parent is not None and hasattr(content, "iter_elements"):
                for child in content.iter_elements():
                    if isinstance(child, xmlschema.validators.XsdElement) and (
                        child.name == path[-1]
                    ):
                        found = child
                        break
        self._cache[path] = found
        return found


# ------------------------------------------------------------------------ mutation kit


def _ix(root: etree._Element, el: etree._Element) -> int:
    for i, node in enumerate(root.iter()):
        if node is el:
            return i
    raise AssertionError("element not in tree")


def mutate(
    root: etree._Element, target: etree._Element, fn: Callable[[etree._Element], None]
) -> etree._Element:
    """Apply ``fn`` to the copy of ``target`` in a deep copy of ``root``."""
    index = _ix(root, target)
    clone = copy.deepcopy(root)
    for i, node in enumerate(clone.iter()):
        if i == index:
            fn(node)
            return clone
    raise AssertionError("unreachable")


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _detach(el: etree._Element) -> None:
    parent = el.getparent()
    assert parent is not None
    parent.remove(el)


def _set_text(value: str) -> Callable[[etree._Element], None]:
    def fn(el: etree._Element) -> None:
        el.text = value

    return fn


def structural(root: etree._Element, el: etree._Element, tag: str) -> Iterator[Mutant]:
    """Delete, duplicate and move ``el``; put it in other namespaces."""
    yield f"{tag}: delete", mutate(root, el, _detach)

    def dup(e: etree._Element) -> None:
        e.addnext(copy.deepcopy(e))

    yield f"{tag}: duplicate", mutate(root, el, dup)
    parent = el.getparent()
    assert parent is not None
    if len(parent) > 1:

        def to_first(e: etree._Element) -> None:
            p = e.getparent()
            assert p is not None
            p.insert(0, e)

        def to_last(e: etree._Element) -> None:
            p = e.getparent()
            assert p is not None
            p.append(e)

        def swap_next(e: etree._Element) -> None:
            nxt = e.getnext()
            if nxt is not None:
                nxt.addnext(e)

        yield f"{tag}: move first", mutate(root, el, to_first)
        yield f"{tag}: move last", mutate(root, el, to_last)
        if el.getnext() is not None:
            yield f"{tag}: swap with next", mutate(root, el, swap_next)
    for ns in (RA if etree.QName(el).namespace != RA else SR, FOREIGN, None):

        def rename(e: etree._Element, ns: str | None = ns) -> None:
            e.tag = f"{{{ns}}}{_local(e)}" if ns else _local(e)

        yield f"{tag}: namespace {ns}", mutate(root, el, rename)


def contents(
    root: etree._Element,
    el: etree._Element,
    tag: str,
    facets: Facets,
    unchecked: frozenset[str],
) -> Iterator[Mutant]:
    """Unknown children and attributes, text values, official children inserted."""
    ns = etree.QName(el).namespace

    def add_child(first: bool) -> Callable[[etree._Element], None]:
        def fn(e: etree._Element) -> None:
            extra = etree.Element(f"{{{ns}}}NotInDuis")
            extra.text = "1"
            e.insert(0, extra) if first else e.append(extra)

        return fn

    yield f"{tag}: unknown first child", mutate(root, el, add_child(True))
    yield f"{tag}: unknown last child", mutate(root, el, add_child(False))

    def add_attr(e: etree._Element) -> None:
        e.set("notInDuis", "1")

    yield f"{tag}: unknown attribute", mutate(root, el, add_attr)
    decl = facets.decl(el)
    if decl is None:
        return
    xtype = decl.type
    simple = xtype if xtype.is_simple() else None
    if simple is None and xtype.has_simple_content():
        simple = xtype.content
    if simple is not None:
        for value in facet_values(simple):
            yield f"{tag}: text {value!r}", mutate(root, el, _set_text(value))
    elif len(el) == 0:
        yield f"{tag}: text in element-only", mutate(root, el, _set_text("x"))
    else:
        yield f"{tag}: text before children", mutate(root, el, _set_text("x"))
    for attr in getattr(xtype, "attributes", {}).values():
        name = attr.name
        if name is None or attr.type is None:
            continue
        for value in facet_values(attr.type):

            def set_attr(e: etree._Element, n: str = name, v: str = value) -> None:
                e.set(n, v)

            yield f"{tag}: @{name}={value!r}", mutate(root, el, set_attr)
        if el.get(name) is not None:

            def drop_attr(e: etree._Element, n: str = name) -> None:
                del e.attrib[n]

            yield f"{tag}: drop @{name}", mutate(root, el, drop_attr)
    # Every child the official model declares, inserted at every position.
    content = getattr(xtype, "content", None)
    if hasattr(content, "iter_elements"):
        present = {c.tag for c in el}
        for child in content.iter_elements():
            if not isinstance(child, xmlschema.validators.XsdElement):
                continue
            if child.name in present or child.local_name in unchecked:
                continue  # an unchecked element's verdict depends on its (unread) content
            sample = _sample(child)
            for pos in range(len(el) + 1):

                def insert(
                    e: etree._Element, c: Any = child, s: str = sample, p: int = pos
                ) -> None:
                    new = etree.Element(c.name)
                    new.text = s
                    e.insert(p, new)

                yield f"{tag}: insert {child.local_name} at {pos}", mutate(root, el, insert)


def _sample(decl: Any) -> str | None:
    xtype = decl.type
    simple = xtype if xtype.is_simple() else (xtype.content if xtype.has_simple_content() else None)
    if simple is None:
        return None
    for value in facet_values(simple):
        if value and simple.is_valid(value):
            return value
    return None


# ---------------------------------------------------------------------- header mutants

_COUNTERS = [
    "0",
    "1",
    "9" * 19,
    "1" + "0" * 19,
    str(MAX_COUNTER),
    str(MAX_COUNTER + 1),
    str(MAX_COUNTER - 1),
    str(MAX_COUNTER + 4),
    "18446744073709551609",
    "18446744073709551620",
    "18446744073709552615",
    "99999999999999999999",
    str(MAX_COUNTER) + "0",
    "01",
    "00",
    "-1",
    "+1",
    "1.0",
    "",
    "x",
    "1 2",
]


def id_values(original: str) -> list[str]:
    parts = original.strip().split(":")
    if len(parts) != 3:  # a seed that is itself malformed: vary a well-formed ID
        parts = _ID.split(":")
        original = _ID
    orig, target, counter = parts
    values = [f"{orig}:{target}:{c}" for c in _COUNTERS]
    values += [
        original.lower(),
        original.upper(),
        f" {original} ",
        f"\n\t{original}\n",
        f"{orig}: {target}:{counter}",
        f"{orig}::{counter}",
        f"{orig}:{target}",
        f"{orig}:{target}:{counter}:",
        f"{orig.replace('-', ':')}:{target}:{counter}",
        f"{orig.replace('-', '')}:{target}:{counter}",
        f"{orig[3:]}:{target}:{counter}",
        f"{orig}-00:{target}:{counter}",
        f"{orig[:-1]}G:{target}:{counter}",
        f"{orig}:{target[:-2]}0{target[-1]}0:{counter}",
        f"{orig.replace('-', '- ')}:{target}:{counter}",
        "",
    ]
    return values


_CVS = [*map(str, range(11)), "01", "+1", " 1 ", "\n1\n", "1.0", "a", "", "-1", "1 2"]
_VERSIONS = ["5.4", "5.0", "9.9", "1", "-1", ".5", "5.", "abc", "", " 5.4 ", "5,4", "1e3"]
_VERSIONS += ["+5.4", "05.40", "INF", "NaN"]
_JUNK_REFS = ["99.9", "", " 8.11", "8.11 ", "8.11.1", "11.2.11.2", "x", "8 .11", "1.1.1.1"]
_DATETIMES = _GENERIC["dateTime"]


def _child(el: etree._Element, local: str) -> etree._Element | None:
    for c in el:
        if isinstance(c.tag, str) and _local(c) == local:
            return c
    return None


def header_mutants(root: etree._Element, exhaustive: bool) -> Iterator[Mutant]:
    header = _child(root, "Header")
    assert header is not None
    fields = [c for c in header if isinstance(c.tag, str)]
    for f in fields:
        yield from structural(root, f, f"Header/{_local(f)}")
    yield from structural(root, header, "Header")
    yield "Header: text", mutate(root, header, _set_text("x"))
    yield "Header: unknown attribute", mutate(root, header, lambda e: e.set("a", "1"))

    srs = list(catalogue.service_references())
    srvs = [r.srv for r in catalogue.all_srvs()]
    for f in fields:
        name = _local(f)
        text = f.text or ""
        if name in ("RequestID", "ResponseID", "PrecedingServiceRequestID"):
            values = id_values(text)
        elif name == "CommandVariant":
            values = _CVS
        elif name == "ServiceReference":
            values = (
                srs + srvs if exhaustive else [srs[(srs.index(text) + 1) % len(srs)]]
            ) + _JUNK_REFS
        elif name == "ServiceReferenceVariant":
            values = (
                srvs + srs if exhaustive else [srvs[(srvs.index(text) + 1) % len(srvs)]]
            ) + _JUNK_REFS
        elif name == "ResponseCode":
            codes = [c for c, _ in response_codes()]
            values = (codes if exhaustive else []) + [
                "I1",
                "i0",
                " I0",
                "I0 ",
                "",
                "E081112",
                "W081402",
                "E65",
            ]
        elif name in ("ResponseDateTime",):
            values = _DATETIMES
        elif name == "FirstInSequence":
            values = _GENERIC["boolean"]
        else:
            values = ["x"]
        for v in values:
            yield f"Header/{name} = {v!r}", mutate(root, f, _set_text(v))
    rid = _child(header, "RequestID")
    if rid is not None and _local(root) == "Request":
        for name, values in (
            ("FirstInSequence", _GENERIC["boolean"]),
            ("PrecedingServiceRequestID", [rid.text or "", "x"]),
        ):
            if _child(header, name) is not None:
                continue
            for pos in range(len(header) + 1):
                for v in values:

                    def ins(e: etree._Element, n: str = name, v: str = v, p: int = pos) -> None:
                        new = etree.Element(f"{{{SR}}}{n}")
                        new.text = v
                        e.insert(p, new)

                    yield f"Header + {name} {v!r} at {pos}", mutate(root, header, ins)


def envelope_mutants(root: etree._Element) -> Iterator[Mutant]:
    for v in _VERSIONS:
        yield f"schemaVersion = {v!r}", mutate(root, root, lambda e, v=v: e.set("schemaVersion", v))
    yield "no schemaVersion", mutate(root, root, lambda e: e.attrib.pop("schemaVersion"))
    yield "foreign attribute", mutate(root, root, lambda e: e.set(f"{{{FOREIGN}}}a", "1"))
    yield "unknown attribute", mutate(root, root, lambda e: e.set("version", "1"))
    for ns in (RA, FOREIGN, None):
        yield (
            f"root namespace {ns}",
            mutate(
                root,
                root,
                lambda e, ns=ns: setattr(e, "tag", f"{{{ns}}}{_local(e)}" if ns else _local(e)),
            ),
        )
    other = "Response" if _local(root) == "Request" else "Request"
    yield (
        f"root renamed {other}",
        mutate(root, root, lambda e: setattr(e, "tag", f"{{{SR}}}{other}")),
    )
    yield "root text", mutate(root, root, _set_text("x"))
    body = _child(root, "Body")
    assert body is not None
    yield from structural(root, body, "Body")
    yield "Body: text", mutate(root, body, _set_text("x"))
    yield "Body: emptied", mutate(root, body, lambda e: e.clear())
    for name in ("NotADuisBody", "Request", "SignedPreCommand", "ResponseMessage", "Header"):

        def add(e: etree._Element, n: str = name) -> None:
            e.append(etree.Element(f"{{{SR}}}{n}"))

        def replace(e: etree._Element, n: str = name) -> None:
            for c in list(e):
                e.remove(c)
            e.append(etree.Element(f"{{{SR}}}{n}"))

        yield f"Body + {name}", mutate(root, body, add)
        yield f"Body := {name}", mutate(root, body, replace)
    for child in body:
        if isinstance(child.tag, str):
            yield from structural(root, child, f"Body/{_local(child)}")
    sig = _child(root, "Signature")
    if sig is not None:
        yield from structural(root, sig, "Signature")
        for where in ("Header", "Body"):

            def into(e: etree._Element, w: str = where) -> None:
                r = e.getparent()
                assert r is not None
                target = _child(r, w)
                assert target is not None
                target.append(e)

            yield f"Signature into {where}", mutate(root, sig, into)

            def before(e: etree._Element, w: str = where) -> None:
                r = e.getparent()
                assert r is not None
                target = _child(r, w)
                assert target is not None
                target.addprevious(e)

            yield f"Signature before {where}", mutate(root, sig, before)
    else:
        for pos in range(len(root) + 1):

            def sign(e: etree._Element, p: int = pos) -> None:
                e.insert(p, etree.fromstring(SIGNATURE))

            yield f"Signature added at {pos}", mutate(root, root, sign)


# ------------------------------------------------------------------ body content mutants


def unchecked_names() -> frozenset[str]:
    """Element names the embedded schemas type as UncheckedContent."""
    names = set()
    xsds = sorted(SCHEMAS.glob("*.xsd"))
    assert len(xsds) >= 2, f"embedded schemas missing from {SCHEMAS}"
    for xsd in xsds:
        for el in etree.parse(str(xsd)).getroot().iter(f"{{{XS}}}element"):
            if el.get("type", "").endswith(":UncheckedContent"):
                names.add(el.get("name", ""))
    return frozenset(names)


def content_mutants(
    root: etree._Element, scope: etree._Element, facets: Facets, unchecked: frozenset[str]
) -> Iterator[Mutant]:
    """Mutate every element under ``scope`` that the embedded schema looks inside."""

    def walk(el: etree._Element) -> Iterator[etree._Element]:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            yield child
            if _local(child) not in unchecked:
                yield from walk(child)

    for el in walk(scope):
        tag = root.getroottree().getpath(el)
        if el.getparent() is not scope:
            yield from structural(root, el, tag)
        if _local(el) not in unchecked:
            yield from contents(root, el, tag, facets, unchecked)


# ------------------------------------------------------------ project-written seeds

SIGNATURE = (
    f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
    '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>'
    '<ds:Reference URI=""><ds:Transforms><ds:Transform '
    'Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    "<ds:DigestValue>q83vEjRWeJA=</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    "<ds:SignatureValue>3q2+7w==</ds:SignatureValue><ds:KeyInfo><ds:X509Data>"
    "<ds:X509IssuerSerial><ds:X509IssuerName>CN=Example CA,OU=07</ds:X509IssuerName>"
    "<ds:X509SerialNumber>4242</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data>"
    "</ds:KeyInfo></ds:Signature>"
)
_DEV = "0A-1B-2C-3D-4E-5F-60-71"
_ID = f"00-DB-00-00-00-00-00-01:{_DEV}:1700000000000"


def _request(srv: str, cv: int, body: str) -> bytes:
    row = catalogue.get(srv)
    sr = row.sr if row else srv
    return (
        f'<sr:Request xmlns:sr="{SR}" schemaVersion="5.4"><sr:Header>'
        f"<sr:RequestID>{_ID}</sr:RequestID><sr:CommandVariant>{cv}</sr:CommandVariant>"
        f"<sr:ServiceReference>{sr}</sr:ServiceReference>"
        f"<sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant></sr:Header>"
        f"<sr:Body>{body}</sr:Body>{SIGNATURE}</sr:Request>"
    ).encode()


def _response(body: str, code: str = "I0") -> bytes:
    return (
        f'<sr:Response xmlns:sr="{SR}" xmlns:ra="{RA}" schemaVersion="5.4"><sr:Header>'
        f"<sr:RequestID>{_ID}</sr:RequestID><sr:ResponseID>{_ID}</sr:ResponseID>"
        f"<sr:ResponseCode>{code}</sr:ResponseCode>"
        "<sr:ResponseDateTime>2024-05-01T10:00:00.000Z</sr:ResponseDateTime></sr:Header>"
        f"<sr:Body>{body}</sr:Body></sr:Response>"
    ).encode()


def _rm(srv: str, payload: str) -> str:
    row = catalogue.get(srv)
    sr = row.sr if row else srv
    return (
        f"<sr:ResponseMessage><sr:ServiceReference>{sr}</sr:ServiceReference>"
        f"<sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>{payload}"
        "</sr:ResponseMessage>"
    )


def _e(name: str, text: str = "", **attrs: str) -> str:
    a = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<sr:{name}{a}>{text}</sr:{name}>"


_WHEN = _e("ExecutionDateTime", "2030-01-01T00:00:00Z")
_ADDR = _e("PostCode", "AB12 3CD") + _e("AddressIdentifier", "Flat 2")
_DETAILS = (
    _e("DeviceManufacturer", "Maker")
    + _e("DeviceModel", "M-1")
    + _e("SMETSCHTSVersion", "SMETS2 V5.0")
    + _e("FirmwareVersion", "01020304")
    + _e("ESMEVariant", "ADE")
)
_GBCS = _e("GBCSPayload", "3QAAAAAAAEURAAAA")
_MMC_HEADER = (
    "<ra:BusinessOriginatorID>0A-1B-2C-3D-4E-5F-60-71</ra:BusinessOriginatorID>"
    "<ra:BusinessTargetID>00-DB-00-00-00-00-00-01</ra:BusinessTargetID>"
    "<ra:OriginatorCounter>1700000000000</ra:OriginatorCounter>"
    "<ra:SupplementaryRemotePartyID>00-DB-00-00-00-00-00-02</ra:SupplementaryRemotePartyID>"
    "<ra:SupplementaryRemotePartyCounter>5</ra:SupplementaryRemotePartyCounter>"
    "<ra:SupplementaryOriginatorCounter>6</ra:SupplementaryOriginatorCounter>"
    "<ra:GBCSHexadecimalMessageCode>0015</ra:GBCSHexadecimalMessageCode>"
    "<ra:ServiceReference>4.1</ra:ServiceReference>"
    "<ra:ServiceReferenceVariant>4.1.1</ra:ServiceReferenceVariant>"
    '<ra:Timestamp isFromGSME="false" ClockStatus="reliable">2024-05-01T10:00:00Z</ra:Timestamp>'
)
_GBCS_DATA = (
    '<ra:GBCSData format="plain" sequence="0" name="response" type="gbcs">3QAA</ra:GBCSData>'
)
_RSPS = [
    '<ra:ReadInstantaneousImportRegistersRsp MessageSuccess="true"><ra:Electricity>'
    "<ra:ActiveImportRegister><ra:Value>1200</ra:Value><ra:ActiveEnergyUnit>Wh</ra:ActiveEnergyUnit>"
    "</ra:ActiveImportRegister><ra:ReactiveImportRegister><ra:Value>7</ra:Value>"
    "<ra:ReactiveEnergyUnit>varh</ra:ReactiveEnergyUnit></ra:ReactiveImportRegister>"
    "<ra:SecondaryActiveImportRegister><ra:Value>3</ra:Value>"
    "<ra:ActiveEnergyUnit>Wh</ra:ActiveEnergyUnit></ra:SecondaryActiveImportRegister>"
    "</ra:Electricity></ra:ReadInstantaneousImportRegistersRsp>",
    "<ra:ReadInstantaneousImportRegistersRsp><ra:Gas><ra:ConsumptionRegister>"
    "<ra:Value>12.5</ra:Value><ra:Unit>m3</ra:Unit></ra:ConsumptionRegister></ra:Gas>"
    "</ra:ReadInstantaneousImportRegistersRsp>",
    '<ra:UpdateHANDeviceLogRsp MessageSuccess="false"/>',
    '<ra:ReadFirmwareVersionRsp MessageSuccess="true"><ra:FirmwareVersion>0102</ra:FirmwareVersion>'
    "</ra:ReadFirmwareVersionRsp>",
]


def _gbcs_response(body: str) -> bytes:
    return (
        f'<ra:GBCSResponse xmlns:ra="{RA}" schemaVersion="5.4"><ra:Header>{_MMC_HEADER}'
        f"</ra:Header><ra:Body>{body}</ra:Body></ra:GBCSResponse>"
    ).encode()


_ALERT_CONTENT = (
    f"<ra:DeviceAlertMessage>{_GBCS_DATA}<ra:DeviceAlertContent>"
    "<ra:GBCSHexAlertCode>8F1C</ra:GBCSHexAlertCode><ra:AlertDescription>Firmware"
    "</ra:AlertDescription><ra:Timestamp>2024-05-01T10:00:00Z</ra:Timestamp><ra:Payload>"
    "<ra:FirmwareVerificationDeviceAlert><ra:ManufacturerImageHash>00FF</ra:ManufacturerImageHash>"
    "</ra:FirmwareVerificationDeviceAlert></ra:Payload></ra:DeviceAlertContent>"
    "</ra:DeviceAlertMessage>"
)


def project_seeds() -> list[tuple[str, bytes]]:
    r = _request
    seeds = [
        (
            "8.11 add",
            r(
                "8.11",
                1,
                _e(
                    "UpdateHANDeviceLog",
                    _WHEN
                    + _e("DeviceID", _DEV)
                    + _e("RequestType", "Add")
                    + _e(
                        "AddDeviceToCHFWhitelist",
                        _e("JoinTimePeriod", "60")
                        + _e("InstallCode", "00112233445566778899AABBCCDDEEFF")
                        + _e("ImportMPxN", "1234567890123")
                        + _e("SecondaryImportMPAN", "1234567890124")
                        + _e("ExportMPAN", "1234567890125"),
                    ),
                ),
            ),
        ),
        (
            "8.11 remove",
            r(
                "8.11",
                1,
                _e("UpdateHANDeviceLog", _e("DeviceID", _DEV) + _e("RequestType", "Remove")),
            ),
        ),
        (
            "8.4 except CH",
            r(
                "8.4",
                8,
                _e(
                    "UpdateInventory",
                    _e("DeviceID", _DEV) + _e("UpdateDeviceStatusExceptCH", "Pending"),
                ),
            ),
        ),
        (
            "8.4 CH",
            r(
                "8.4",
                8,
                _e(
                    "UpdateInventory",
                    _e("DeviceID", _DEV) + _e("UpdateDeviceStatusCH", "Withdrawn"),
                ),
            ),
        ),
        (
            "8.4 details",
            r(
                "8.4",
                8,
                _e("UpdateInventory", _e("DeviceID", _DEV) + _e("UpdateDeviceDetails", _DETAILS)),
            ),
        ),
        (
            "8.4 delete",
            r("8.4", 8, _e("UpdateInventory", _e("DeviceID", _DEV) + _e("DeleteDevice"))),
        ),
        (
            "8.4 import",
            r(
                "8.4",
                8,
                _e(
                    "UpdateInventory",
                    _e("DeviceID", _DEV) + _e("UpdateMPxN", _e("ImportMPxN", "1234")),
                ),
            ),
        ),
        (
            "8.4 secondary",
            r(
                "8.4",
                8,
                _e(
                    "UpdateInventory",
                    _e("DeviceID", _DEV)
                    + _e("UpdateMPxN", _e("SecondaryImportMPAN", "1234567890123")),
                ),
            ),
        ),
        (
            "8.4 export",
            r(
                "8.4",
                8,
                _e(
                    "UpdateInventory",
                    _e("DeviceID", _DEV) + _e("UpdateMPxN", _e("ExportMPAN", "1234567890123")),
                ),
            ),
        ),
        ("8.2 uprn", r("8.2", 8, _e("ReadInventory", _e("UPRN", "100023336956")))),
        ("8.2 device", r("8.2", 8, _e("ReadInventory", _e("DeviceID", _DEV)))),
        ("8.2 mpxn", r("8.2", 8, _e("ReadInventory", _e("MPxN", "1234567890123")))),
        ("8.2 address", r("8.2", 8, _e("ReadInventory", _e("PropertyFilter", _ADDR)))),
        ("8.3", r("8.3", 8, _e("DecommissionDevice", _e("DeviceID", _DEV)))),
        ("12.1 uprn", r("12.1", 8, _e("RequestWANMatrix", _e("UPRN", "7")))),
        ("12.1 address", r("12.1", 8, _e("RequestWANMatrix", _e("PartialAddress", _ADDR)))),
        (
            "12.2",
            r(
                "12.2",
                8,
                _e(
                    "DevicePrenotification",
                    _e("DeviceID", _DEV)
                    + _e("DeviceManufacturer", "Maker")
                    + _e("DeviceModel", "M-1")
                    + _e("DeviceType", "ESME")
                    + _e("SMETSCHTSVersion", "V5")
                    + _e("FirmwareVersion", "0102")
                    + _e("ESMEVariant", "A")
                    + _e("AssociatedGPFDeviceID", _DEV),
                ),
            ),
        ),
        ("4.1.1", r("4.1.1", 1, _e("ReadInstantaneousImportRegisters", _WHEN))),
        ("11.2", r("11.2", 2, _e("ReadFirmwareVersion", _WHEN))),
        ("signed pre-command", r("1.6", 5, _e("SignedPreCommand", _WHEN + _GBCS))),
    ]
    device = "".join(
        _e(n, v)
        for n, v in [
            ("DeviceID", _DEV),
            ("DeviceType", "GSME"),
            ("DeviceStatus", "Whitelisted"),
            ("DeviceManufacturer", "Maker"),
            ("DeviceModel", "M-1"),
            ("SMETSCHTSVersion", "V5"),
            ("DeviceFirmwareVersion", "0102"),
            ("DeviceFirmwareVersionStatus", "Expired"),
            ("CPLStatus", "Active"),
            ("DateCommissioned", "2024-01-01"),
            ("ImportMPxN", "1234"),
            ("SecondaryImportMPAN", "1234567890123"),
            ("ExportMPAN", "1234567890123"),
            ("ESMEVariant", "B"),
            ("UPRN", "12"),
            ("PropertyFilter", _ADDR),
            ("CSPRegion", "North"),
            ("DeviceGBCSVersion", "4.2"),
            ("HANVariant", "Dual Band"),
            ("S1SP", "x"),
            ("Connectivity", "Cellular"),
        ]
    )
    wan = (
        _e("Request", _e("PartialAddress", _ADDR))
        + _e(
            "DSPWANMatrixResponse",
            _e("CSPRegion", "South")
            + _e("CSPRegionResponseCode", "I0")
            + _e("CoverageAvailability", "true")
            + _e("AnticipatedCoverageDate", "2025-01-01")
            + _e("WANTechnology", "4G")
            + _e("ConnectivityLikelihood", "High")
            + _e("AuxiliaryEquipmentRequired", "Aerial")
            + _e("AdditionalInformation", "None"),
        )
        + _e(
            "DSPWANMatrixResponse",
            _e("CSPRegion", "Unknown") + _e("CSPRegionResponseCode", "E120101"),
        )
    )
    smets1 = (
        f'<sr:SMETS1SignedResponse schemaVersion="5.4"><sr:SMETS1Response><sr:Header>{_MMC_HEADER}'
        f"</sr:Header><sr:Body><sr:ResponseMessage>{_GBCS_DATA}<ra:SMETSData>{_RSPS[3]}"
        f"</ra:SMETSData></sr:ResponseMessage></sr:Body></sr:SMETS1Response>{SIGNATURE}"
        "</sr:SMETS1SignedResponse>"
    )
    seeds += [
        ("8.2 inventory", _response(_rm("8.2", _e("DSPInventory", _e("Device", device))))),
        ("12.1 matrix", _response(_rm("12.1", _e("DSPWANMatrix", wan)))),
        (
            "scheduled",
            _response(_rm("5.1", _e("DSPScheduledMessage", _GBCS + _e("DSPScheduleID", "12")))),
        ),
        ("schedule id", _response(_rm("5.1", _e("DSPScheduleID", "1000000000000")))),
        (
            "future dated",
            _response(
                _rm(
                    "4.1.1",
                    _e(
                        "FutureDatedDeviceAlertMessage",
                        _e("FutureDatedAlertCode", "8f66")
                        + _GBCS
                        + _e("InstructionNumber", "1")
                        + _e("TotalCommandInstructions", "65535"),
                    ),
                )
            ),
        ),
        ("local command", _response(_rm("11.2", _e("LocalCommand", _GBCS)))),
        ("pre-command", _response(_rm("1.6", _e("PreCommand", _e("GBCSVersion", "4.0") + _GBCS)))),
        (
            "device alert",
            _response(
                _e(
                    "DeviceAlertMessage",
                    _e("AlertCode", "8F1C")
                    + _e("ThrottledAlertSequenceId", "1")
                    + _e("ThrottledAlertCount", "4294967295")
                    + _GBCS,
                ),
                "I0",
            ),
        ),
        (
            "dcc alert",
            _response(
                _e(
                    "DCCAlertMessage",
                    _e("DCCAlertCode", "N12")
                    + _e("ThrottledAlertSequenceId", "3")
                    + _e(
                        "DCCAlert",
                        _e(
                            "PowerOutageEvent",
                            _e("CommsHubDeviceID", _DEV)
                            + _e("StartDateTime", "2024-05-01T09:00:00Z")
                            + _e("MPxN", "1234"),
                        ),
                    ),
                )
            ),
        ),
        (
            "smets1",
            _response(
                _e(
                    "SMETS1ResponseMessage",
                    _e("ServiceReference", "11.2")
                    + _e("ServiceReferenceVariant", "11.2")
                    + _e("DSPScheduleID", "5")
                    + smets1,
                )
            ),
        ),
    ]
    seeds += [
        (
            f"mmc rsp {i}",
            _gbcs_response(
                f"<ra:ResponseMessage>{_GBCS_DATA}{_GBCS_DATA}"
                f"<ra:SMETSData>{rsp}</ra:SMETSData></ra:ResponseMessage>"
            ),
        )
        for i, rsp in enumerate(_RSPS)
    ]
    seeds += [
        (
            "mmc unchecked rsp",
            _gbcs_response(
                "<ra:ResponseMessage><ra:SMETSData><ra:TopUpDeviceRsp/>"
                "</ra:SMETSData></ra:ResponseMessage>"
            ),
        ),
        ("mmc alert", _gbcs_response(_ALERT_CONTENT)),
    ]
    return seeds


# ------------------------------------------------------------------------------ the test


def _body_scope(root: etree._Element) -> etree._Element | None:
    body = _child(root, "Body")
    return body


def _all_mutants(
    name: str, root: etree._Element, judges: Judges, unchecked: frozenset[str], first: bool
) -> Iterator[Mutant]:
    family = etree.QName(root).namespace or ""
    facets = judges.facets[family]
    if _local(root) in ("Request", "Response"):
        yield from header_mutants(root, exhaustive=first)
        yield from envelope_mutants(root)
    else:
        yield from structural_header_mmc(root, facets, unchecked)
    body = _body_scope(root)
    if body is not None:
        yield from content_mutants(root, body, facets, unchecked)
    sig = _child(root, "Signature")
    if sig is not None and (first or name.startswith("project")):
        yield from content_mutants(root, sig, facets, unchecked)


def structural_header_mmc(
    root: etree._Element, facets: Facets, unchecked: frozenset[str]
) -> Iterator[Mutant]:
    header = _child(root, "Header")
    assert header is not None
    yield from content_mutants(root, header, facets, unchecked)
    yield from structural(root, header, "Header")
    for v in _VERSIONS:
        yield f"schemaVersion = {v!r}", mutate(root, root, lambda e, v=v: e.set("schemaVersion", v))
    yield "no schemaVersion", mutate(root, root, lambda e: e.attrib.pop("schemaVersion"))
    body = _child(root, "Body")
    assert body is not None
    for child in body:
        yield from structural(root, child, "Body/" + _local(child))


def test_embedded_schemas_agree_with_official_54(
    judges: Judges, ref: Path, reference_requests: list[Path]
) -> None:
    unchecked = unchecked_names()
    seeds: list[tuple[str, etree._Element]] = []
    for path in reference_requests:
        seeds.append((path.name, etree.parse(str(path)).getroot()))
    for path in sorted((ref / "signed").iterdir()):
        if path.suffix.lower() == ".xml" and "xxe" not in path.name:
            seeds.append((path.name, etree.parse(str(path)).getroot()))
    for name, data in project_seeds():
        root = etree.fromstring(data)
        family = etree.QName(root).namespace or ""
        ok = judges.theirs[family].validate(root)
        assert ok, (
            f"project seed {name!r} is not valid DUIS/MMC 5.4: {judges.theirs[family].error_log}"
        )
        seeds.append((f"project:{name}", root))

    total = agreed = 0
    disagreements: list[str] = []
    seen_kinds: set[str] = set()
    for name, root in seeds:
        kind = _local(root)
        first = kind not in seen_kinds
        seen_kinds.add(kind)
        family = etree.QName(root).namespace or ""
        mine, theirs, why = judges.verdicts(family, root)
        mutants: list[Mutant] = [("seed as is", root)]
        mutants.extend(_all_mutants(name, root, judges, unchecked, first))
        for desc, mutant in mutants:
            mine, theirs, why = judges.verdicts(family, mutant)
            total += 1
            if mine == theirs:
                agreed += 1
            else:
                disagreements.append(
                    f"{name}: {desc}: embedded {'valid' if mine else 'invalid'}, "
                    f"official {'valid' if theirs else 'invalid'} ({why})"
                )
    print(f"{len(seeds)} seeds, {total} mutants, {agreed} agreed")
    assert not disagreements, (
        f"{len(disagreements)} of {total} mutants judged differently:\n"
        + "\n".join(disagreements[:40])
    )
