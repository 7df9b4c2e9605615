"""MMC output of the mapped use cases, against DCC's RTDS responses and MMC 5.4 XSD.

Every RTDS response of a mapped use case gives an ``ra:GBCSResponse`` whose ``...Rsp``
element is the one the SRV catalogue names, valid against the official MMC 5.4 schema
and through ``mmc.validate``. The held-out values below were read by hand from the
RTDS hex (the bytes are quoted in each comment); they are not the engine's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

import mmc
from duis.model._common import RA
from duis.schemas import SchemaRegistry
from mmc.payload import GBCSKeystore, decode, parse_hex, to_mmc
from mmc.payload._mmc import use_case_code
from mmc.payload._mmcmap import mapping_for
from tests.reference.conftest import at_least


@pytest.fixture(scope="module")
def rtds(ref: Path) -> Path:
    return ref / "gbcs-rtds" / "RTDS-4.5.0"


@pytest.fixture(scope="module")
def keys(ref: Path) -> GBCSKeystore:
    return GBCSKeystore.from_dir(ref / "gbcs-rtds" / "keystore")


def _srv(path: Path) -> str:
    """The SRV of an RTDS file: its folder is named ``<SRV>_<use case>``."""
    return path.parent.name.split("_", 1)[0]


def test_every_mapped_rtds_response_is_valid_mmc_54(
    rtds: Path, keys: GBCSKeystore, official_54: Path
) -> None:
    official = SchemaRegistry([official_54])
    files = at_least(sorted(rtds.glob("*/*RESPONSE*GBCS.HEX")), 503, "RTDS responses")
    mapped_files = 0
    mapped_pairs: set[tuple[str, str]] = set()
    for path in files:
        srv = _srv(path)
        data = parse_hex(path.read_text())
        message = decode(data, None if path.name.startswith("PCS0") else keys)
        mapping = mapping_for(use_case_code(message), srv)
        xml = to_mmc(message, srv=srv)
        report = mmc.validate(xml, schemas=official, source=path.name, srv=srv)
        assert report.valid, (path.name, [str(m) for m in report.messages])
        root = etree.fromstring(xml)
        smets = root.find(f"{{{RA}}}Body/{{{RA}}}ResponseMessage/{{{RA}}}SMETSData")
        if mapping is None:
            assert smets is None, path.name
            continue
        assert smets is not None and etree.QName(smets[0]).localname == mapping.element
        mapped_files += 1
        mapped_pairs.add((mapping.use_case, srv))
    assert mapped_files >= 359
    assert len(mapped_pairs) >= 149


def _rsp(rtds: Path, keys: GBCSKeystore, name: str) -> etree._Element:
    path = next(rtds.glob(f"*/{name}"))
    xml = to_mmc(decode(parse_hex(path.read_text()), keys), srv=_srv(path))
    root = etree.fromstring(xml)
    smets = root.find(f"{{{RA}}}Body/{{{RA}}}ResponseMessage/{{{RA}}}SMETSData")
    assert smets is not None, name
    return smets[0]


def _at(rsp: etree._Element, path: str) -> etree._Element:
    el = rsp.find("/".join(f"{{{RA}}}{p}" for p in path.split("/")))
    assert el is not None, path
    return el


#: (file, element path, value read by hand from the bytes). The bytes quoted are
#: the payload after the grouping header, up to the MAC/signature.
HAND_READ = [
    # ECS52 11.2: DA 200003E8 00 00 01 | 09 04 01 23 AB CD (octet-string, 4 bytes) | ...
    ("ECS52_11.2_SUCCESS_RESPONSE_GBCS.HEX", "FirmwareVersion", "0123ABCD"),
    # GCS38 11.2, ZCL Read Attributes Response 08 00 01 | 06 02 (attr 0x0206) 00 (ok)
    # 41 (octet string) 04 01 23 AB CD
    ("GCS38_11.2_SUCCESS_RESPONSE_GBCS.HEX", "FirmwareVersion", "0123ABCD"),
    # CS08 11.2, DER: 30 09 | 04 04 01 23 AB CD | 02 01 00
    ("CS08_11.2_SUCCESS_RESPONSE_GBCS.HEX", "FirmwareVersion", "0123ABCD"),
    # ECS45 7.4: DA 200003E8 00 00 01 | 16 01 (enum 1: disconnect control "connected")
    ("ECS45_7.4_SUCCESS_RESPONSE_GBCS.HEX", "SupplyState", "Enabled"),
    # GCS33 7.4: 08 00 01 | 05 02 00 21 64 00 (attr 0x0205 uint16 LE = 100)
    # | 14 00 00 30 02 (attr 0x0014 enum8 2: ZCL supply ON)
    ("GCS33_7.4_SUCCESS_RESPONSE_GBCS.HEX", "SupplyState", "Enabled"),
    ("GCS33_7.4_SUCCESS_RESPONSE_GBCS.HEX", "Gas/RemainingBatteryCapacity", "100"),
    # ECS17a 4.2: DA 200004B0 00 04 | 06 0000000A | 02 02 0F 00 16 1E (scaler 0, Wh)
    # | 06 00000014 | 02 02 0F 00 16 20 (varh)
    ("ECS17a_4.2_SUCCESS_RESPONSE_GBCS.HEX", "ActiveExportRegister/Value", "10"),
    ("ECS17a_4.2_SUCCESS_RESPONSE_GBCS.HEX", "ActiveExportRegister/ActiveEnergyUnit", "Wh"),
    ("ECS17a_4.2_SUCCESS_RESPONSE_GBCS.HEX", "ReactiveExportRegister/Value", "20"),
    # ECS82 4.18: DA 200003E8 00 00 01 | 05 0003D090 (double-long 250000)
    ("ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX", "MeterBalance", "250000"),
    # ECS40 6.2.7 twin: 09 1A "1312345678111" "1312345678222" | 09 0D "1312345678333"
    ("ECS40_6.2.7_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "Electricity/ImportMPAN", "1312345678111"),
    (
        "ECS40_6.2.7_TWIN_SUCCESS_RESPONSE_GBCS.HEX",
        "Electricity/SecondaryImportMPAN",
        "1312345678222",
    ),
    ("ECS40_6.2.7_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "Electricity/ExportMPAN", "1312345678333"),
    # GCS46 6.2.7: 08 00 01 | 07 03 00 41 0A 31 30 30 30 39 39 39 38 38 38 (attr 0x0307)
    ("GCS46_6.2.7_SUCCESS_RESPONSE_GBCS.HEX", "Gas/MPRN", "1000999888"),
    # ECS70 6.11: ... 09 0C 07DF 01 01 FF 00 00 00 00 8000 FF (2015-01-01 00:00:00)
    ("ECS70_6.11_SUCCESS_RESPONSE_GBCS.HEX", "DeviceTime", "2015-01-01T00:00:00Z"),
    # GCS28 6.11: 30 14 | 18 0F "20141231233000Z" (GeneralizedTime) | 02 01 00
    ("GCS28_6.11_SUCCESS_RESPONSE_GBCS.HEX", "DeviceTime", "2014-12-31T23:30:00Z"),
    ("GCS28_6.11_SUCCESS_RESPONSE_GBCS.HEX", "Gas/GasClockTimeStatus/ASN1Status", "reliable"),
    # ECS18a 4.12.2: DA 200004B0 00 04 | 09 0C 07DE0C1F... | 06 000012A7 (4775)
    # | 02 02 0F 00 16 1B | 09 0C 07DE 0C 1E FF 14 25 00 00 8000 FF (2014-12-30 20:37:00)
    ("ECS18a_4.12.2_SUCCESS_RESPONSE_GBCS.HEX", "MaxDemandActiveEnergyExport/Value", "4775"),
    (
        "ECS18a_4.12.2_SUCCESS_RESPONSE_GBCS.HEX",
        "MaxDemandActiveEnergyExport/CaptureTime",
        "2014-12-30T20:37:00Z",
    ),
    # ECS26e 6.2.4: DA 200003E9 00 00 05 | 09 08 00DB1234567890A0 | 09 01 42 ("B")
    # | 09 08 41 54 47 54 79 70 65 58 ("ATGTypeX") | 09 03 43 53 57 ("CSW") | 03 FF
    ("ECS26e_6.2.4_SUCCESS_RESPONSE_GBCS.HEX", "DeviceIdentifier", "00-DB-12-34-56-78-90-A0"),
    ("ECS26e_6.2.4_SUCCESS_RESPONSE_GBCS.HEX", "ModelType", "ATGTypeX"),
    ("ECS26e_6.2.4_SUCCESS_RESPONSE_GBCS.HEX", "ManufacturerIdentifier", "CSW"),
    ("ECS26e_6.2.4_SUCCESS_RESPONSE_GBCS.HEX", "Electricity/MeterVariant", "B"),
    # ECS18b 4.12.1: DA 200003E9 00 00 09 | 09 0C 07DE0C1F FF 00000000 8000 FF (x2)
    # | 06 000012A7 (4775) | 02 02 0F 00 16 1B | 09 0C 07DE 0C 1F FF 09 1E 00 00 8000 FF
    # (2014-12-31 09:30) | 06 00002F5A (12122) | 02 02 0F 00 16 1B
    # | 09 0C 07DE 0C 1F FF 0B 1E 00 00 8000 FF (2014-12-31 11:30) | ... | 09 (results) 01 00 ...
    ("ECS18b_4.12.1_SUCCESS_RESPONSE_GBCS.HEX", "MaxDemandActiveEnergyImport/Value", "4775"),
    (
        "ECS18b_4.12.1_SUCCESS_RESPONSE_GBCS.HEX",
        "MaxDemandActiveEnergyImport/CaptureTime",
        "2014-12-31T09:30:00Z",
    ),
    (
        "ECS18b_4.12.1_SUCCESS_RESPONSE_GBCS.HEX",
        "MaxDemandConfigurableTimeActivePowerImport/Value",
        "12122",
    ),
    (
        "ECS18b_4.12.1_SUCCESS_RESPONSE_GBCS.HEX",
        "MaxDemandConfigurableTimeActivePowerImport/CaptureTime",
        "2014-12-31T11:30:00Z",
    ),
    # ECS27 4.15: DA 200003E8 00 00 06 | 03 00 | 06 0000001E (30) | 02 02 0F 00 16 FF
    # | 06 00001AF4 (6900) | 06 0000012C (300) | 06 0000001E | 06 (results) 01 00 ...
    ("ECS27_4.15_SUCCESS_RESPONSE_GBCS.HEX", "LoadLimitCounterValue", "30"),
    ("ECS27_4.15_SUCCESS_RESPONSE_GBCS.HEX", "LoadLimitPowerThreshold", "6900"),
    ("ECS27_4.15_SUCCESS_RESPONSE_GBCS.HEX", "LoadLimitPeriod", "300"),
    ("ECS27_4.15_SUCCESS_RESPONSE_GBCS.HEX", "LoadLimitRestorationPeriod", "30"),
    # GCS60 4.18: 01 09 02 00 07 02 00 0B 08 00 01 | 00 0A 00 23 E0673500 (Metering attr
    # 0x0A00, uint32 LE 0x003567E0 = 3500000) | 01 07 05 00 0B 08 01 01 | 01 00 00 2B A0252600
    # (Prepayment attr 0x0001, int32 LE 0x002625A0 = 2500000); GCS60a carries the same bytes
    ("GCS60_4.18_SUCCESS_RESPONSE_GBCS.HEX", "MeterBalance", "3500000"),
    ("GCS60_4.18_SUCCESS_RESPONSE_GBCS.HEX", "Gas/MeterBalancePrepaymentMode", "2500000"),
    ("GCS60a_4.18_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX", "MeterBalance", "3500000"),
    # ECS26j 6.2.9: DA 200003E9 00 00 01 | 02 02 16 02 16 02 (structure: enum 2, enum 2)
    ("ECS26j_6.2.9_SUCCESS_RESPONSE_GBCS.HEX", "PaymentMode", "Prepayment"),
    # ECS61c 7.11: DA 200003E9 00 00 07 | 03 FF (boolean true) | 13 ... | 03 FF x5
    ("ECS61c_7.11_SUCCESS_RESPONSE_GBCS.HEX", "BoostFunctionAvailability", "true"),
    ("ECS61c_7.11_SUCCESS_RESPONSE_GBCS.HEX", "BoostFunctionControl5Value", "true"),
    # ECS26b 6.2.1: DA 200003E8 00 00 0A | 06 0000011F (287) | 06 0000001E (30)
    # | 06 000000B4 (180) | 06 0000001E | 06 000000D8 (216) | 06 0000001E
    # | 06 000000FD (253) | 06 0000001E | 06 00000108 (264) | 06 000000C8 (200)
    (
        "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX",
        "RMSVoltageSettings/RMSExtremeOverVoltageThreshold",
        "287",
    ),
    (
        "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX",
        "RMSVoltageSettings/RMSVoltageSwellThreshold",
        "253",
    ),
    (
        "ECS26b_6.2.1_SUCCESS_RESPONSE_GBCS.HEX",
        "SinglePhaseVoltageSettings/AverageRMSUnderVoltageThreshold",
        "200",
    ),
    # ECS26k 6.2.1, the same eight Limiter values first: DA 200003E8 00 00 0E
    # | 06 0000011F | 06 0000001E | 06 000000B4 (180) ...
    (
        "ECS26k_6.2.1_SUCCESS_RESPONSE_GBCS.HEX",
        "RMSVoltageSettings/RMSExtremeUnderVoltageThreshold",
        "180",
    ),
    # GCS21a 6.2.8, Metering: 07 02 00 25 08 01 01 | 13 0B 00 21 0100 | 12 0B 00 21 0100
    # | 11 0B 00 30 01 | 10 0B 00 21 C800 (0x0B10 uint16 LE = 200) | 14 0B 00 20 0A (10)
    # | 15 0B 00 21 100E (0x0E10 = 3600)
    ("GCS21a_6.2.8_SUCCESS_RESPONSE_GBCS.HEX", "UncontrolledGasFlowRate", "200"),
    ("GCS21a_6.2.8_SUCCESS_RESPONSE_GBCS.HEX", "FlowStabilisationPeriod", "10"),
    ("GCS21a_6.2.8_SUCCESS_RESPONSE_GBCS.HEX", "FlowMeasurementPeriod", "3600"),
    # GCS21b 4.13, Prepayment: 07 05 00 5B 08 00 01 | 39 02 00 21 E803 (0x0239 uint16 1000)
    # | 06 00 00 2B 40420F00 (int32 1000000) | 16 02 00 30 01 | 26 02 00 30 01
    # | 40 00 00 2B C0B4B3FF (int32 LE 0xFFB3B4C0 = -0x4C4B40 = -5000000)
    # | 10 00 00 23 40420F00 | 11 00 00 23 400D0300 (0x030D40 = 200000)
    # | 31 00 00 23 20A10700 (0x07A120 = 500000) | 21 00 00 23 80969800 (0x989680 = 10000000)
    # | 22 00 00 23 404B4C00 (0x4C4B40 = 5000000) | ...
    ("GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX", "DebtRecoveryPerPayment", "1000"),
    ("GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX", "DisablementThreshold", "-5000000"),
    ("GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX", "EmergencyCreditThreshold", "200000"),
    ("GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX", "LowCreditThreshold", "500000"),
    ("GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX", "MaxCreditMaxMeterBalance", "10000000"),
    # ECS26a 4.13: DA 200003E9 00 00 12 | ... item 8: 12 1388 | item 9 (0-0:94.44.2.10):
    # 05 004C4B40 (5000000) | item 10: 01 01 05 FFF85EE0 | item 11 (0-0:94.44.2.20):
    # 05 00989680 (10000000) | item 12 (Account attr 16): 05 0007A120 (500000)
    # | 12 2710 | 05 00093A80 | item 15 (Credit 0-0:19.10.1.255 attr 9): 05 002625A0
    # (2500000) | item 16 (attr 10): 05 000186A0 (100000)
    ("ECS26a_4.13_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "EmergencyCreditLimit", "2500000"),
    ("ECS26a_4.13_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "EmergencyCreditThreshold", "100000"),
    ("ECS26a_4.13_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "LowCreditThreshold", "500000"),
    ("ECS26a_4.13_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "CreditMaxCreditThreshold", "5000000"),
    ("ECS26a_4.13_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "MaxCreditMaxMeterBalance", "10000000"),
    # ECS23 4.10: DA 200003EA 00 00 06 | 06 00000093 (147) | 02 02 0F 00 16 FF
    # | 06 000000EF (239) | 02 02 0F 00 16 FF | 13 ... (profile) | 06 00000E10 (3600)
    (
        "ECS23_4.10_SUCCESS_RESPONSE_GBCS.HEX",
        "Electricity/SinglePhaseESME/AvgRMSUnderVoltageCounter/Value",
        "147",
    ),
    (
        "ECS23_4.10_SUCCESS_RESPONSE_GBCS.HEX",
        "Electricity/SinglePhaseESME/AvgRMSOverVoltageCounter/Value",
        "239",
    ),
    # GCS21m 6.2.4, Basic cluster: 08 00 01 | 04 00 00 42 04 "1234" (attr 0x0004,
    # character string) | 05 00 00 42 08 "12345678" (attr 0x0005)
    ("GCS21m_6.2.4_SUCCESS_RESPONSE_GBCS.HEX", "ManufacturerIdentifier", "1234"),
    ("GCS21m_6.2.4_SUCCESS_RESPONSE_GBCS.HEX", "ModelType", "12345678"),
    # ECS26f 6.2.5: DA 200003E8 00 00 01 | 01 02 | 06 000008FC (2300) | 06 000011F8 (4600)
    ("ECS26f_6.2.5_SUCCESS_RESPONSE_GBCS.HEX", "LowMediumPowerThreshold", "2300"),
    ("ECS26f_6.2.5_SUCCESS_RESPONSE_GBCS.HEX", "MediumHighPowerThreshold", "4600"),
    # CS06 11.3 immediate: 30 09 | 02 01 00 | 04 04 01 23 AB CE
    ("CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX", "FirmwareVersion", "0123ABCE"),
    (
        "CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX",
        "ActivateImageResponseCode/ASN1Status",
        "success",
    ),
]


@pytest.mark.parametrize(("name", "path", "expected"), HAND_READ)
def test_value_read_by_hand(
    rtds: Path, keys: GBCSKeystore, name: str, path: str, expected: str
) -> None:
    assert _at(_rsp(rtds, keys, name), path).text == expected


def test_event_log_entries_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    # ECS35a 6.13: DA 200003E8 00 00 01 | 13 (compact-array) 02 03 06 12 09 (structure of
    # double-long-unsigned, long-unsigned, octet-string) 81 EF (length 0xEF = 239 bytes of
    # entries, 7 each, 9 for the four with a 2-byte octet-string: 29 x 7 + 4 x 9 = 239,
    # so 33 entries) | 1C35F900 8F01 00
    # | 1C3602FD 8145 00 | 1C361064 8154 02 009B | ...
    # 0x1C35F900 = 473299200 s from 2000-01-01 = 5478 days -> 2014-12-31T00:00:00Z;
    # 0x1C361064 - 0x1C35F900 = 5988 s = 1 h 39 min 48 s.
    rsp = _rsp(rtds, keys, "ECS35a_6.13_SUCCESS_RESPONSE_GBCS.HEX")
    entries = rsp.findall(f"{{{RA}}}Log/{{{RA}}}LogEntry")
    assert len(entries) == 33
    first, _, third = entries[:3]
    assert _at(first, "Timestamp").text == "2014-12-31T00:00:00Z"
    assert _at(first, "LogCode").text == "8F01"
    assert first.find(f"{{{RA}}}OtherInformation") is None
    assert _at(third, "Timestamp").text == "2014-12-31T01:39:48Z"
    assert _at(third, "LogCode").text == "8154"
    assert _at(third, "OtherInformation").text == "009B"


def test_boost_button_log_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    # ECS61c 7.11: ... 03 FF | 13 (compact-array) 02 02 06 06 (structure of two
    # double-long-unsigned) 30 (48 bytes = 6 entries of 8) | 1C2F6180 1C2F747C | 1C30B300 ...
    # 0x1C2F6180 = 472867200 s = 5473 days from 2000-01-01 (6 before 2015-01-01's 5479)
    # -> 2014-12-26T00:00:00Z; 0x747C - 0x6180 = 4860 s = 1 h 21 min later.
    rsp = _rsp(rtds, keys, "ECS61c_7.11_SUCCESS_RESPONSE_GBCS.HEX")
    entries = rsp.findall(f"{{{RA}}}EventLogEntry")
    assert len(entries) == 6
    assert _at(entries[0], "BoostStart").text == "2014-12-26T00:00:00Z"
    assert _at(entries[0], "BoostEnd").text == "2014-12-26T01:21:00Z"


def test_voltage_profile_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    # ECS23 4.10: ... | 13 (compact-array) 02 02 06 06 (structure of two
    # double-long-unsigned) 82 0188 (392 bytes = 49 entries of 8) | 1C34A780 00000051
    # | 1C34B590 0000000F | ... | 06 00000E10 (capture period 3600 s).
    # 0x1C34A780 = 473212800 s = 5477 days from 2000-01-01 (2 before 2015-01-01's 5479)
    # -> 2014-12-30T00:00:00Z; 0xB590 - 0xA780 = 3600 s later.
    rsp = _rsp(rtds, keys, "ECS23_4.10_SUCCESS_RESPONSE_GBCS.HEX")
    log = _at(rsp, "Electricity/SinglePhaseESME/AvgRMSVoltageProfileDataLog")
    entries = log.findall(f"{{{RA}}}LogEntry")
    assert len(entries) == 49
    assert _at(entries[0], "Timestamp").text == "2014-12-30T00:00:00Z"
    assert _at(entries[0], "Value").text == "81"
    assert _at(entries[1], "Timestamp").text == "2014-12-30T01:00:00Z"
    assert _at(entries[1], "Value").text == "15"
    assert _at(log, "MeasurementPeriod").text == "3600"


def test_billing_data_logs_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    # ECS20a 4.4.4: DA 200003EA 00 00 01 | 13 (compact-array) 02 02 06 06 50 (80 bytes =
    # 10 entries of 8) | 1C2B6D00 0000005F | 1C2CBE80 000000CB | ... 0x1C2B6D00 = 472608000 s
    # = 5470 days from 2000-01-01 (9 before 2015-01-01's 5479) -> 2014-12-23; 0x5F = 95,
    # 0xCB = 203, a day (0x15180 s) later.
    rsp = _rsp(rtds, keys, "ECS20a_4.4.4_SUCCESS_RESPONSE_GBCS.HEX")
    entries = rsp.findall(f"{{{RA}}}PaymentBasedDebtRepayment/{{{RA}}}LogEntry")
    assert len(entries) == 10
    assert _at(entries[0], "Timestamp").text == "2014-12-23T00:00:00Z"
    assert _at(entries[0], "Amount").text == "95"
    assert _at(entries[1], "Timestamp").text == "2014-12-24T00:00:00Z"
    assert _at(entries[1], "Amount").text == "203"
    # ECS20d 4.4.5: ... | 13 02 02 06 06 28 (40 bytes = 5 entries) | 1C320480 0000005F | ...
    # 0x1C320480 = 473040000 s = 5475 days -> 2014-12-28.
    rsp = _rsp(rtds, keys, "ECS20d_4.4.5_SUCCESS_RESPONSE_GBCS.HEX")
    entries = rsp.findall(f"{{{RA}}}PrepaymentCredits/{{{RA}}}LogEntry")
    assert len(entries) == 5
    assert _at(entries[0], "Timestamp").text == "2014-12-28T00:00:00Z"
    assert _at(entries[0], "Amount").text == "95"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # ECS47a 7.13: DA 200003EC 00 00 03 00 00 00 | 03 (results) 02 00 (set, success)
        # | 02 00 | 03 00 (action, success)
        ("ECS47a_7.13_ALCS_ACTIVATE_SUCCESS_RESPONSE_GBCS.HEX", "true"),
        # ... 03 | 02 01 (set, hardware-fault) | 02 FA (other-reason) | 03 FA
        ("ECS47a_7.13_ALCS_DEACTIVATE_ERROR_RESPONSE_GBCS.HEX", "false"),
        # ECS47e 7.16: DA 20002329 00 00 03 00 00 00 | 03 02 00 | 02 00 | 03 00
        ("ECS47e_7.16_APC_INPUT_SUCCESS_RESPONSE_GBCS.HEX", "true"),
        # DA 2000232C ... | 03 02 00 | 02 01 (hardware-fault) | 03 FA
        ("ECS47e_7.16_APC_INPUT_ERROR_RESPONSE_GBCS.HEX", "false"),
    ],
)
def test_auxiliary_controller_acknowledgements_read_by_hand(
    rtds: Path, keys: GBCSKeystore, name: str, expected: str
) -> None:
    rsp = _rsp(rtds, keys, name)
    assert len(rsp) == 0
    assert rsp.get("MessageSuccess") == expected


def test_connected_device_logs_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    # CCS07 8.9: DA 20000514 00 00 02 | 02 03 09 0C 07DF0101FF000000008000FF
    # | 09 08 0001020304050607 | 01 02 (array of 2) | 02 02 09 08 00DB1234567890A0
    # 09 10 83FED3407A939723A5C639B26916D506 | 02 02 09 08 00DB1234567890A1 09 10 ...D505
    # | 02 03 (second log) ... 01 02 | 02 02 09 08 00DB1234567890A3
    # 09 10 00112233445566778899A1A2A3A4A5A6 | ...
    rsp = _rsp(rtds, keys, "CCS07_8.9_SUCCESS_RESPONSE_GBCS.HEX")
    log = _at(rsp, "CHFConnectedDeviceLog")
    current = log.findall(f"{{{RA}}}CHFCurrentConnectedDeviceLogEntry")
    historic = log.findall(f"{{{RA}}}CHFHistoricConnectedDeviceLogEntry")
    assert len(current) == 2 and len(historic) == 2
    assert _at(current[0], "DeviceID").text == "00-DB-12-34-56-78-90-A0"
    assert _at(current[0], "DeviceSecurityDetails").text == "83FED3407A939723A5C639B26916D506"
    assert _at(historic[0], "DeviceID").text == "00-DB-12-34-56-78-90-A3"
    assert _at(historic[0], "DeviceSecurityDetails").text == "00112233445566778899A1A2A3A4A5A6"


def test_poly_phase_thresholds_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    # ECS26k 6.2.1, the request asks (items 9-14) for 1-0:32.35.0.4, 32.31.0.4, 52.31.0.4,
    # 52.35.0.4, 72.31.0.4, 72.35.0.4 (attribute 2); the response's items 9-14 are
    # 06 0000007E (126) | 06 00000060 (96) | 06 00000060 | 06 0000007E | 06 00000060
    # | 06 0000007E: each phase's over-limit threshold 126, under-limit 96.
    rsp = _rsp(rtds, keys, "ECS26k_6.2.1_SUCCESS_RESPONSE_GBCS.HEX")
    phases = rsp.findall(f"{{{RA}}}PolyPhaseVoltageSettings")
    assert [_at(p, "Phase").text for p in phases] == ["1", "2", "3"]
    for phase in phases:
        settings = _at(phase, "PhaseVoltageSettings")
        assert _at(settings, "AverageRMSOverVoltageThreshold").text == "126"
        assert _at(settings, "AverageRMSUnderVoltageThreshold").text == "96"


def test_poly_phase_network_data_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    # ECS23b 4.10: DA 200003EA 00 00 12 | 06 00000051 (1-0:32.32.0.4, phase 1 under-limit
    # count 81) | 02 02 0F 00 16 FF | 06 0000000F (1-0:32.36.0.4, over-limit count 15)
    # | 02 02 0F 00 16 FF | 13 02 02 06 06 82 0188 (49 entries) 1C34A780 000000B0 ... ;
    # the same six items follow for 1-0:52.* and 1-0:72.* (phases 2 and 3).
    rsp = _rsp(rtds, keys, "ECS23b_4.10_SUCCESS_RESPONSE_GBCS.HEX")
    phases = rsp.findall(
        f"{{{RA}}}Electricity/{{{RA}}}PolyPhaseESME/{{{RA}}}PhaseVoltageOperationalData"
    )
    assert [_at(p, "Phase").text for p in phases] == ["1", "2", "3"]
    first = _at(phases[0], "VoltageOperationalData")
    assert _at(first, "AvgRMSUnderVoltageCounter/Value").text == "81"
    assert _at(first, "AvgRMSOverVoltageCounter/Value").text == "15"
    entries = first.findall(f"{{{RA}}}AvgRMSVoltageProfileDataLog/{{{RA}}}LogEntry")
    assert len(entries) == 49
    assert _at(entries[0], "Value").text == "176"
    assert _at(entries[0], "Timestamp").text == "2014-12-30T00:00:00Z"


def test_error_responses_say_message_success_false(rtds: Path, keys: GBCSKeystore) -> None:
    # ECS52 error: the item's result is 01 (hardware-fault), no data.
    rsp = _rsp(rtds, keys, "ECS52_11.2_ERROR_RESPONSE_GBCS.HEX")
    assert rsp.get("MessageSuccess") == "false"
    assert rsp.find(f"{{{RA}}}FirmwareVersion") is None
    # GCS33 error: attribute 0x0014 has status C0 (hardware failure).
    assert _rsp(rtds, keys, "GCS33_7.4_ERROR_RESPONSE_GBCS.HEX").get("MessageSuccess") == "false"


def test_daily_and_profile_logs_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    # ECS21c 4.6.2: DA 20000516 00 00 01 | 13 (compact-array) 02 02 06 06 (structure of two
    # double-long-unsigned) 81 F8 (248 bytes = 31 entries of 8) | 1C0E6C00 0000000A
    # | 1C0FBD80 00000050 | ... 0x1C0E6C00 = 470707200 s from 2000 = 5448 days
    # (5479 to 2015-01-01, less December's 31) -> 2014-12-01; the next is 86400 s later.
    rsp = _rsp(rtds, keys, "ECS21c_4.6.2_SUCCESS_RESPONSE_GBCS.HEX")
    entries = rsp.findall(f"{{{RA}}}LogEntry")
    assert len(entries) == 31
    assert _at(entries[0], "ActiveExportRegisterValue").text == "10"
    assert _at(entries[0], "TimeStamp").text == "2014-12-01T00:00:00Z"
    assert _at(entries[1], "ActiveExportRegisterValue").text == "80"
    assert _at(entries[1], "TimeStamp").text == "2014-12-02T00:00:00Z"
    # ECS22a 4.8.3: DA 200004B1 00 00 01 | 13 02 03 06 06 06 82 024C (588 bytes = 49
    # entries of 12) | 1BBE8618 00000051 00000038 | ... 0x1BBE8618 = 465471000 s
    # = 5387 days (2014-10-01: 92 days before 2015) + 34200 s (09:30).
    rsp = _rsp(rtds, keys, "ECS22a_4.8.3_SUCCESS_RESPONSE_GBCS.HEX")
    entries = rsp.findall(f"{{{RA}}}LogEntry")
    assert len(entries) == 49
    assert _at(entries[0], "ActiveEnergyExportedValue").text == "81"
    assert _at(entries[0], "ReactiveEnergyExportedValue").text == "56"
    assert _at(entries[0], "Timestamp").text == "2014-10-01T09:30:00Z"
