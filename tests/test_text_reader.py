"""Every reader of a value sees the text the XSD sees: comments and PIs do not cut it.

``<sr:ServiceReferenceVariant>8.1<!---->1</sr:ServiceReferenceVariant>`` is SRV 8.11
to the XSD and to the DCC; a reader that stopped at the comment would judge "8.1"
and skip the rules of 8.11 (issue 14.2).
"""

from __future__ import annotations

import pytest

from duis.config import Config
from duis.model import Request, Response
from duis.report import Report
from duis.rules import check_request
from duis.xml import element_text, element_value, parse

SR_NS = "http://www.dccinterface.co.uk/ServiceUserGateway"
USER = "90-B3-D5-1F-30-01-00-00"
HUB = "00-12-4B-00-0A-51-7E-0C"


def request(srv: str, *, cv: str = "1", counter: str = "1700000000000", body: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sr:Request xmlns:sr="{SR_NS}" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>{USER}:{HUB}:{counter}</sr:RequestID>
    <sr:CommandVariant>{cv}</sr:CommandVariant>
    <sr:ServiceReference>8.11</sr:ServiceReference>
    <sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>{body}</sr:Body>
</sr:Request>""".encode()


WRONG_BODY = "<sr:ReadInstantaneousImportRegisters/>"  # the body of 4.1.1, not of 8.11


def rules(data: bytes) -> set[str]:
    report = Report("<test>")
    check_request(parse(data).getroot(), report, Config())
    return {m.rule for m in report.messages}


@pytest.mark.parametrize("srv", ["8.11", "8.1<!---->1", "8.1<?x?>1", "8<!-- a -->.1<?p q?>1"])
def test_srv_split_by_comment_or_pi_is_still_8_11_to_the_rules(srv: str) -> None:
    assert "srv.body-mismatch" in rules(request(srv, body=WRONG_BODY))


def test_element_text_joins_around_comments_and_pis() -> None:
    el = parse(b"<a> 8.1<!-- c -->1<?pi x?>0 </a>").getroot()
    assert el.text == " 8.1"
    assert element_text(el) == " 8.110 "
    assert element_value(el) == "8.110"
    # XSD whitespace is space, tab, CR and LF only: a no-break space stays
    assert element_value(parse("<a>\u00a01 </a>").getroot()) == "\u00a01"


def test_model_reads_counter_and_cv_as_the_xsd_does() -> None:
    data = request("8.1<!---->1", cv="<!---->1", counter="1<!-- n -->999", body=WRONG_BODY)
    req = Request.from_tree(parse(data).getroot())
    assert req.srv == "8.11"
    assert req.request_id.counter == 1999
    assert req.command_variant.value == 1


def test_response_header_read_through_comments() -> None:
    data = f"""<sr:Response xmlns:sr="{SR_NS}" schemaVersion="5.4"><sr:Header>
    <sr:RequestID>{USER}:{HUB}:1<!---->2</sr:RequestID>
    <sr:ResponseID>{HUB}:{USER}:1<?x?>2</sr:ResponseID>
    <sr:ResponseCode>I0</sr:ResponseCode>
    <sr:ResponseDateTime>2024-01-01T00:00:00Z</sr:ResponseDateTime>
    </sr:Header><sr:Body><sr:ResponseMessage>
    <sr:ServiceReference>8.11</sr:ServiceReference>
    <sr:ServiceReferenceVariant>8.1<!---->1</sr:ServiceReferenceVariant>
    </sr:ResponseMessage></sr:Body></sr:Response>""".encode()
    resp = Response.from_tree(parse(data).getroot())
    assert resp.request_id is not None and resp.request_id.counter == 12
