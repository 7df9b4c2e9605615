"""GBCS messages: read the grouping header a DUIS message's ``GBCSPayload`` carries.

``read_message(bytes)`` gives a frozen :class:`GBCSMessage` (kind, CRA flag, counter,
originator and target EUI-64s, date-time, message code with its use case and SRVs,
payload, signature, MAC); malformed or truncated bytes raise :class:`GBCSFormatError`
with the byte offset.
"""

from mmc.gbcs._codes import MessageCode, message_code, message_codes, use_case_codes
from mmc.gbcs._errors import GBCSFormatError
from mmc.gbcs._reader import CRAFlag, GBCSMessage, MessageKind, read_message

__all__ = [
    "CRAFlag",
    "GBCSFormatError",
    "GBCSMessage",
    "MessageCode",
    "MessageKind",
    "message_code",
    "message_codes",
    "read_message",
    "use_case_codes",
]
