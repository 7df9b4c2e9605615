"""MMC output of responses whose values the RTDS carries encrypted, checked from plaintext.

The values of these responses cannot be read from the RTDS hex: GBCS encrypts them.
So this test opens them itself, without the project's decoder or crypto, from the
GBCS facts (section 4, as DCC's public gbcs-parser also applies them): the AES-128 key
is the first 16 bytes of SHA-256(00000001 || Z || OtherInfo), Z the ECDH P-256 secret
of the User's key-agreement private key and the device's certificate, OtherInfo =
``60 85 74 06 08 03 00`` || originator || ``09 04`` (use 4: encryption) || counter ||
recipient; an encrypted part is a length, ``31 00000000`` (security control and a zero
invocation counter), ciphertext and a 12-byte AES-GCM tag, with IV = originator ||
``00000000`` and additional data ``31``. The tag check proves the facts right: a wrong
key, IV or boundary does not verify. The plaintext's values are then read by their
DLMS or ZCL layout (quoted in each comment) and compared with the MMC output.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from lxml import etree

from duis.model._common import RA
from mmc.payload import GBCSKeystore, decode, parse_hex, to_mmc

_TAG = 12
_SECURITY_HEADER = bytes.fromhex("3100000000")


@pytest.fixture(scope="module")
def rtds(ref: Path) -> Path:
    return ref / "gbcs-rtds" / "RTDS-4.5.0"


@pytest.fixture(scope="module")
def keydir(ref: Path) -> Path:
    return ref / "gbcs-rtds" / "keystore"


def _private(keydir: Path, eui: bytes) -> ec.EllipticCurvePrivateKey | None:
    path = keydir / f"{eui.hex()}-ka.key"
    if not path.exists():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def _public(keydir: Path, eui: bytes) -> ec.EllipticCurvePublicKey:
    key = x509.load_pem_x509_certificate((keydir / f"{eui.hex()}-ka.pem").read_bytes())
    public = key.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    return public


def _open(key: bytes, iv: bytes, sealed: bytes) -> bytes | None:
    if len(sealed) < _TAG:
        return None
    decryptor = Cipher(algorithms.AES(key), modes.GCM(iv, sealed[-_TAG:], _TAG)).decryptor()
    decryptor.authenticate_additional_data(_SECURITY_HEADER[:1])
    try:
        return decryptor.update(sealed[:-_TAG]) + decryptor.finalize()
    except InvalidTag:
        return None


def plaintexts(data: bytes, keydir: Path) -> list[bytes]:
    """Every encrypted part of a general-ciphered response, opened from GBCS facts."""
    # General-ciphering header: DF 09, CRA flag (1) and counter (8) as transaction id,
    # 08 originator system title (8), 08 recipient system title (8).
    at = data.index(b"\xdf\x09")
    counter, originator, recipient = (
        data[at + 3 : at + 11],
        data[at + 12 : at + 20],
        data[at + 21 : at + 29],
    )
    private = _private(keydir, recipient)
    if private is None:  # the keystore may hold the device's side only
        private, public = _private(keydir, originator), _public(keydir, recipient)
    else:
        public = _public(keydir, originator)
    assert private is not None
    other = bytes.fromhex("60857406080300") + originator + b"\x09\x04" + counter + recipient
    shared = private.exchange(ec.ECDH(), public)
    key = hashlib.sha256(b"\x00\x00\x00\x01" + shared + other).digest()[:16]
    found = []
    start = data.find(_SECURITY_HEADER)
    while start > 2:
        # The part's length precedes it: one byte (ZCL, DLMS short form) or two (82 LLLL).
        for length in {data[start - 1], int.from_bytes(data[start - 2 : start], "big")}:
            plain = _open(key, originator + bytes(4), data[start + 5 : start + length])
            if plain is not None:
                found.append(plain)
                break
        start = data.find(_SECURITY_HEADER, start + 1)
    return found


def _file(rtds: Path, name: str) -> Path:
    return next(rtds.glob(f"*/{name}"))


def _rsp(path: Path, keys: GBCSKeystore) -> etree._Element:
    srv = path.parent.name.split("_", 1)[0]
    root = etree.fromstring(to_mmc(decode(parse_hex(path.read_text()), keys), srv=srv))
    smets = root.find(f"{{{RA}}}Body/{{{RA}}}ResponseMessage/{{{RA}}}SMETSData")
    assert smets is not None, path.name
    return smets[0]


def _values(rsp: etree._Element, path: str) -> list[tuple[str | None, str | None]]:
    found = rsp.findall("/".join(f"{{{RA}}}{p}" for p in path.split("/")))
    return [(e.get("index"), e.text) for e in found]


def _zcl_attributes(plain: bytes, sizes: dict[int, int]) -> dict[int, int]:
    """ZCL Read Attributes Response records: id (2, LE), status 00, type, value (LE)."""
    out, at = {}, 0
    while at < len(plain):
        attribute, status, kind = (
            int.from_bytes(plain[at : at + 2], "little"),
            *plain[at + 2 : at + 4],
        )
        assert status == 0
        size = sizes[kind]
        value = plain[at + 4 : at + 4 + size]
        out[attribute] = int.from_bytes(value, "little", signed=kind == 0x2B)
        at += 4 + size
    return out


#: ZCL data type -> size: enum8 30, uint24 22, uint32 23, uint48 25, int32 2B.
_ZCL_SIZES = {0x30: 1, 0x22: 3, 0x23: 4, 0x25: 6, 0x2B: 4}


@pytest.fixture(scope="module")
def keys(keydir: Path) -> GBCSKeystore:
    return GBCSKeystore.from_dir(keydir)


@pytest.mark.parametrize("twin", [False, True])
def test_ecs17d_tou_registers_from_the_plaintext(
    rtds: Path, keydir: Path, keys: GBCSKeystore, twin: bool
) -> None:
    # ECS17d 4.1.2: the ACTION response's data carries, in an octet string 09 82 0107,
    # the encrypted part. Plaintext: 02 01 (structure of 1) 02 01|02 (structure of 1, or
    # 2 on a twin meter) | 01 30 (array of 48) 06 00000051 (81) 06 0000000F (15) ...
    # | twin only: 01 04 (array of 4) 06 000000DC (220) 06 00000093 ...
    name = f"ECS17d_4.1.2_{'TWIN' if twin else 'SINGLE'}_SUCCESS_RESPONSE_GBCS.HEX"
    path = _file(rtds, name)
    (plain,) = plaintexts(parse_hex(path.read_text()), keydir)
    assert plain[:6] == bytes.fromhex("020102020130" if twin else "020102010130")
    assert plain[6:11] == bytes.fromhex("0600000051")
    primary = [int.from_bytes(plain[7 + 5 * i : 11 + 5 * i], "big") for i in range(48)]
    assert primary[:3] == [81, 15, 176]
    rsp = _rsp(path, keys)
    base = "Electricity/TariffTOURegisterCollection"
    assert _values(rsp, f"{base}/TOUPrimaryRegisterValue") == [
        (str(i + 1), str(v)) for i, v in enumerate(primary)
    ]
    secondary = _values(rsp, f"{base}/TOUSecondRegisterValue")
    if not twin:
        assert len(plain) == 6 + 48 * 5 and secondary == []
        return
    tail = 6 + 48 * 5
    assert plain[tail : tail + 2] == bytes.fromhex("0104")
    values = [int.from_bytes(plain[tail + 3 + 5 * i : tail + 7 + 5 * i], "big") for i in range(4)]
    assert values == [220, 147, 239, 224]
    assert secondary == [(str(i + 1), str(v)) for i, v in enumerate(values)]


def test_gcs13c_tou_matrix_from_the_plaintext(rtds: Path, keydir: Path, keys: GBCSKeystore) -> None:
    # GCS13c 4.1.2, the Metering component's encrypted Read Attributes Response:
    # 0203 00 22 E80300 (0x0302 divisor 1000) | 0103 00 22 010000 (0x0301 multiplier 1)
    # | 0003 00 30 01 (unit m3) | 0001 00 25 E80300000000 (0x0100 = 1000) | 0201 ... D007
    # (0x0102 = 2000) | 0401 ... B80B (3000) | 0601 ... A00F (4000): 1, 2, 3 and 4 m3.
    for name in ("GSME", "GPF"):
        path = _file(rtds, f"GCS13c_4.1.2_SUCCESS_RELIABLE_{name}_RESPONSE_GBCS.HEX")
        (plain,) = plaintexts(parse_hex(path.read_text()), keydir)
        attrs = _zcl_attributes(plain, _ZCL_SIZES)
        assert attrs[0x0302] == 1000 and attrs[0x0301] == 1
        assert [attrs[a] for a in (0x0100, 0x0102, 0x0104, 0x0106)] == [1000, 2000, 3000, 4000]
        rsp = _rsp(path, keys)
        assert _values(rsp, "Gas/TariffTOURegisterMatrix/TOURegisterMatrixValue") == [
            ("1", "1"),
            ("2", "2"),
            ("3", "3"),
            ("4", "4"),
        ]


def test_gcs13b_block_counters_from_the_plaintext(
    rtds: Path, keydir: Path, keys: GBCSKeystore
) -> None:
    # GCS13b 4.1.4: 0007 00 25 000000000000 (0x0700 = 0) | 0107 ... 01 | 0207 ... 02
    # | 0307 ... 03 | 0203 00 22 E80300 (divisor 1000) | 0103 00 22 010000 | 0003 00 30 01.
    path = _file(rtds, "GCS13b_4.1.4_SUCCESS_UNRELIABLE_RESPONSE_GBCS.HEX")
    (plain,) = plaintexts(parse_hex(path.read_text()), keydir)
    attrs = _zcl_attributes(plain, _ZCL_SIZES)
    assert [attrs[a] for a in (0x0700, 0x0701, 0x0702, 0x0703)] == [0, 1, 2, 3]
    assert attrs[0x0302] == 1000
    assert _values(_rsp(path, keys), "ImportBlockCounters/TariffBlockCounterValue") == [
        ("1", "0"),
        ("2", "0.001"),
        ("3", "0.002"),
        ("4", "0.003"),
    ]


def test_gcs14_prepay_values_from_the_plaintext(
    rtds: Path, keydir: Path, keys: GBCSKeystore
) -> None:
    # GCS14 4.3, Prepayment: 0500 00 2B A0252600 (0x0005 int32 2500000) | 0200 00 2B
    # 20A10700 (0x0002 = 500000) | 0100 00 2B A0252600 (0x0001 = 2500000) | 3102 00 23
    # 88130000 (0x0231 uint32 5000) | 1102 ... (0x0211 = 5000) | 2102 ... (0x0221 = 5000).
    path = _file(rtds, "GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX")
    (plain,) = plaintexts(parse_hex(path.read_text()), keydir)
    attrs = _zcl_attributes(plain, _ZCL_SIZES)
    assert attrs == {
        0x0005: 2500000,
        0x0002: 500000,
        0x0001: 2500000,
        0x0231: 5000,
        0x0211: 5000,
        0x0221: 5000,
    }
    rsp = _rsp(path, keys)
    got = {etree.QName(e).localname: e.text for e in rsp}
    assert got == {
        "EmergencyCreditBalance": "500000",
        "AccumulatedDebtRegister": "2500000",
        "PaymentDebtRegister": "5000",
        "TimeDebtRegister1": "5000",
        "TimeDebtRegister2": "5000",
        "MeterBalance": "2500000",
    }
    assert rsp.get("MessageSuccess") == "true"


@pytest.mark.parametrize(
    "name",
    [
        "ECS17d_4.1.2_ERROR_RESPONSE_GBCS.HEX",
        "GCS13c_4.1.2_ERROR_RESPONSE_GBCS.HEX",
        "GCS13b_4.1.4_ERROR_RESPONSE_GBCS.HEX",
        "GCS14_4.3_ERROR_RESPONSE_GBCS.HEX",
    ],
)
def test_error_responses_carry_no_values(rtds: Path, keys: GBCSKeystore, name: str) -> None:
    rsp = _rsp(_file(rtds, name), keys)
    assert rsp.get("MessageSuccess") == "false"
    assert not [e for e in rsp.iter() if e.text and e.text.strip()]


def test_the_independent_decryption_fails_with_a_wrong_key(rtds: Path, keydir: Path) -> None:
    # The check above would prove nothing if any key opened the part: a flipped
    # counter byte (another key) finds no part.
    data = bytearray(
        parse_hex(_file(rtds, "GCS14_4.3_SUCCESS_UNRELIABLE_RESPONSE_GBCS.HEX").read_text())
    )
    assert len(plaintexts(bytes(data), keydir)) == 1
    data[data.index(b"\xdf\x09") + 10] ^= 1
    assert plaintexts(bytes(data), keydir) == []


def _dlu(plain: bytes, at: int, count: int) -> list[int]:
    """``count`` compact-array double-long-unsigned values (4 bytes each, no tags)."""
    return [int.from_bytes(plain[at + 4 * i : at + 4 * i + 4], "big") for i in range(count)]


#: Register log entries (ECS21a daily read log, ECS20b/ECS20c billing data logs), in
#: the plaintext a compact-array of structures: 06 06 [06] (time, import register
#: [, twin: secondary register]) 01 0030 06 (48 TOU) [01 0004 06 (twin: 4 secondary
#: TOU)] 4 x 01 0008 06 (8 per block) [ECS20b: 6 x 05, prepayment values], then the
#: entries' length and their contents, 4 bytes a value: 328 bytes an entry on a single
#: meter, 348 on a twin, 24 more with ECS20b's prepayment values.
_REGISTERS = "01003006"  # 01 0030 06
_BLOCKS = "01000806" * 4
_SINGLE_TYPE = "02070606" + _REGISTERS + _BLOCKS
_TWIN_TYPE = "0209060606" + _REGISTERS + "01000406" + _BLOCKS
_MONTHLY = ("2014-11-01", "2014-12-01", "2015-01-01")


@pytest.mark.parametrize(
    ("name", "prefix", "twin", "extra", "days"),
    [
        # ECS21a 4.6.1: 02 01 | 13 <type> 82 03D8 (984 = 3 x 328) | 1AAE6B80 ...
        # 0x1AAE6B80 = 447638400 s = 5181 days from 2000-01-01 -> 2014-03-09.
        (
            "ECS21a_4.6.1_SINGLE_SUCCESS",
            "020113" + _SINGLE_TYPE + "8203D8",
            False,
            0,
            ("2014-03-09", "2014-03-10", "2014-03-11"),
        ),
        (
            "ECS21a_4.6.1_TWIN_SUCCESS",
            "020113" + _TWIN_TYPE + "820414",
            True,
            0,
            ("2014-03-09", "2014-03-10", "2014-03-11"),
        ),
        # ECS20c 4.4.3: 02 02 | 13 <type> 82 0290 (656 = 2 x 328) | 1C0E6C00 (2014-12-01,
        # as ECS21c's first entry) ...; the second list (prepayment entries) follows.
        (
            "ECS20c_4.4.3_SINGLE_SUCCESS",
            "020213" + _SINGLE_TYPE + "820290",
            False,
            0,
            _MONTHLY[1:],
        ),
        ("ECS20c_4.4.3_TWIN_SUCCESS", "020213" + _TWIN_TYPE + "8202B8", True, 0, _MONTHLY[1:]),
        # ECS20b 4.4.2: 02 01 | 13 02 0D|0F <type with 6 x 05> 82 0420 (1056 = 3 x 352)
        # or 82 045C (1116 = 3 x 372) | 1BE6DF00 (0x1BE6DF00 = 468115200 s = 5418 days
        # -> 2014-11-01) ...
        (
            "ECS20b_4.4.2_SINGLE_SUCCESS",
            "020113020D" + _SINGLE_TYPE[4:] + "05" * 6 + "820420",
            False,
            24,
            _MONTHLY,
        ),
        (
            "ECS20b_4.4.2_TWIN_SUCCESS",
            "020113020F" + _TWIN_TYPE[4:] + "05" * 6 + "82045C",
            True,
            24,
            _MONTHLY,
        ),
    ],
)
def test_register_logs_from_the_plaintext(
    rtds: Path,
    keydir: Path,
    keys: GBCSKeystore,
    name: str,
    prefix: str,
    twin: bool,
    extra: int,
    days: tuple[str, ...],
) -> None:
    path = _file(rtds, f"{name}_RESPONSE_GBCS.HEX")
    (plain,) = plaintexts(parse_hex(path.read_text()), keydir)
    head = bytes.fromhex(prefix)
    assert plain.startswith(head)
    size = (348 if twin else 328) + extra
    entries = len(days)
    body = plain[len(head) : len(head) + entries * size]
    rsp = _rsp(path, keys)
    if name.startswith("ECS21a"):
        found = rsp.findall(f"{{{RA}}}LogEntry")
        total_name, secondary_name = (
            "Electricity/ElecActiveImportRegisterConsumption",
            "Electricity/SecondaryActiveImportRegisterConsumption",
        )
        lists = "Electricity/"
    elif name.startswith("ECS20b"):
        found = rsp.findall(
            f"{{{RA}}}Electricity/{{{RA}}}LogEntryConsumptionAndTariffRegistersData"
        )
        total_name, secondary_name = (
            "ActiveImportRegisterConsumption",
            "SecondaryActiveImportRegisterConsumption",
        )
        lists = ""
    else:
        found = rsp.findall(f"{{{RA}}}Electricity/{{{RA}}}ESMEBillingDataLogEntry")
        total_name, secondary_name = (
            "ActiveImportRegisterValueConsumption",
            "SecondaryActiveImportRegisterValueConsumption",
        )
        lists = ""
    assert len(found) == entries
    for n, entry in enumerate(found):
        raw = body[n * size : (n + 1) * size]
        scalars = 3 if twin else 2
        time, total, *secondary = _dlu(raw, 0, scalars)
        at = 4 * scalars
        tou = _dlu(raw, at, 48)
        at += 4 * 48
        secondary_tou = _dlu(raw, at, 4) if twin else []
        at += 16 if twin else 0
        blocks = [_dlu(raw, at + 32 * b, 8) for b in range(4)]
        assert _iso(time) == f"{days[n]}T00:00:00Z"
        assert entry.findtext(f"{{{RA}}}Timestamp") == _iso(time)
        assert _text(entry, total_name) == str(total)
        assert _text(entry, secondary_name) == (str(secondary[0]) if twin else None)

        def numbered(values: list[int]) -> list[tuple[str | None, str | None]]:
            return [(str(i + 1), str(v)) for i, v in enumerate(values)]

        assert _values(entry, f"{lists}TariffTOURegisterMatrixValue") == numbered(tou)
        got = _values(entry, f"{lists}SecondaryTariffTOURegisterMatrixValue")
        assert got == numbered(secondary_tou)
        for b in range(4):
            got = _values(entry, f"{lists}TariffTOUBlock{b + 1}RegisterMatrixValue")
            assert got == numbered(blocks[b])


def _text(node: etree._Element, path: str) -> str | None:
    return node.findtext("/".join(f"{{{RA}}}{p}" for p in path.split("/")))


def _iso(seconds_from_2000: int) -> str:
    # 2000-01-01T00:00:00Z is 946684800 s after the Unix epoch.
    return datetime.fromtimestamp(946684800 + seconds_from_2000, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


@pytest.mark.parametrize("twin", [False, True])
def test_ecs17b_import_registers_from_the_plaintext(
    rtds: Path, keydir: Path, keys: GBCSKeystore, twin: bool
) -> None:
    # ECS17b 4.1.1: the GET response's protected data opens to 02 01 (structure of 1)
    # 02 04|05 (4, or 5 on a twin meter) | 06 0000000A (active import, 10) | 02 02 0F 00
    # 16 1E (scaler-unit: scaler 0, unit 30 = Wh) | 06 0000000A (reactive import) | 02 02
    # 0F 00 16 20 (unit 32 = varh) | twin only: 06 0000000A (secondary active import).
    name = f"ECS17b_4.1.1_{'TWIN' if twin else 'SINGLE'}_SUCCESS_RESPONSE_GBCS.HEX"
    path = _file(rtds, name)
    (plain,) = plaintexts(parse_hex(path.read_text()), keydir)
    assert plain[:4] == bytes.fromhex("02010205" if twin else "02010204")
    assert plain[4] == 0x06 and plain[9:15] == bytes.fromhex("02020f00161e")
    assert plain[15] == 0x06 and plain[20:26] == bytes.fromhex("02020f001620")
    active, reactive = (int.from_bytes(plain[a : a + 4], "big") for a in (5, 16))
    rsp = _rsp(path, keys)
    assert _text(rsp, "Electricity/ActiveImportRegister/Value") == str(active) == "10"
    assert _text(rsp, "Electricity/ActiveImportRegister/ActiveEnergyUnit") == "Wh"
    assert _text(rsp, "Electricity/ReactiveImportRegister/Value") == str(reactive) == "10"
    assert _text(rsp, "Electricity/ReactiveImportRegister/ReactiveEnergyUnit") == "varh"
    secondary = _text(rsp, "Electricity/SecondaryActiveImportRegister/Value")
    if twin:
        assert plain[26] == 0x06 and len(plain) == 31
        assert secondary == str(int.from_bytes(plain[27:31], "big"))
    else:
        assert len(plain) == 26 and secondary is None
