"""Issue 9's view of a GBCS message: typed EUI-64s, the message code with its SRVs.

``read_message`` does no reading of its own: the one grouping-header reader
(:func:`mmc.gbcs._envelope.read_envelope`, which the decoder uses too) walks the bytes
once, and :class:`GBCSMessage` presents that walk the way signing and the Pre-Command
checks need it (``signed_bytes``, ``signature_field``, ``is_pre_command``...). Faults
are :class:`GBCSFormatError` with the byte offset; see ``docs/critical-commands.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from duis.ids import EUI64
from mmc.gbcs._codes import MessageCode, message_code
from mmc.gbcs._envelope import CRA, Envelope, MessageKind, read_envelope
from mmc.gbcs._errors import GBCSFormatError

__all__ = ["CRAFlag", "GBCSMessage", "MessageKind", "read_message"]

#: The CRA flag enum of issue 9's API: the reader's own :class:`~mmc.gbcs.CRA`.
CRAFlag = CRA


@dataclass(frozen=True, slots=True)
class GBCSMessage:
    """One GBCS message's header, body and trailer, with offsets into ``raw``.

    A view of the one reader's :class:`~mmc.gbcs.Envelope` (``envelope``): every field
    is computed from it, nothing is read twice. ``signature`` is empty for an unsigned
    message, such as a Pre-Command (which in the RTDS ends after its payload:
    ``has_signature_field`` false; an empty field ``00`` is read too), and 64 bytes
    (r || s) for a signed one. ``mac`` and ``invocation_counter`` are set only for the
    MAC-header form. ``signing_start`` and ``signing_end`` bound the general-signing
    message inside ``raw`` (from its ``DF`` to its last byte) and ``signature_field`` is
    where the signature field starts (or would start: the end of the payload).
    """

    envelope: Envelope

    @property
    def raw(self) -> bytes:
        return self.envelope.raw

    @property
    def kind(self) -> MessageKind:
        return self.envelope.kind

    @property
    def cra_flag(self) -> CRA:
        return self.envelope.cra

    @property
    def counter(self) -> int:
        return self.envelope.counter

    @property
    def originator(self) -> EUI64:
        return EUI64(int.from_bytes(self.envelope.originator, "big"))

    @property
    def target(self) -> EUI64:
        return EUI64(int.from_bytes(self.envelope.recipient, "big"))

    @property
    def date_time(self) -> bytes | None:
        """The header's 12 COSEM date-time bytes as sent, or None."""
        return self.envelope.date_time_raw

    @property
    def message_code(self) -> MessageCode:
        return message_code(self.envelope.message_code)

    @property
    def other_information(self) -> bytes:
        return self.envelope.other_information

    @property
    def payload(self) -> bytes:
        return self.envelope.payload

    @property
    def signature(self) -> bytes:
        return self.envelope.signature or b""

    @property
    def mac(self) -> bytes | None:
        return self.envelope.mac

    @property
    def invocation_counter(self) -> int | None:
        return self.envelope.invocation_counter

    @property
    def signing_start(self) -> int:
        return self.envelope.signing_start

    @property
    def signature_field(self) -> int:
        offset = self.envelope.signature_offset
        return self.envelope.payload_end if offset is None else offset

    @property
    def signing_end(self) -> int:
        return self.envelope.signing_end

    @property
    def has_signature_field(self) -> bool:
        return self.envelope.signature_offset is not None

    @property
    def general_signing(self) -> bytes:
        """The general-signing message alone (``DF`` to the end of its signature)."""
        return self.raw[self.signing_start : self.signing_end]

    @property
    def signed_bytes(self) -> bytes:
        """What the ECDSA signature covers: after ``DF`` up to the signature length."""
        start, end = self.envelope.signed_range
        return self.raw[start:end]

    @property
    def is_signed(self) -> bool:
        return bool(self.signature)

    @property
    def is_pre_command(self) -> bool:
        """A command without a signature, as the DCC returns it in a ``PreCommand``.

        Every RTDS Pre-Command simply ends after its payload (no signature field); an
        empty field (``00``) is accepted too.
        """
        return self.cra_flag is CRA.COMMAND and not self.signature

    def describe(self) -> str:
        """One line for people: kind, use case, counter, originator -> target."""
        sig = f"signature {len(self.signature)} bytes" if self.signature else "unsigned"
        return (
            f"{self.kind} {self.cra_flag} {self.message_code} counter {self.counter} "
            f"{self.originator} -> {self.target}, payload {len(self.payload)} bytes, {sig}"
        )


def read_message(data: bytes, *, source: str | None = None) -> GBCSMessage:
    """Read one GBCS message (general-signing or MAC-header form) from ``data``.

    Raises :class:`GBCSFormatError` (with the byte offset, and ``source`` named) for
    anything truncated, malformed or followed by extra bytes.
    """
    try:
        return GBCSMessage(read_envelope(data))
    except GBCSFormatError as exc:
        if exc.source is None:
            exc.source = source
        raise
