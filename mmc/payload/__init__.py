"""Decoding what devices say: GBCS responses and alerts, authenticated and typed.

``decode(bytes, GBCSKeystore.from_dir(...))`` checks the MAC or signature, opens the
encrypted parts and returns the payload as Python values (DLMS for electricity, GBZ/ZCL
for gas, ASN.1 for the Communications Hub). See ``docs/decoding.md``.
"""

from mmc.gbcs._datetime import DateTimePattern
from mmc.gbcs._envelope import CRA, Envelope, read_envelope
from mmc.payload._decode import (
    GBCSAuthenticationError,
    GBCSDecryptError,
    GBCSMACError,
    GBCSMessage,
    GBCSSignatureError,
    alert_name,
    decode,
    decode_blocks,
    message_code_name,
    parse_hex,
)
from mmc.payload._errors import GBCSDecodeError, GBCSKeyError
from mmc.payload._json import firmware_version, message_to_json, value_to_json
from mmc.payload._keys import GBCSKeystore
from mmc.payload._mmc import RESPONSE_MAPPINGS, to_mmc
from mmc.payload._values import BitString, Encrypted, Named, Opaque, Record, Tagged, Value

__all__ = [
    "CRA",
    "RESPONSE_MAPPINGS",
    "BitString",
    "DateTimePattern",
    "Encrypted",
    "Envelope",
    "GBCSAuthenticationError",
    "GBCSDecodeError",
    "GBCSDecryptError",
    "GBCSKeyError",
    "GBCSKeystore",
    "GBCSMACError",
    "GBCSMessage",
    "GBCSSignatureError",
    "Named",
    "Opaque",
    "Record",
    "Tagged",
    "Value",
    "alert_name",
    "decode",
    "decode_blocks",
    "firmware_version",
    "message_code_name",
    "message_to_json",
    "parse_hex",
    "read_envelope",
    "to_mmc",
    "value_to_json",
]
