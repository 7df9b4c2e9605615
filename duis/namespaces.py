"""The XML namespaces DUIS messages use: the one table every module reads.

Each URI is written once here; parsers, schema messages, rules, signing and the CLI
import it, so a typo cannot make one part see an element another part misses.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["DS", "PREFIXES", "RA", "SR", "XS", "clark"]

#: DUIS service requests and responses (``sr:``).
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
#: MMC output, GBCS responses and alerts decoded into XML (``ra:``).
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"
#: XML-DSig (``ds:``), the signature DUIS messages carry.
DS = "http://www.w3.org/2000/09/xmldsig#"
#: XML Schema itself, for reading XSD files.
XS = "http://www.w3.org/2001/XMLSchema"

#: The prefix people and DCC's documents write for each message namespace.
PREFIXES: Mapping[str, str] = MappingProxyType({SR: "sr", RA: "ra", DS: "ds"})


def clark(namespace: str, local: str) -> str:
    """The ``{namespace}local`` form lxml uses for tags."""
    return f"{{{namespace}}}{local}"
