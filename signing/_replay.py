"""Replay detection: remember the counter of each message whose signature verified.

An unsigned or forged message proves nothing about who sent it, so recording its
counter would let anyone push the recorded value up and make the genuine signed
message that follows look like a replay. Only verified messages are recorded.
"""

from __future__ import annotations

from duis.ids import RequestID
from duis.report import Kind
from duis.xml import element_text
from signing._counters import CounterStore
from signing._profile import SR_NS
from signing._verify import VerifiedMessage

__all__ = ["message_counter_id", "record_counter"]

_HEADER = f"{{{SR_NS}}}Header"
_RESPONSE_ID = f"{{{SR_NS}}}ResponseID"


def message_counter_id(result: VerifiedMessage) -> RequestID | None:
    """The id whose counter is the sender's: the RequestID, or a response's ResponseID."""
    if result.kind is not Kind.RESPONSE:
        return result.request_id
    header = next(result.root.iterchildren(_HEADER), None)
    el = None if header is None else next(header.iterchildren(_RESPONSE_ID), None)
    if el is None:
        return None
    try:
        return RequestID.parse(element_text(el))
    except ValueError:
        return None


def record_counter(result: VerifiedMessage, store: CounterStore) -> RequestID | None:
    """Check and record the sender's counter of a *verified* message.

    Returns the id recorded, or None when nothing was: the message was not signed
    (its counter is not the sender's word) or has no counter. Raises
    :class:`CounterReplayError` for a counter not above the last one recorded.
    """
    if not result.signed:
        return None
    rid = message_counter_id(result)
    if rid is None:
        return None
    store.check_and_record(rid.originator, rid.counter)
    return rid
