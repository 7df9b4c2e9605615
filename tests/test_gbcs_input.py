"""The one reader of GBCS inputs (DUIS XML, hex, binary) for decode, inspect and precommand."""

from __future__ import annotations

import base64

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from duis import DuisError
from mmc.gbcs import GBCSFormatError
from mmc.gbcs._input import gbcs_input, parse_hex

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
MSG = bytes.fromhex("DF0911223344")  # not a real message: the reader only extracts bytes


def _duis(payload_text: str, srv: str = "4.1.1") -> bytes:
    return (
        f'<sr:Response xmlns:sr="{SR}"><sr:Header><sr:ServiceReferenceVariant>{srv}'
        f"</sr:ServiceReferenceVariant></sr:Header><sr:Body><sr:GBCSPayload>{payload_text}"
        "</sr:GBCSPayload></sr:Body></sr:Response>"
    ).encode()


def test_duis_document_gives_its_payloads_and_srv() -> None:
    found = gbcs_input(_duis(base64.b64encode(MSG).decode()), source="r.xml")
    assert found.payloads == (MSG,) and found.form == "duis" and found.srv == "4.1.1"


def test_payload_split_by_whitespace_and_a_comment_reads_whole() -> None:
    text = base64.b64encode(MSG).decode()
    found = gbcs_input(_duis(f"\n  {text[:4]}<!-- x -->\n {text[4:]}  "))
    assert found.payloads == (MSG,)


@pytest.mark.parametrize("bad", ["3wkR!IjNE", "3wkR-IjNE", "3wkRIjN"])
def test_payload_that_is_not_base64_binary_is_refused(bad: str) -> None:
    # A lax decoder drops '!' or '-' and would read (and authenticate) other bytes.
    with pytest.raises(GBCSFormatError, match="not base64") as err:
        gbcs_input(_duis(bad), source="r.xml")
    assert err.value.source == "r.xml" and "line 1" in str(err.value)


def test_hex_text_and_binary() -> None:
    assert gbcs_input(b"\xef\xbb\xbfDF 09 11\n22 33 44\n").payloads == (MSG,)
    assert gbcs_input(b"df0911223344").form == "hex"
    assert gbcs_input(MSG).payloads == (MSG,) and gbcs_input(MSG).form == "binary"


def test_hex_errors_give_the_byte_offset() -> None:
    with pytest.raises(GBCSFormatError, match="odd number of digits") as err:
        gbcs_input(b"DF09112", source="x.hex")
    assert err.value.offset == 3 and err.value.source == "x.hex"
    with pytest.raises(GBCSFormatError, match=r"digit 5") as err:
        parse_hex("DF09Z1")
    assert err.value.offset == 2


@given(st.binary(max_size=200))
@example(b"<")
@example(b"0")
@example(b"\xef\xbb\xbf<x/>")
def test_any_bytes_give_a_result_or_a_library_error(data: bytes) -> None:
    try:
        found = gbcs_input(data)
    except DuisError as exc:
        assert str(exc)
    else:
        assert found.form in {"duis", "hex", "binary"}
