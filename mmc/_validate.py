"""The verdict on an MMC document: the schema's, then the SRV mapping's.

``duis.validate`` already judges a GBCSResponse against the selected schema (the
embedded MMC schema or an official bundle); what it cannot know is which request the
output answers. :func:`validate` adds that check, with the SRV from the caller.
"""

from __future__ import annotations

from lxml import etree

from duis._validate import parse_or_report, validate_tree
from duis.config import Config
from duis.kinds import GBCS_RESPONSE
from duis.report import Report
from duis.schemas import RegistryLike
from duis.xml import XInput, sourceline
from mmc._mapping import check_response_element

__all__ = ["validate", "validate_gbcs_tree"]


def validate(
    data: XInput,
    *,
    srv: str | None = None,
    schemas: RegistryLike | None = None,
    config: Config | None = None,
    source: str | None = None,
    max_bytes: int | None = None,
) -> Report:
    """Judge one MMC ``ra:GBCSResponse``: XSD, then the SRV -> ``...Rsp`` mapping.

    ``srv`` is the SRV the output answers (from its request or DUIS response); the
    header's ServiceReferenceVariant is used when it is omitted. A document that is
    not a GBCSResponse gets an ``mmc.not-mmc`` error.
    """
    limit = max_bytes if max_bytes is not None else (config or Config()).max_bytes
    tree, name = parse_or_report(data, source=source, max_bytes=limit)
    if isinstance(tree, Report):
        return tree
    root = tree.getroot()
    if root.tag != GBCS_RESPONSE:
        report = Report(name)
        report.emit(
            "mmc.not-mmc",
            f"root element is {root.tag!r}, not an MMC ra:GBCSResponse",
            line=sourceline(root),
        )
        return report
    return validate_gbcs_tree(tree, srv=srv, schemas=schemas, config=config, source=name)


def validate_gbcs_tree(
    tree: etree._ElementTree,
    *,
    srv: str | None = None,
    schemas: RegistryLike | None = None,
    config: Config | None = None,
    source: str = "<input>",
) -> Report:
    """:func:`validate` for a GBCSResponse tree already parsed by :func:`duis.xml.parse`."""
    report = validate_tree(tree, schemas=schemas, config=config, source=source)
    for message in check_response_element(tree, srv):
        if config is not None:
            graded = config.grade(message)
            if graded is None:
                continue
            message = graded
        report.messages.append(message)
    if report.srv is None:
        report.srv = srv
    return report
