"""What a document is, decided in one place from its root element.

Validation, the model, ``inspect`` and signing all branch on whether a document is a
DUIS request, a DUIS response or MMC output; each used to compare root tags itself.
"""

from __future__ import annotations

import enum

from lxml import etree

from duis.namespaces import RA, SR, clark
from duis.report import Kind

__all__ = ["GBCS_RESPONSE", "REQUEST", "RESPONSE", "DocumentKind", "document_kind"]

#: Clark names of the three roots this project reads.
REQUEST = clark(SR, "Request")
RESPONSE = clark(SR, "Response")
GBCS_RESPONSE = clark(RA, "GBCSResponse")


class DocumentKind(str, enum.Enum):
    """The kind of document a root element makes."""

    REQUEST = "request"
    RESPONSE = "response"
    #: MMC output: ``ra:GBCSResponse``.
    MMC = "mmc"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def report_kind(self) -> Kind:
        """The :class:`~duis.Kind` a report states (MMC output is ``other`` there)."""
        return _REPORT_KIND[self]


_BY_TAG = {
    REQUEST: DocumentKind.REQUEST,
    RESPONSE: DocumentKind.RESPONSE,
    GBCS_RESPONSE: DocumentKind.MMC,
}
_REPORT_KIND = {
    DocumentKind.REQUEST: Kind.REQUEST,
    DocumentKind.RESPONSE: Kind.RESPONSE,
    DocumentKind.MMC: Kind.OTHER,
    DocumentKind.UNKNOWN: Kind.OTHER,
}


def document_kind(root: etree._Element | etree._ElementTree) -> DocumentKind:
    """The kind of ``root`` (a tree's root is used); anything else is ``UNKNOWN``."""
    element = root.getroot() if isinstance(root, etree._ElementTree) else root
    tag = element.tag
    return _BY_TAG.get(tag, DocumentKind.UNKNOWN) if isinstance(tag, str) else DocumentKind.UNKNOWN
