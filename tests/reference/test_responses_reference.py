"""Every DCC response in the reference folder reads into the typed model and correlates
with what it answers."""

from __future__ import annotations

from pathlib import Path

import pytest

import duis.model as model
from duis import UnsafeXMLError
from duis.correlate import correlate
from duis.model import Request, Response
from duis.model.response import ContentKind, ResponseMessage
from tests.reference.conftest import at_least


def _responses(ref: Path) -> list[Path]:
    files = sorted((ref / "signed").glob("*.xml")) + sorted(
        (ref / "requests" / "rtds-testdata").glob("*RESPONSE*")
    )
    return at_least([p for p in files if p.name != "duis-xxe.xml"], 13, "reference responses")


def test_all_responses_parse(ref: Path) -> None:
    seen = 0
    for path in _responses(ref):
        parsed = model.parse(path)
        assert isinstance(parsed, Response), path
        assert isinstance(parsed.content, ResponseMessage)
        assert parsed.response_time is not None
        seen += 1
    assert seen >= 12


def test_xxe_refused(ref: Path) -> None:
    with pytest.raises(UnsafeXMLError):
        model.parse(ref / "signed" / "duis-xxe.xml")


def test_inventory_5_4_reads_connectivity(ref: Path) -> None:
    parsed = model.parse(ref / "signed" / "read-inventory-response-5.4.xml")
    assert isinstance(parsed, Response) and isinstance(parsed.content, ResponseMessage)
    assert parsed.content.content_kind is ContentKind.DSP_INVENTORY
    assert any(d.get("Connectivity") for d in parsed.content.inventory)


def test_edited_service_reference_is_caught_by_correlation(ref: Path) -> None:
    good = model.parse(ref / "signed" / "readfw-response-no-signature.xml")
    edited = model.parse(ref / "signed" / "readfw-response-invalid.xml")
    assert isinstance(good, Response) and isinstance(edited, Response)
    assert good.request_id is not None
    request = Request.create(good.request_id, "11.2", _empty_body())
    assert correlate(request, good) == []
    assert [m.rule for m in correlate(request, edited)] == [
        "correlate.srv",
        "correlate.signer-unverified",
    ]


def _empty_body():  # type: ignore[no-untyped-def]
    from lxml import etree

    return etree.Element("{http://www.dccinterface.co.uk/ServiceUserGateway}ReadFirmwareVersion")
