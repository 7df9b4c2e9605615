from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duis import EUI64, RequestID

#: DUIS: the OriginatorCounter is a decimal 0..2^64-1 (a fact, not the code's constant).
MAX_COUNTER = 18_446_744_073_709_551_615


def test_eui_forms_are_one_value() -> None:
    a = EUI64.parse("90-b3-d5-1f-30-01-00-00")
    assert (
        a == EUI64.parse("90B3D51F30010000") == EUI64.from_bytes(bytes.fromhex("90b3d51f30010000"))
    )
    assert str(a) == "90-B3-D5-1F-30-01-00-00"
    assert a.hex == "90B3D51F30010000"


@pytest.mark.parametrize(
    "text", ["90-B3-D5-1F-30-01-00", "90-B3-D5-1F-30-01-00-0G", "90:B3:D5:1F:30:01:00:00", ""]
)
def test_bad_euis_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="EUI-64"):
        EUI64.parse(text)


def test_request_id_parts_and_bounds() -> None:
    rid = RequestID.parse("90-B3-D5-1F-30-01-00-00:00-db-12-34-56-78-90-a2:1002")
    assert rid.counter == 1002 and str(rid.target) == "00-DB-12-34-56-78-90-A2"
    assert RequestID.parse(f"{rid.originator}:{rid.target}:{MAX_COUNTER}").counter == MAX_COUNTER
    for bad in (
        f"{rid.originator}:{rid.target}:{MAX_COUNTER + 1}",
        f"{rid.originator}:{rid.target}:01",
        f"{rid.originator}::{rid.target}:1",
        f"{rid.originator}:{rid.target}:-1",
    ):
        with pytest.raises(ValueError):
            RequestID.parse(bad)


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(0, MAX_COUNTER))
def test_request_id_round_trips(o: int, t: int, c: int) -> None:
    rid = RequestID(EUI64(o), EUI64(t), c)
    assert RequestID.parse(str(rid)) == rid
    assert RequestID.parse(str(rid).lower()) == rid
