"""GBCS messages: the one reader of the grouping header a ``GBCSPayload`` carries.

``read_envelope(bytes)`` walks a message once and gives an :class:`Envelope` with every
offset (the MAC's authenticated range, the signed bytes, the payload); the decoder
(``mmc.payload``) and signing read through it. ``read_message(bytes)`` gives the same
walk as a frozen :class:`GBCSMessage` (kind, CRA flag, counter, originator and target
EUI-64s, date-time, message code with its use case and SRVs, payload, signature, MAC)
for signing Pre-Commands. Long responses sent by General Block Transfer are put back
together by :func:`reassemble_blocks`. Malformed or truncated bytes raise
:class:`GBCSFormatError` with the byte offset.
"""

from mmc.gbcs._codes import (
    MessageCode,
    alert_code_name,
    message_code,
    message_codes,
    use_case_codes,
)
from mmc.gbcs._envelope import CRA, MAX_MESSAGE, Envelope, MessageKind, read_envelope
from mmc.gbcs._errors import GBCSDecodeError, GBCSFormatError
from mmc.gbcs._gbt import GBTBlock, read_block, read_blocks, reassemble_blocks
from mmc.gbcs._reader import CRAFlag, GBCSMessage, read_message

__all__ = [
    "CRA",
    "MAX_MESSAGE",
    "CRAFlag",
    "Envelope",
    "GBCSDecodeError",
    "GBCSFormatError",
    "GBCSMessage",
    "GBTBlock",
    "MessageCode",
    "MessageKind",
    "alert_code_name",
    "message_code",
    "message_codes",
    "read_block",
    "read_blocks",
    "read_envelope",
    "read_message",
    "reassemble_blocks",
    "use_case_codes",
]
