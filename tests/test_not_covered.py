"""Issue 8 §2.7: every region the embedded schemas accept unchecked gets an xsd.not-covered note."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duis

ROOT = Path(__file__).resolve().parents[1]
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"

# A DCC alert whose PowerOutageEvent carries a child DUIS does not define.
ALERT = f"""<sr:Response xmlns:sr="{SR}" schemaVersion="5.4">
  <sr:Header>
    <sr:ResponseCode>I0</sr:ResponseCode>
    <sr:ResponseDateTime>2025-03-14T10:05:00Z</sr:ResponseDateTime>
  </sr:Header>
  <sr:Body>
    <sr:DCCAlertMessage>
      <sr:DCCAlertCode>AD1</sr:DCCAlertCode>
      <sr:DCCAlert>
        <sr:PowerOutageEvent><sr:NoSuchChild>1</sr:NoSuchChild></sr:PowerOutageEvent>
      </sr:DCCAlert>
    </sr:DCCAlertMessage>
  </sr:Body>
</sr:Response>"""

# An MMC device alert with a payload (MMC's Payload choice is unchecked in the embedded schema).
MMC_ALERT = f"""<ra:GBCSResponse xmlns:ra="{RA}" schemaVersion="5.4">
  <ra:Header>
    <ra:BusinessOriginatorID>00-DB-12-34-56-78-90-A2</ra:BusinessOriginatorID>
    <ra:BusinessTargetID>00-24-13-01-00-00-00-01</ra:BusinessTargetID>
    <ra:OriginatorCounter>1717171718000</ra:OriginatorCounter>
  </ra:Header>
  <ra:Body>
    <ra:DeviceAlertMessage>
      <ra:DeviceAlertContent>
        <ra:GBCSHexAlertCode>8F35</ra:GBCSHexAlertCode>
        <ra:AlertDescription>Supply interrupted and restored</ra:AlertDescription>
        <ra:Timestamp>2025-03-14T10:02:11Z</ra:Timestamp>
        <ra:Payload>
          <ra:SupplyOutageRestoreAlert><ra:Anything><ra:SupplyOutageRestoreAlert/>
          </ra:Anything></ra:SupplyOutageRestoreAlert>
        </ra:Payload>
      </ra:DeviceAlertContent>
    </ra:DeviceAlertMessage>
  </ra:Body>
</ra:GBCSResponse>"""


def _notes(data: str) -> list[tuple[str | None, int | None]]:
    report = duis.validate(data.encode())
    assert report.valid, report.messages
    return [(m.path, m.line) for m in report.messages if m.rule == "xsd.not-covered"]


def test_dcc_alert_event_is_noted() -> None:
    assert _notes(ALERT) == [
        ("/sr:Response/sr:Body/sr:DCCAlertMessage/sr:DCCAlert/sr:PowerOutageEvent", 10)
    ]


def test_mmc_alert_payload_is_noted_once_however_deep() -> None:
    # The nested element of the same name sits inside the unchecked region: not listed again.
    assert _notes(MMC_ALERT) == [
        (
            "/ra:GBCSResponse/ra:Body/ra:DeviceAlertMessage/ra:DeviceAlertContent/ra:Payload"
            "/ra:SupplyOutageRestoreAlert",
            14,
        )
    ]


def test_checked_content_gets_no_note() -> None:
    for path in (ROOT / "examples" / "requests" / "valid").glob("*.xml"):
        assert "xsd.not-covered" not in duis.validate(path).rules(), path


# --- the fast walk against a plain recursive one, on generated trees -----------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from lxml import etree  # noqa: E402

from duis._validate import _note_unchecked  # noqa: E402
from duis.report import Report  # noqa: E402
from duis.schemas import SchemaBundle  # noqa: E402

_DS = "http://www.w3.org/2000/09/xmldsig#"
_NAMES = ["Body", "Open", "Payload", "Other"]
_UNCHECKED = frozenset({"Open", "Payload"})


def _reference(root: etree._Element) -> list[tuple[str, int | None]]:
    """Pre-order, stop at an unchecked element or at one outside sr/ra."""
    found: list[tuple[str, int | None]] = []
    prefixes = {SR: "sr", RA: "ra"}

    def walk(el: etree._Element, path: str) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            qname = etree.QName(child)
            if qname.namespace not in prefixes:
                continue
            where = f"{path}/{prefixes[qname.namespace]}:{qname.localname}"
            if qname.localname in _UNCHECKED:
                line = child.sourceline
                found.append((where, line if isinstance(line, int) else None))
            else:
                walk(child, where)

    walk(root, "/sr:Request")
    return found


_trees: st.SearchStrategy[Any] = st.recursive(
    st.tuples(st.sampled_from([SR, RA, _DS, ""]), st.sampled_from(_NAMES), st.just([])),
    lambda kids: st.tuples(
        st.sampled_from([SR, RA, _DS, ""]),
        st.sampled_from(_NAMES),
        st.lists(st.one_of(kids, st.just(("comment", "", []))), max_size=4),
    ),
    max_leaves=25,
)


def _build(parent: etree._Element, node: tuple[str, str, list[object]]) -> None:
    ns, name, kids = node
    if ns == "comment":
        parent.append(etree.Comment("c"))
        return
    child = etree.SubElement(parent, f"{{{ns}}}{name}" if ns else name)
    for kid in kids:
        _build(child, kid)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.lists(_trees, max_size=4))
def test_the_notes_are_those_of_a_plain_recursive_walk(children: list[object]) -> None:
    root = etree.Element(f"{{{SR}}}Request", nsmap={"sr": SR, "ra": RA, "ds": _DS})
    for node in children:
        _build(root, node)  # type: ignore[arg-type]
    # Reparse so that every element has a source line, as in real input.
    root = etree.fromstring(etree.tostring(root))
    report = Report("<generated>")
    bundle = SchemaBundle("generated", "5.4", Path("unused.xsd"), False, unchecked=_UNCHECKED)
    _note_unchecked(root, report, bundle)
    got = [(m.path, m.line) for m in report.messages]
    assert got == _reference(root)
    assert all(m.rule == "xsd.not-covered" for m in report.messages)
