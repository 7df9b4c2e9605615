"""Issue 14.3 (inspect): decoding a hostile body does bounded work, and says it is untyped.

Timing lives in ``benchmarks/bench_inspect.py``; these tests pin the mechanism: how many
schema errors xmlschema is allowed to build, and that repeated names are gathered
correctly (in one list, appended in place).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xmlschema

import duis.xml
import mmc
from duis._decode import MAX_DECODE_ERRORS, _decoder, plain_body
from duis.schemas import default_registry

ROOT = Path(__file__).resolve().parents[1]
REQUEST = (ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml").read_bytes()


def _with_body(inner: bytes) -> bytes:
    start = REQUEST.index(b"<sr:Body>") + len(b"<sr:Body>")
    end = REQUEST.index(b"</sr:Body>")
    return REQUEST[:start] + inner + REQUEST[end:]


@pytest.fixture
def built_errors(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    _decoder(default_registry().embedded())  # compiling the schema builds errors of its own
    count = [0]
    original = xmlschema.XMLSchemaValidationError.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        count[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(xmlschema.XMLSchemaValidationError, "__init__", counting)
    return count


@pytest.mark.parametrize(
    "inner",
    [
        # 2,000 undeclared attributes on a checked element (one error, and one repr, each).
        b"<sr:ReadInventory" + b"".join(b' a%d="x"' % i for i in range(2000)) + b"/>",
        # 300 undeclared attributes: under the size guard, so decoded laxly, but capped.
        b"<sr:ReadInventory"
        + b"".join(b' a%d="x"' % i for i in range(60))
        + b">"
        + b"<sr:X/>" * 300
        + b"</sr:ReadInventory>",
        # 20,000 stray siblings in a checked body.
        b"<sr:ReadInventory>" + b"<sr:X>1</sr:X>" * 20_000 + b"</sr:ReadInventory>",
    ],
    ids=["attributes", "capped", "siblings"],
)
def test_invalid_bodies_build_a_bounded_number_of_errors(
    inner: bytes, built_errors: list[int]
) -> None:
    # The parser's own attribute limit (256) would refuse the first case; a caller may
    # raise it, and describing must stay bounded then too.
    tree = duis.xml.parse(_with_body(inner), max_attributes=4096)
    summary = mmc.describe(tree, registry=default_registry())
    assert built_errors[0] <= MAX_DECODE_ERRORS + 1
    assert summary["body_typed"] is False  # shown, as text, and said to be untyped
    assert "ReadInventory" in summary["body"]


def test_valid_body_is_decoded_without_building_errors(built_errors: list[int]) -> None:
    summary = mmc.describe(duis.xml.parse(REQUEST), registry=default_registry())
    assert summary["body_typed"] is True and built_errors[0] == 0


def test_plain_body_gathers_repeated_names_in_order() -> None:
    root = duis.xml.parse(
        _with_body(
            b"<sr:ReadInventory><sr:A>1</sr:A><sr:B>x</sr:B><sr:A>2</sr:A><sr:A>3</sr:A>"
            b"<sr:B>y</sr:B><sr:C/></sr:ReadInventory>"
        )
    ).getroot()
    assert plain_body(root) == {"ReadInventory": {"A": ["1", "2", "3"], "B": ["x", "y"], "C": ""}}
    many = duis.xml.parse(
        _with_body(b"<sr:ReadInventory>" + b"<sr:A>7</sr:A>" * 50_000 + b"</sr:ReadInventory>")
    ).getroot()
    assert plain_body(many)["ReadInventory"]["A"] == ["7"] * 50_000
