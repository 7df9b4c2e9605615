"""Decode one GBCS message: header, seal checked, payload opened and typed.

The order is the security order: the grouping header is read, the MAC or signature is
checked (and a failure raised with its rule id) before any payload value is decoded, so
nothing a caller sees from an authenticated decode can come from altered bytes. Without
a keystore the result says ``authentication == "not authenticated"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from duis._exceptions import DuisError
from mmc.gbcs._codes import alert_code_name, message_code
from mmc.gbcs._cursor import Reader
from mmc.gbcs._envelope import CRA, Envelope, read_envelope
from mmc.gbcs._gbt import GBTBlock, reassemble_blocks
from mmc.gbcs._input import parse_hex
from mmc.payload._asn1 import read_der
from mmc.payload._crypto import check_mac, check_signature, decrypt, encryption_key
from mmc.payload._dlms import (
    ACCESS_RESPONSE,
    DATA_NOTIFICATION,
    Opener,
    read_access_response,
    read_data_notification,
)
from mmc.payload._gbz import GBZ_PROFILE, read_gbz
from mmc.payload._keys import GBCSKeystore
from mmc.payload._values import Named, Opaque, Record, Value

__all__ = [
    "GBCSAuthenticationError",
    "GBCSDecryptError",
    "GBCSMACError",
    "GBCSMessage",
    "GBCSSignatureError",
    "alert_name",
    "decode",
    "decode_blocks",
    "message_code_name",
    "parse_hex",
]

NOT_AUTHENTICATED = "not authenticated"


class GBCSAuthenticationError(DuisError):
    """The MAC, signature or an encrypted part of a GBCS message does not verify.

    Raised as one of its subclasses, each with its rule id; catch this one for all.
    """

    rule = "gbcs.mac-invalid"


class GBCSMACError(GBCSAuthenticationError):
    """The general-ciphering MAC does not verify."""

    rule = "gbcs.mac-invalid"


class GBCSSignatureError(GBCSAuthenticationError):
    """The general-signing signature does not verify (or the message has no seal)."""

    rule = "gbcs.signature-invalid"


class GBCSDecryptError(GBCSAuthenticationError):
    """An encrypted part of the payload does not decrypt with the agreed key."""

    rule = "gbcs.decrypt-failed"


def message_code_name(code: int) -> str | None:
    """The GBCS use case a message code names (``"ECS52 Read ESME/Comms Hub Firmware..."``).

    From the one code table (:func:`mmc.gbcs.message_code`); None for an unknown code.
    """
    return message_code(code).title or None


def alert_name(code: int) -> str | None:
    """The name GBCS gives a device alert code (the one code table's)."""
    return alert_code_name(code)


@dataclass(frozen=True)
class GBCSMessage:
    """A decoded GBCS response or alert."""

    envelope: Envelope
    #: "MAC verified", "signature verified" or "not authenticated".
    authentication: str
    #: The payload as typed values (a Record of kind access-response, data-notification,
    #: gbz, asn1 or opaque).
    payload: Value

    @property
    def message_code(self) -> int:
        return self.envelope.message_code

    @property
    def use_case(self) -> str | None:
        return message_code_name(self.envelope.message_code)

    @property
    def cra(self) -> CRA:
        return self.envelope.cra

    @property
    def date_time(self) -> datetime | None:
        return self.envelope.date_time

    @property
    def alert_code(self) -> Named | None:
        """For an alert: its code with its GBCS name."""
        if not isinstance(self.payload, Record):
            return None
        code = self.payload.get("alert-code")
        return Named(code, alert_name(code)) if isinstance(code, int) else None


def decode(data: bytes, keystore: GBCSKeystore | None) -> GBCSMessage:
    """Decode ``data``, authenticating with ``keystore``; ``None`` decodes unauthenticated.

    Raises :class:`GBCSDecodeError` (malformed), :class:`GBCSAuthenticationError`
    (``gbcs.mac-invalid``, ``gbcs.signature-invalid``, ``gbcs.decrypt-failed``) or
    :class:`~mmc.payload.GBCSKeyError` (a needed key is not in ``keystore``).
    """
    env = read_envelope(bytes(data))
    authentication = NOT_AUTHENTICATED
    opener: Opener | None = None
    if keystore is not None:
        if env.mac is not None:
            if not check_mac(env, keystore):
                raise GBCSMACError(f"byte {env.mac_offset}: MAC does not verify")
            authentication = "MAC verified"
        elif env.signature is not None:
            if not check_signature(env, keystore):
                raise GBCSSignatureError(f"byte {env.signature_offset}: signature does not verify")
            authentication = "signature verified"
        else:
            raise GBCSSignatureError("message carries neither MAC nor signature")
        opener = _opener(env, keystore)
    return GBCSMessage(env, authentication, _payload(env, opener))


def decode_blocks(blocks: Iterable[bytes | GBTBlock], keystore: GBCSKeystore | None) -> GBCSMessage:
    """Decode a message sent by General Block Transfer from all its blocks (any order).

    The blocks are put back together (:func:`mmc.gbcs.reassemble_blocks`), then the
    message is decoded and authenticated by its own MAC or signature as :func:`decode`
    does; offsets in errors about it are offsets in the reassembled message.
    """
    return decode(reassemble_blocks(blocks), keystore)


def _opener(env: Envelope, keystore: GBCSKeystore) -> Opener:
    key: list[bytes] = []

    def open_part(sealed: bytes, offset: int) -> bytes | None:
        if not key:
            key.append(encryption_key(env, keystore))
        plain = decrypt(env, key[0], sealed)
        if plain is None:
            raise GBCSDecryptError(f"byte {offset}: encrypted part does not decrypt")
        return plain

    return open_part


def _payload(env: Envelope, opener: Opener | None) -> Value:
    reader = Reader(env.raw, env.payload_start, env.payload_end)
    if reader.at_end():
        return Record("empty", ())
    first = reader.peek()
    if (
        reader.remaining >= 2
        and int.from_bytes(env.raw[reader.pos : reader.pos + 2], "big") == GBZ_PROFILE
    ):
        return read_gbz(
            reader, alert=env.cra is CRA.ALERT, opener=opener, message_code=env.message_code
        )
    if first == ACCESS_RESPONSE:
        return read_access_response(reader, opener)
    if first == DATA_NOTIFICATION:
        return read_data_notification(reader, opener)
    if first == 0x30:
        value = read_der(reader)
        if not reader.at_end():
            raise reader.fail("bytes after the ASN.1 payload")
        return Record("asn1", (("value", value),))
    return Record("opaque", (("payload", Opaque("payload", reader.take(reader.remaining))),))
