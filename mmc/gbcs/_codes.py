"""The one GBCS code table: message codes (use case, title, SRVs) and alert code names.

A message code is the two bytes in a header's other-information that name the use case;
a device alert code (``8F66``) is what an alert's payload carries, with its GBCS name.
The table is data (``data/message_codes.json``, made by ``tools/gbcs_codes.py`` from
public facts: gbcs-parser's code and alert lists, the RTDS folder names, the GBCS
mapping table), read once on first use; the decoder, signing and the CLI all use it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from duis._data import read_json

__all__ = ["MessageCode", "alert_code_name", "message_code", "message_codes", "use_case_codes"]


@dataclass(frozen=True)
class MessageCode:
    """A message code with what it names: use case (``ECS01a``), title and DUIS SRVs.

    ``use_case`` is ``None`` for an alert code (its ``title`` names it) and for a code
    the table does not know (the bytes are still read: a new GBCS version may add
    codes). ``srvs`` is empty when no SRV sends the
    use case (alerts, DCC-internal use cases).
    """

    code: int
    use_case: str | None = None
    title: str = ""
    srvs: tuple[str, ...] = ()

    def __str__(self) -> str:
        name = self.use_case or self.title or "unknown message code"
        return f"0x{self.code:04X} {name}"


@functools.cache
def _table() -> tuple[Mapping[int, MessageCode], Mapping[int, str]]:
    doc = read_json("mmc.gbcs", "data/message_codes.json")
    codes: dict[int, MessageCode] = {}
    for row in doc["codes"]:
        code = int(row["code"], 16)
        codes[code] = MessageCode(code, row["use_case"], row["title"], tuple(row["srvs"]))
    alerts = {int(row["code"], 16): str(row["name"]) for row in doc["alert_codes"]}
    return MappingProxyType(codes), MappingProxyType(alerts)


def message_codes() -> Mapping[int, MessageCode]:
    """Every known message code, by its integer value."""
    return _table()[0]


def alert_code_name(code: int) -> str | None:
    """The name GBCS gives a device alert code (``0x8F66``), None when not in the table."""
    return _table()[1].get(code)


def message_code(code: int) -> MessageCode:
    """The table's entry for ``code``, or a bare one (``use_case=None``) if unknown."""
    return message_codes().get(code) or MessageCode(code)


@functools.cache
def use_case_codes(srv: str) -> frozenset[int]:
    """The message codes whose use case an SRV (``1.1.1``) may send."""
    return frozenset(c.code for c in message_codes().values() if srv in c.srvs)
