"""Property tests: mutated real messages never make any reader raise a foreign error.

Every entry point that takes a message (parse to the model, read the body, MMC parse,
describe for ``duis inspect``, signature verification) is fed DCC's real messages
with random byte- and element-level damage. Whatever happens must be a result or one
of the library's own errors (``DuisError``), never an lxml, cryptography or Python
exception that would reach a user as a traceback.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import duis
import mmc
import signing
from duis import DuisError
from duis.model import Response
from duis.xml import parse
from mmc import describe

_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_JUNK = st.sampled_from(
    ["", " ", "x", "-1", "99999999999999999999999999", "1.5", "\u00e9", "&lt;", "9.9", "true"]
)


def _corpus(ref: Path) -> list[bytes]:
    files = sorted((ref / "requests").rglob("*.XML")) + sorted((ref / "signed").glob("*.xml"))
    mmc_examples = Path(__file__).resolve().parents[2] / "examples" / "mmc"
    files += sorted(mmc_examples.glob("*.xml"))
    return [p.read_bytes() for p in files if p.name != "duis-xxe.xml"]


def _mutate(data: st.DataObject, raw: bytes) -> bytes:
    """Either damage bytes, or edit the tree (drop, move, retext) and serialise it."""
    if data.draw(st.booleans()):
        out = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 6))):
            pos = data.draw(st.integers(0, max(0, len(out) - 1)))
            if data.draw(st.booleans()):
                out[pos : pos + 1] = bytes([data.draw(st.integers(0, 255))])
            else:
                del out[pos : pos + data.draw(st.integers(1, 30))]
        return bytes(out)
    root = parse(raw).getroot()
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for _ in range(data.draw(st.integers(1, 4))):
        el = data.draw(st.sampled_from(elements))
        action = data.draw(st.sampled_from(["drop", "text", "dup", "attr"]))
        parent = el.getparent()
        if action == "drop" and parent is not None:
            parent.remove(el)
        elif action == "dup" and parent is not None:
            parent.append(etree.fromstring(etree.tostring(el)))
        elif action == "attr":
            el.set("schemaVersion", data.draw(_JUNK))
        else:
            el.text = data.draw(_JUNK)
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
    return etree.tostring(root)


@_SETTINGS
@given(data=st.data())
def test_model_and_body_readers(data: st.DataObject, ref: Path) -> None:
    raw = _mutate(data, data.draw(st.sampled_from(_corpus(ref))))
    with contextlib.suppress(DuisError):
        message = duis.parse(raw)
        if isinstance(message, Response):
            _ = message.content
        else:
            message.to_xml()


@_SETTINGS
@given(data=st.data())
def test_mmc_parse_and_describe(data: st.DataObject, ref: Path) -> None:
    raw = _mutate(data, data.draw(st.sampled_from(_corpus(ref))))
    with contextlib.suppress(DuisError):
        mmc.parse(raw)
    with contextlib.suppress(DuisError):
        describe(parse(raw), source="<mutant>", body=True)


@_SETTINGS
@given(data=st.data())
def test_verify(data: st.DataObject, ref: Path) -> None:
    keystore = signing.Keystore.from_dir(ref / "certs" / "zaz1")
    signed = [p.read_bytes() for p in sorted((ref / "signed").glob("readfw-response*.xml"))]
    raw = _mutate(data, data.draw(st.sampled_from(signed)))
    with contextlib.suppress(DuisError):
        signing.verify(raw, keystore)
