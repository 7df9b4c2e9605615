"""The embedded schemas compile, agree with the data tables, and judge hand-written messages.

These run without DCC's reference material; the exact-agreement proof against the
official schema is ``tests/reference/test_embedded_mutations.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from duis import catalogue
from duis._exceptions import SchemaError
from tools import schemagen as _schemagen

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"
XS = "http://www.w3.org/2001/XMLSchema"
DATA = Path(__file__).resolve().parents[1] / "duis" / "data"


@pytest.fixture(scope="module")
def duis_xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "duis.xsd")))


@pytest.fixture(scope="module")
def mmc_xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "mmc.xsd")))


def _tree(name: str) -> etree._Element:
    return etree.parse(str(SCHEMAS / name)).getroot()


def _enum(root: etree._Element, type_name: str) -> list[str]:
    found = root.find(f"{{{XS}}}simpleType[@name='{type_name}']")
    assert found is not None, type_name
    return [str(e.get("value")) for e in found.iter(f"{{{XS}}}enumeration")]


def _choice(root: etree._Element, path: str) -> list[tuple[str, str]]:
    """(name, type) of the element declarations in the choice under ``path``."""
    container = root.find(path, {"xs": XS})
    assert container is not None, path
    return [(str(e.get("name")), str(e.get("type"))) for e in container.iter(f"{{{XS}}}element")]


_BODY_CHOICE = (
    "xs:complexType[@name='RequestEnvelope']/xs:sequence/xs:element[@name='Body']"
    "/xs:complexType/xs:choice"
)
_SMETS_CHOICE = (
    "xs:complexType[@name='GbcsResponseContent']/xs:sequence/xs:element[@name='SMETSData']"
    "/xs:complexType/xs:choice"
)


# ----------------------------------------------------------------- compiles, loads, roots


def test_compiles_with_lxml_and_xmlschema() -> None:
    etree.XMLSchema(etree.parse(str(SCHEMAS / "duis.xsd")))
    typed = xmlschema.XMLSchema(str(SCHEMAS / "duis.xsd"))
    assert f"{{{SR}}}Request" in typed.maps.elements
    assert f"{{{SR}}}Response" in typed.maps.elements
    assert f"{{{RA}}}GBCSResponse" in typed.maps.elements


def test_imports_are_plain_relative_locations() -> None:
    for name in ("duis.xsd", "mmc.xsd", "xmldsig.xsd"):
        for node in _tree(name).iter(f"{{{XS}}}import", f"{{{XS}}}include"):
            loc = node.get("schemaLocation", "")
            assert loc and " " not in loc and "/" not in loc
            assert (SCHEMAS / loc).is_file()


def test_generated_regions_are_up_to_date() -> None:
    assert _schemagen.stale() == [], "run: python -m tools.schemagen"


def test_render_refuses_a_schema_with_a_missing_region() -> None:
    text = (SCHEMAS / "duis.xsd").read_text("utf-8")
    broken = re.sub(
        r"<!-- generated:begin srvs -->.*?<!-- generated:end srvs -->", "", text, flags=re.S
    )
    with pytest.raises(SchemaError, match="srvs"):
        _schemagen.render("duis.xsd", broken)


# ------------------------------------------------------ agreement with the data tables


def test_srv_and_sr_enumerations_follow_the_catalogue() -> None:
    srvs = [row.srv for row in catalogue.all_srvs()]
    srs = list(catalogue.service_references())
    for name in ("duis.xsd", "mmc.xsd"):
        root = _tree(name)
        assert _enum(root, "SrvCode") == srvs
        assert _enum(root, "ServiceReferenceCode") == srs
    assert len(srvs) == 129 and len(srs) == 95


def test_body_choice_follows_the_catalogue() -> None:
    choice = _choice(_tree("duis.xsd"), _BODY_CHOICE)
    names = [n for n, _ in choice]
    assert names == [row.body for row in catalogue.all_srvs()] + ["SignedPreCommand"]
    assert len(set(names)) == 130


def test_unchecked_bodies_are_exactly_those_outside_the_covered_set() -> None:
    choice = dict(_choice(_tree("duis.xsd"), _BODY_CHOICE))
    unchecked = {n for n, t in choice.items() if t == "sr:UncheckedContent"}
    covered = set(_schemagen.COVERED_REQUEST_BODIES) | {"SignedPreCommand"}
    assert unchecked == set(choice) - covered
    for name in covered:
        declared = choice[name].split(":")[1]
        assert _tree("duis.xsd").find(f"{{{XS}}}complexType[@name='{declared}']") is not None


def test_smets_data_choice_follows_the_catalogue() -> None:
    choice = dict(_choice(_tree("mmc.xsd"), _SMETS_CHOICE))
    expected = {r.mmc_response for r in catalogue.all_srvs() if r.mmc_response}
    assert set(choice) == expected | set(_schemagen.MMC_ONLY_RSP)
    unchecked = {n for n, t in choice.items() if t == "ra:UncheckedContent"}
    assert unchecked == set(choice) - set(_schemagen.COVERED_SMETS_RSP)


def test_code_enumerations_follow_the_data_files() -> None:
    root = _tree("duis.xsd")
    responses = json.loads((DATA / "response_codes.json").read_text("utf-8"))["codes"]
    alerts = json.loads((DATA / "alert_codes.json").read_text("utf-8"))
    assert _enum(root, "ResponseCodeValue") == [c["code"] for c in responses]
    assert _enum(root, "DccAlertCodeValue") == [c["code"] for c in alerts["dcc_alert_codes"]]
    fd = [c["code"] for c in alerts["future_dated_alert_codes"]]
    assert _enum(root, "FutureDatedAlertCodeValue") == fd
    assert len(responses) == 194
    for entry in responses:
        assert entry["category"] == entry["code"][0] and entry["category"] in "IWE"
    for entry in alerts["dcc_alert_codes"]:
        assert entry["code"].startswith(entry["category"])


# ------------------------------------------------------------ counter pattern (property)


@given(st.integers(min_value=0, max_value=2**70))
def test_counter_pattern_accepts_exactly_the_64_bit_range(n: int) -> None:
    pattern = re.compile(f"(?:{_schemagen.uint_pattern(_schemagen.MAX_COUNTER)})")
    # DUIS: the OriginatorCounter is a decimal 0..2^64-1 (a literal, not the generator's).
    assert (pattern.fullmatch(str(n)) is not None) == (n <= 18_446_744_073_709_551_615)
    assert pattern.fullmatch("0" + str(n)) is None


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=2 * 10**6))
def test_uint_pattern_for_any_bound(bound: int, n: int) -> None:
    pattern = re.compile(f"(?:{_schemagen.uint_pattern(bound)})")
    assert (pattern.fullmatch(str(n)) is not None) == (n <= bound)


# ------------------------------------------------------------- hand-written documents

_ID = "00-DB-00-00-00-00-00-01:0a-1b-2c-3d-4e-5f-60-71:1700000000000"


def _request(
    body: str, *, rid: str = _ID, cv: str = "1", srv: str = "8.11", sr: str = "8.11"
) -> bytes:
    return (
        f'<sr:Request xmlns:sr="{SR}" schemaVersion="5.4"><sr:Header>'
        f"<sr:RequestID>{rid}</sr:RequestID><sr:CommandVariant>{cv}</sr:CommandVariant>"
        f"<sr:ServiceReference>{sr}</sr:ServiceReference>"
        f"<sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant></sr:Header>"
        f"<sr:Body>{body}</sr:Body></sr:Request>"
    ).encode()


def _han(install_code: str = "00112233445566778899AABBCCDDEEFF", join: str = "60") -> str:
    return (
        "<sr:UpdateHANDeviceLog><sr:DeviceID>0A-1B-2C-3D-4E-5F-60-71</sr:DeviceID>"
        "<sr:RequestType>Add</sr:RequestType><sr:AddDeviceToCHFWhitelist>"
        f"<sr:JoinTimePeriod>{join}</sr:JoinTimePeriod><sr:InstallCode>{install_code}"
        "</sr:InstallCode></sr:AddDeviceToCHFWhitelist></sr:UpdateHANDeviceLog>"
    )


@pytest.mark.parametrize(
    ("doc", "valid"),
    [
        (_request(_han()), True),
        (_request(_han(), rid=f"  {_ID}\n"), True),  # xs:token drops outer whitespace
        (_request(_han(), rid=_ID.replace(":1700000000000", ":18446744073709551615")), True),
        (_request(_han(), rid=_ID.replace(":1700000000000", ":18446744073709551616")), False),
        (_request(_han(), rid=_ID.replace(":1700000000000", ":01")), False),
        (_request(_han(), cv="9"), True),
        (_request(_han(), cv="10"), False),
        (_request(_han(), cv="0"), False),
        (_request(_han(), srv="8.11", sr="6.20"), True),  # SR/SRV pairing is a rule, not XSD
        (_request(_han(), srv="8.11.1"), False),
        (_request(_han("0011223344")), False),  # 5 octets
        (_request(_han("001122334455")), True),  # 6 octets
        (_request(_han(join="3601")), False),
        (_request(_han(join="0")), False),
        (_request("<sr:ReadInventory><sr:UPRN>1234567890123</sr:UPRN></sr:ReadInventory>"), False),
        (_request("<sr:ReadInventory><sr:UPRN>123456789012</sr:UPRN></sr:ReadInventory>"), True),
        (_request("<sr:NotABody/>"), False),
        # an unchecked body accepts anything inside, but must still be a known body
        (_request("<sr:TopUpDevice><sr:Anything>at all</sr:Anything></sr:TopUpDevice>"), True),
        (
            _request(
                "<sr:SignedPreCommand><sr:GBCSPayload>AAAA</sr:GBCSPayload></sr:SignedPreCommand>"
            ),
            True,
        ),
        (
            _request(
                "<sr:SignedPreCommand><sr:GBCSPayload>AAA</sr:GBCSPayload></sr:SignedPreCommand>"
            ),
            False,
        ),
        (_request(_han()).replace(b' schemaVersion="5.4"', b""), False),
        (_request(_han()).replace(b'"5.4"', b'"9.9"'), True),  # known versions are a rule
    ],
)
def test_requests(duis_xsd: etree.XMLSchema, doc: bytes, valid: bool) -> None:
    assert duis_xsd.validate(etree.fromstring(doc)) is valid, duis_xsd.error_log


def _response(code: str, body: str) -> bytes:
    return (
        f'<sr:Response xmlns:sr="{SR}" schemaVersion="5.4"><sr:Header>'
        f"<sr:ResponseCode>{code}</sr:ResponseCode>"
        "<sr:ResponseDateTime>2024-05-01T10:00:00Z</sr:ResponseDateTime></sr:Header>"
        f"<sr:Body>{body}</sr:Body></sr:Response>"
    ).encode()


_ACK = (
    "<sr:ResponseMessage><sr:ServiceReference>8.11</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>8.11</sr:ServiceReferenceVariant></sr:ResponseMessage>"
)


@pytest.mark.parametrize(
    ("doc", "valid"),
    [
        (_response("I99", _ACK), True),
        (_response("E081111", _ACK), True),
        (_response("E081103", _ACK), False),  # not a DUIS 5.4 code
        (_response("I0", ""), False),
        (
            _response(
                "I0",
                "<sr:DCCAlertMessage><sr:DCCAlertCode>N32</sr:DCCAlertCode><sr:DCCAlert>"
                "<sr:PowerOutageEvent/></sr:DCCAlert></sr:DCCAlertMessage>",
            ),
            False,  # N32 is not in the enumeration
        ),
        (
            _response(
                "I0",
                "<sr:DCCAlertMessage><sr:DCCAlertCode>N33</sr:DCCAlertCode><sr:DCCAlert>"
                "<sr:PowerOutageEvent/></sr:DCCAlert></sr:DCCAlertMessage>",
            ),
            True,  # PowerOutageEvent content is unchecked
        ),
    ],
)
def test_responses(duis_xsd: etree.XMLSchema, doc: bytes, valid: bool) -> None:
    assert duis_xsd.validate(etree.fromstring(doc)) is valid, duis_xsd.error_log


def _gbcs_response(rsp: str, counter: str = "7") -> bytes:
    return (
        f'<ra:GBCSResponse xmlns:ra="{RA}" schemaVersion="5.4"><ra:Header>'
        "<ra:BusinessOriginatorID>0A-1B-2C-3D-4E-5F-60-71</ra:BusinessOriginatorID>"
        "<ra:BusinessTargetID>00-DB-00-00-00-00-00-01</ra:BusinessTargetID>"
        f"<ra:OriginatorCounter>{counter}</ra:OriginatorCounter></ra:Header><ra:Body>"
        f"<ra:ResponseMessage><ra:SMETSData>{rsp}</ra:SMETSData></ra:ResponseMessage>"
        "</ra:Body></ra:GBCSResponse>"
    ).encode()


_READING = (
    '<ra:ReadInstantaneousImportRegistersRsp MessageSuccess="true"><ra:Electricity>'
    "<ra:ActiveImportRegister><ra:Value>{v}</ra:Value><ra:ActiveEnergyUnit>{u}"
    "</ra:ActiveEnergyUnit></ra:ActiveImportRegister></ra:Electricity>"
    "</ra:ReadInstantaneousImportRegistersRsp>"
)


@pytest.mark.parametrize(
    ("doc", "valid"),
    [
        (_gbcs_response(_READING.format(v="1200", u="Wh")), True),
        (_gbcs_response(_READING.format(v="12.5", u="Wh")), False),
        (_gbcs_response(_READING.format(v="1200", u="kWh")), False),
        (_gbcs_response(_READING.format(v="1", u="Wh"), counter="18446744073709551616"), False),
        (_gbcs_response("<ra:ReadInstantaneousImportRegistersRsp/>"), False),
        (_gbcs_response("<ra:TopUpDeviceRsp><ra:Anything/></ra:TopUpDeviceRsp>"), True),
        (_gbcs_response("<ra:NotAnRsp/>"), False),
    ],
)
def test_mmc(mmc_xsd: etree.XMLSchema, doc: bytes, valid: bool) -> None:
    assert mmc_xsd.validate(etree.fromstring(doc)) is valid, mmc_xsd.error_log


def test_mmc_root_validates_through_the_duis_entry_schema(duis_xsd: etree.XMLSchema) -> None:
    # The registry compiles duis.xsd only; MMC output must be judged by it too.
    assert duis_xsd.validate(etree.fromstring(_gbcs_response(_READING.format(v="1", u="Wh"))))
