"""Property tests: mutated real messages never make any reader raise a foreign error.

Every entry point that takes a message (parse to the model, read the body, MMC parse,
describe for ``duis inspect``, signature verification) is fed DCC's real messages
with random byte- and element-level damage. Whatever happens must be a result or one
of the library's own errors (``DuisError``), never an lxml, cryptography or Python
exception that would reach a user as a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
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
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
_JUNK = st.sampled_from(
    ["", " ", "x", "-1", "99999999999999999999999999", "1.5", "\u00e9", "&lt;", "9.9", "true"]
)


def _corpus(ref: Path) -> list[bytes]:
    files = sorted((ref / "requests").rglob("*.XML")) + sorted((ref / "signed").glob("*.xml"))
    mmc_examples = Path(__file__).resolve().parents[2] / "examples" / "mmc"
    files += sorted(mmc_examples.glob("*.xml"))
    return [p.read_bytes() for p in files if p.name != "duis-xxe.xml"]


#: Declarations on the root that once crashed a reader (pinned: every run tries them).
#: A relative namespace URI made lxml's C14N raise a foreign error inside verify.
PINNED_ROOT_DECLARATIONS = [b' xmlns:x="rel/uri"', b' xmlns:x=""', b' xmlns:x="#frag"']

_ROOT_START = re.compile(rb"<(?!\?|!)[^\s>/]+")


def with_root_declaration(raw: bytes, declaration: bytes) -> bytes:
    """``raw`` with ``declaration`` added to the root element's start tag."""
    match = _ROOT_START.search(raw)
    assert match is not None
    return raw[: match.end()] + declaration + raw[match.end() :]


def _mutate(data: st.DataObject, raw: bytes) -> bytes:
    """Damage bytes, add a hostile root declaration, or edit the tree and serialise it."""
    how = data.draw(st.sampled_from(["bytes", "declaration", "tree"]))
    event(f"mutation: {how}")
    if how == "declaration":
        return with_root_declaration(raw, data.draw(st.sampled_from(PINNED_ROOT_DECLARATIONS)))
    if how == "bytes":
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


def _read_model(raw: bytes) -> object:
    message = duis.parse(raw)
    return message.content if isinstance(message, Response) else message.to_xml()


def _read_mmc(raw: bytes) -> object:
    return mmc.parse(raw)


def _describe(raw: bytes) -> object:
    return describe(parse(raw), source="<mutant>", body=True)


def _outcome(reader: Callable[[bytes], object], raw: bytes) -> str:
    """Say "result" or "library error"; any other exception fails the test (a traceback)."""
    try:
        reader(raw)
    except DuisError as exc:
        assert str(exc).strip(), "a library error must say what is wrong"
        return "library error"
    return "result"


READERS = {"model": _read_model, "mmc": _read_mmc, "describe": _describe}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("declaration", PINNED_ROOT_DECLARATIONS)
def test_pinned_root_declarations(ref: Path, reader: str, declaration: bytes) -> None:
    """Regression: each pinned hostile declaration on every corpus message, every reader."""
    corpus = _corpus(ref)
    assert len(corpus) >= 300
    for raw in corpus:
        _outcome(READERS[reader], with_root_declaration(raw, declaration))


@pytest.mark.parametrize("declaration", PINNED_ROOT_DECLARATIONS)
def test_pinned_root_declarations_verify(ref: Path, declaration: bytes) -> None:
    keystore = signing.Keystore.from_dir(ref / "certs" / "zaz1")
    signed = [p.read_bytes() for p in sorted((ref / "signed").glob("readfw-response*.xml"))]
    assert len(signed) >= 2
    for raw in signed:
        # The declaration is outside the signed content only by luck of C14N; whatever the
        # verdict, it must be a result or a library error.
        _outcome(lambda b: signing.verify(b, keystore), with_root_declaration(raw, declaration))


@pytest.mark.parametrize("reader", sorted(READERS))
def test_mutants_give_results_or_library_errors(ref: Path, reader: str) -> None:
    """Random mutants: only results or library errors, and a share of each (counted)."""
    corpus = _corpus(ref)
    assert len(corpus) >= 300
    if reader == "mmc":  # MMC output only: requests would all stop at the root check
        corpus = [raw for raw in corpus if b"GBCSResponse" in raw[:2000] or b"ra:" in raw[:500]]
        assert len(corpus) >= 5
    seen: list[str] = []

    @_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        raw = _mutate(data, data.draw(st.sampled_from(corpus)))
        outcome = _outcome(READERS[reader], raw)
        event(outcome)
        seen.append(outcome)

    run()
    assert len(seen) >= 100
    # Both kinds of outcome occur: mutants that every reader refuses, or that no reader
    # notices, would mean the strategy does not reach the code it aims at.
    assert seen.count("result") >= 1 and seen.count("library error") >= 1, seen


def test_verify_mutants(ref: Path) -> None:
    keystore = signing.Keystore.from_dir(ref / "certs" / "zaz1")
    signed = [p.read_bytes() for p in sorted((ref / "signed").glob("readfw-response*.xml"))]
    assert len(signed) >= 2
    seen: list[str] = []

    @_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        raw = _mutate(data, data.draw(st.sampled_from(signed)))
        outcome = _outcome(lambda b: signing.verify(b, keystore), raw)
        event(outcome)
        seen.append(outcome)

    run()
    assert len(seen) >= 100
    # A damaged signed message must never verify as-is except where the edit missed the
    # signed content; refusals must dominate.
    assert seen.count("library error") >= len(seen) // 2, seen
