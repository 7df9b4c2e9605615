"""``duis.validate``: one document in, one :class:`~duis.Report` out.

The pipeline is parse (safe) -> kind -> schemaVersion -> XSD -> rules -> grading. It is
built for loops over many thousands of messages: the schema is compiled once per
process, the tree is parsed once and shared by every step, and nothing is built that a
step does not need (no model objects on this path).

Problems in the document are findings in the report; only what stops work raises: an
unreadable path (:class:`~duis.InputError`) or a schema that will not load
(:class:`~duis.SchemaError`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from lxml import etree

from duis._exceptions import ModelError, XMLError
from duis.config import Config
from duis.ids import EUI64
from duis.kinds import DocumentKind, document_kind
from duis.namespaces import PREFIXES, RA, SR
from duis.report import Kind, Report
from duis.rules import AlertSequences, check_mmc_alert, check_request, check_response
from duis.schemas import RegistryLike, SchemaBundle, as_registry
from duis.versions import KNOWN_VERSIONS, is_known
from duis.xml import (
    DEFAULT_MAX_BYTES,
    XInput,
    child_element,
    element_value,
    parse,
    read_input,
    sourceline,
)

if TYPE_CHECKING:
    from duis.model.request import Request

__all__ = ["parse_or_report", "validate", "validate_tree"]

_HEADER = f"{{{SR}}}Header"
_BODY = f"{{{SR}}}Body"
_SRV = f"{{{SR}}}ServiceReferenceVariant"
_RESPONSE_MESSAGE = f"{{{SR}}}ResponseMessage"
_DEFAULT_CONFIG = Config()


def validate(
    data: XInput,
    *,
    schemas: RegistryLike | None = None,
    config: Config | None = None,
    source: str | None = None,
    max_bytes: int | None = None,
    request: Request | None = None,
    signer: EUI64 | None = None,
    sequences: AlertSequences | None = None,
) -> Report:
    """Judge one DUIS document (bytes, text, a path or a binary file).

    ``schemas`` (a registry, or a folder or folders of DCC bundles) defaults to the
    config's ``schema_dirs``, else the embedded schemas plus any ``$DUIS_SCHEMA_DIR``
    bundles; ``max_bytes`` defaults to the config's. Unsafe or malformed XML gives a
    report with one ``xml.*`` error, not an exception. With ``request``, a response is
    also checked to answer it (:func:`duis.correlate`); ``signer`` is the EUI-64 that
    verified the response's signature, if one did.
    ``sequences`` carries alert throttling sequence ids from one message to the next
    (one per run, files in arrival order) for ``throttle.sequence-back``.
    """
    cfg = config if config is not None else _DEFAULT_CONFIG
    limit = max_bytes if max_bytes is not None else cfg.max_bytes
    tree, name = parse_or_report(data, source=source, max_bytes=limit)
    if isinstance(tree, Report):
        return tree
    return validate_tree(
        tree,
        schemas=schemas,
        config=config,
        source=name,
        request=request,
        signer=signer,
        sequences=sequences,
    )


def parse_or_report(
    data: XInput, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[etree._ElementTree | Report, str]:
    """The parsed tree and the document's name, or a report holding the ``xml.*`` error.

    Every validating entry point (this module's, ``mmc.validate``) starts here, so
    unsafe or malformed input is always the same finding and never an exception.
    """
    # The one reader names the input (a path is its own name) and reads it once.
    try:
        raw, name = read_input(data, source=source, max_bytes=max_bytes)
        tree = parse(raw, source=name, max_bytes=max_bytes)
    except XMLError as exc:
        report = Report(exc.source or source or "<input>")
        report.emit(exc.rule, exc.message, line=exc.line, column=exc.column)
        return report, report.source
    return tree, name


def validate_tree(
    tree: etree._ElementTree,
    *,
    schemas: RegistryLike | None = None,
    config: Config | None = None,
    source: str = "<input>",
    request: Request | None = None,
    signer: EUI64 | None = None,
    sequences: AlertSequences | None = None,
) -> Report:
    """:func:`validate` for a tree already produced by :func:`duis.xml.parse`."""
    cfg = config if config is not None else _DEFAULT_CONFIG
    registry = as_registry(schemas) if schemas is not None else cfg.registry()
    root = tree.getroot()
    report = Report(source)
    kind = document_kind(root)
    report.kind = kind.report_kind
    version = root.get("schemaVersion")
    report.schema_version = version
    if report.kind is not Kind.OTHER:
        report.srv = _srv_of(root, report.kind)
    elif kind is not DocumentKind.MMC:
        report.emit(
            "kind.unknown",
            f"root element {_prefixed(root)!r} is not a DUIS Request, Response or MMC GBCSResponse",
            line=sourceline(root),
        )
        return _graded(report, cfg)
    # MMC output carries the same schemaVersion as the DUIS release it belongs to.
    if version is not None and not is_known(version):
        report.emit(
            "schema-version.unknown",
            f"schemaVersion {version!r} is not a DUIS version (known: "
            f"{', '.join(KNOWN_VERSIONS)}); the XSD accepts any decimal, the DCC does not",
            line=sourceline(root),
            path=f"/{_prefixed(root)}/@schemaVersion",
        )
    bundle, why_none = registry.select(version)
    if bundle is None:
        report.emit("schema-version.no-schema", why_none or "", line=sourceline(root))
    else:
        report.schema = bundle.name
        bundle.validate(tree, report)
        if bundle.unchecked:
            _note_unchecked(root, report, bundle)
    if report.kind is Kind.REQUEST:
        check_request(root, report, cfg)
    elif report.kind is Kind.RESPONSE:
        check_response(root, report, cfg, sequences=sequences)
    else:
        check_mmc_alert(root, report, cfg)
    if request is not None:
        _correlate(root, report, request, cfg, signer)
    return _graded(report, cfg)


def _correlate(
    root: etree._Element, report: Report, request: Request, cfg: Config, signer: EUI64 | None
) -> None:
    if report.kind is not Kind.RESPONSE:
        report.emit(
            "correlate.not-a-response",
            f"a request was given to match against, but this document is {report.kind.value!r}, "
            "not a response",
            line=sourceline(root),
        )
        return
    # Only a run with a request to match pays for the model and correlate modules.
    from duis.correlate import correlate
    from duis.model.response import Response

    try:
        response = Response.from_tree(root, report.source)
    except ModelError as exc:
        report.emit("correlate.unreadable", exc.message, line=exc.line)
        return
    report.messages.extend(correlate(request, response, dcc_eui=cfg.dcc_eui, signer=signer))


def _graded(report: Report, cfg: Config) -> Report:
    if cfg.filters:
        kept = []
        for message in report.messages:
            graded = cfg.grade(message)
            if graded is not None:
                kept.append(graded)
        report.messages = kept
    return report


def _srv_of(root: etree._Element, kind: Kind) -> str | None:
    # Plain child iteration: lxml's find() re-parses its path argument on every call,
    # which costs more than walking the handful of children here.
    parent: etree._Element | None = None
    if kind is Kind.REQUEST:
        parent = child_element(root, _HEADER)
    else:
        parent = child_element(child_element(root, _BODY), _RESPONSE_MESSAGE)
    found = child_element(parent, _SRV)
    if found is None:
        return None
    return element_value(found) or None


def _prefixed(el: etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    qname = etree.QName(tag)
    for prefix, uri in (("sr", SR), ("ra", RA)):
        if qname.namespace == uri:
            return f"{prefix}:{qname.localname}"
    return qname.localname if qname.namespace is None else tag


def _note_unchecked(root: etree._Element, report: Report, bundle: SchemaBundle) -> None:
    """Say, as info, which content the embedded schema accepted without checking it.

    Every region typed ``UncheckedContent`` is reported, at any depth (request bodies,
    DCC alert events, MMC ``...Rsp`` payloads and alert payloads), once each: what lies
    inside an unchecked region is unchecked too and is not listed again, and neither is
    anything under foreign content (ds:Signature has its own schema). Linear in the
    size of the tree: lxml walks it in C, and Python looks only at each element's tag
    (a set lookup) and, for the few that match, at their ancestors.
    """
    tags = _unchecked_tags(bundle.unchecked)
    if not tags:
        return
    for el in root.iter():
        if el.tag not in tags or el is root:
            continue
        path = _duis_path(el, root, tags)
        if path is None:  # inside another unchecked region, or under foreign content
            continue
        name = etree.QName(el).localname
        report.emit(
            "xsd.not-covered",
            f"the content of <{name}> was not checked: the embedded schema covers only its "
            "element; pass --schema-dir with DCC's official XSD bundle to check it",
            line=sourceline(el),
            path=path,
        )


@functools.lru_cache(maxsize=8)
def _unchecked_tags(names: frozenset[str]) -> frozenset[str]:
    """The qualified tags (in the DUIS namespaces) of the unchecked local names."""
    return frozenset(f"{{{ns}}}{name}" for ns in _PREFIX for name in names)


def _duis_path(el: etree._Element, root: etree._Element, tags: frozenset[str]) -> str | None:
    """``el``'s path from the root with prefixed names; None if an ancestor below the
    root is unchecked itself or is not in a DUIS namespace."""
    steps: list[str] = []
    node: etree._Element | None = el
    while node is not None and node is not root:
        tag = node.tag
        if node is not el and tag in tags:
            return None
        namespace, _, name = tag[1:].partition("}") if tag[:1] == "{" else ("", "", "")
        prefix = _PREFIX.get(namespace)
        if prefix is None:
            return None
        steps.append(f"{prefix}:{name}")
        node = node.getparent()
    steps.append(_prefixed(root))
    return "/" + "/".join(reversed(steps))


_PREFIX = {SR: PREFIXES[SR], RA: PREFIXES[RA]}
