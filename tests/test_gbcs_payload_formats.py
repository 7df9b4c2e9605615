"""DLMS, GBZ/ZCL and DER payload readers on hand-written bytes (values are the literals)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mmc.gbcs._cursor import Reader
from mmc.payload import BitString, GBCSDecodeError, Named, Opaque, Record
from mmc.payload._asn1 import read_der
from mmc.payload._dlms import read_access_response, read_data
from mmc.payload._gbz import read_gbz


def test_dlms_compact_array_of_structures() -> None:
    # compact-array: type structure(2){double-long-unsigned, long-unsigned}, 12 bytes of
    # contents = two elements (1, 2) and (3, 4).
    raw = bytes.fromhex("13020206120C000000010002000000030004")
    assert read_data(Reader(raw)) == ((1, 2), (3, 4))


def test_dlms_types() -> None:
    raw = bytes.fromhex("02050F801000FF03010403A00A03616263")
    assert read_data(Reader(raw)) == (-128, 255, True, BitString("101"), "abc")


def test_access_response_with_failure_result() -> None:
    raw = bytes.fromhex("DA2000000100000100010104")
    record = read_access_response(Reader(raw))
    items = record.get("items")
    assert isinstance(items, tuple) and isinstance(items[0], Record)
    assert items[0].get("result") == Named(4, "object-undefined")


def test_gbz_read_attributes_response() -> None:
    # profile 0109, 1 component: control 00, cluster 0702 (Metering), length 0x000D,
    # ZCL header 08 01 01 (server->client, seq 1, Read Attributes Response), attribute
    # 0x0000 status 0 type UINT48 (0x25) value 1000 little-endian.
    raw = bytes.fromhex("010901000702000D08010100000025E80300000000")
    record = read_gbz(Reader(raw), alert=False)
    [component] = record.get("components")  # type: ignore[misc]
    assert isinstance(component, Record)
    assert component.get("cluster") == Named(0x0702, "Metering")
    [attribute] = component.get("payload")  # type: ignore[misc]
    assert isinstance(attribute, Record)
    assert attribute.get("value") == 1000


def test_gbz_alert_time_and_cluster_command() -> None:
    # alert 8F3E at GBZ time 0x2BD3F780 (big-endian seconds from 2000-01-01), then a
    # component with a cluster-specific command left undecoded.
    raw = bytes.fromhex("0109018F3E2BD3F7800007000004090230AA")
    record = read_gbz(Reader(raw), alert=True)
    assert record.get("alert-code") == 0x8F3E
    assert record.get("timestamp") == datetime(2023, 4, 20, 13, 15, 44, tzinfo=timezone.utc)
    [component] = record.get("components")  # type: ignore[misc]
    assert isinstance(component, Record)
    assert component.get("payload") == Opaque("ZCL command payload", b"\xaa")


def test_der_sequence() -> None:
    raw = bytes.fromhex("300D0201010403ABCDEF0A0102A100")
    assert read_der(Reader(raw)) == (1, b"\xab\xcd\xef", Named(2), read_der(Reader(b"\xa1\x00")))


def test_truncated_component_names_offset() -> None:
    raw = bytes.fromhex("01090100070200FF08")
    with pytest.raises(GBCSDecodeError) as caught:
        read_gbz(Reader(raw), alert=False)
    assert caught.value.offset == 8
