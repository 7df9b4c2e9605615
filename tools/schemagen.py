"""Write the generated regions of the embedded schemas from the project's data tables.

The SRV and ServiceReference enumerations, the request Body choice, the MMC SMETSData
choice and the response/alert code enumerations are facts that already live in
``duis/data/*.json``. Writing them into ``schemas/*.xsd`` by hand would let the two
drift; this module rewrites only the regions between ``<!-- generated:begin NAME -->``
and ``<!-- generated:end NAME -->`` markers and leaves every hand-written line alone.
``tests/test_embedded_schema.py`` fails when a committed schema differs from what this
module would write.

Usage: ``python -m tools.schemagen`` (rewrite) or ``python -m tools.schemagen --check``
(exit 1 and name the stale files). It lives outside the installed package because it
writes files of the checkout (``schemas/``), which an installed copy has not.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from duis import catalogue
from duis._exceptions import SchemaError
from duis.fileio import atomic_write
from duis.ids import MAX_COUNTER

__all__ = [
    "COVERED_REQUEST_BODIES",
    "COVERED_SMETS_RSP",
    "MAX_COUNTER",
    "MMC_ONLY_RSP",
    "SCHEMA_FILES",
    "alert_codes",
    "main",
    "regenerate",
    "render",
    "response_codes",
    "schema_dir",
    "stale",
    "uint_pattern",
]

#: Request bodies whose content the embedded schema checks, and the type that does it.
#: Every other SRV body is typed ``sr:UncheckedContent``. ``SignedPreCommand`` (the body
#: of CV 5-7) is always checked and is added after the SRV bodies.
COVERED_REQUEST_BODIES: dict[str, str] = {
    "ReadInstantaneousImportRegisters": "sr:OptionallyFutureDated",  # 4.1.1
    "ReadInventory": "sr:InventoryQuery",  # 8.2
    "DecommissionDevice": "sr:DeviceReference",  # 8.3
    "UpdateInventory": "sr:InventoryChange",  # 8.4
    "UpdateHANDeviceLog": "sr:HanDeviceLogChange",  # 8.11
    "ReadFirmwareVersion": "sr:OptionallyFutureDated",  # 11.2
    "RequestWANMatrix": "sr:WanMatrixQuery",  # 12.1
    "DevicePrenotification": "sr:DeviceNotice",  # 12.2
}
_SIGNED_PRE_COMMAND = ("SignedPreCommand", "sr:SignedPreCommandBody")

#: MMC ``SMETSData`` children whose content the embedded schema checks.
COVERED_SMETS_RSP: dict[str, str] = {
    "ReadInstantaneousImportRegistersRsp": "ra:ImportRegistersReading",  # 4.1.1
    "UpdateHANDeviceLogRsp": "ra:OutcomeOnly",  # 8.11
    "ReadFirmwareVersionRsp": "ra:FirmwareVersionReading",  # 11.2
}

#: ``SMETSData`` children MMC 5.4 declares that no SRV in the catalogue answers with.
#: Empty since the catalogue maps 6.26 to its ``...Rsp``; kept so a future MMC element
#: without an SRV has one obvious place to go.
MMC_ONLY_RSP: tuple[str, ...] = ()

#: The files this module maintains, by role.
SCHEMA_FILES = ("duis.xsd", "mmc.xsd")

_MARKER = re.compile(
    r"^(?P<indent>[ \t]*)<!-- generated:begin (?P<name>[a-z0-9-]+) -->\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)<!-- generated:end (?P=name) -->$",
    re.MULTILINE | re.DOTALL,
)


def schema_dir() -> Path:
    """The checkout's ``schemas/`` folder (the generator only runs in a checkout)."""
    return Path(__file__).resolve().parents[1] / "schemas"


def _data(name: str) -> dict[str, object]:
    text = resources.files("duis").joinpath(f"data/{name}").read_text("utf-8")
    loaded = json.loads(text)
    assert isinstance(loaded, dict)
    return loaded


def _codes(entries: object) -> tuple[tuple[str, str], ...]:
    assert isinstance(entries, list)
    return tuple((str(e["code"]), str(e["category"])) for e in entries)


@lru_cache(maxsize=1)
def response_codes() -> tuple[tuple[str, str], ...]:
    """(code, category) for every DUIS 5.4 ResponseCode, in DUIS order."""
    return _codes(_data("response_codes.json")["codes"])


@lru_cache(maxsize=1)
def alert_codes() -> dict[str, tuple[tuple[str, str], ...]]:
    """(code, category) lists keyed ``dcc_alert_codes`` / ``future_dated_alert_codes``."""
    data = _data("alert_codes.json")
    return {key: _codes(data[key]) for key in ("dcc_alert_codes", "future_dated_alert_codes")}


def uint_pattern(maximum: int) -> str:
    """An XSD regex matching the decimals 0..maximum exactly, with no leading zeros.

    Computed rather than written out so the 20-digit bound of a 64-bit counter cannot
    be mistyped: shorter numbers are free, numbers of the maximum's length are split
    digit by digit into "same prefix, smaller digit here, anything after".
    """
    if maximum < 10:
        return f"[0-{maximum}]"
    digits = str(maximum)
    width = len(digits)
    alternatives = ["0", f"[1-9][0-9]{{0,{width - 2}}}"]
    for i, ch in enumerate(digits):
        low = 1 if i == 0 else 0
        high = int(ch) - 1
        if high < low:
            continue
        rest = width - i - 1
        cls = str(low) if low == high else f"[{low}-{high}]"
        tail = f"[0-9]{{{rest}}}" if rest > 1 else ("[0-9]" if rest == 1 else "")
        alternatives.append(f"{digits[:i]}{cls}{tail}")
    alternatives.append(digits)
    return "|".join(alternatives)


def _enumeration(name: str, base: str, values: Iterable[str], note: str) -> list[str]:
    lines = [f"<!-- {note} -->", f'<xs:simpleType name="{name}">']
    lines.append(f'  <xs:restriction base="{base}">')
    lines.extend(f'    <xs:enumeration value="{v}"/>' for v in values)
    lines += ["  </xs:restriction>", "</xs:simpleType>"]
    return lines


def _message_id() -> list[str]:
    eui = "[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}"
    return [
        "<!-- RequestID / ResponseID: originator EUI-64 : target EUI-64 : counter",
        "     (0 .. 2^64-1, no leading zeros). xs:token: outer whitespace is dropped. -->",
        '<xs:simpleType name="MessageId">',
        '  <xs:restriction base="xs:token">',
        f'    <xs:pattern value="{eui}:{eui}:({uint_pattern(MAX_COUNTER)})"/>',
        "  </xs:restriction>",
        "</xs:simpleType>",
    ]


def _service_references() -> list[str]:
    return _enumeration(
        "ServiceReferenceCode",
        "xs:string",
        catalogue.service_references(),
        "ServiceReference: every SR of the catalogue, then those with no SRV",
    )


def _srvs() -> list[str]:
    return _enumeration(
        "SrvCode",
        "xs:string",
        (row.srv for row in catalogue.all_srvs()),
        "ServiceReferenceVariant: the catalogue's SRVs in DUIS order",
    )


def _request_bodies() -> list[str]:
    lines = ["<!-- one element per SRV (catalogue order), then SignedPreCommand -->"]
    for row in catalogue.all_srvs():
        kind = COVERED_REQUEST_BODIES.get(row.body, "sr:UncheckedContent")
        lines.append(f'<xs:element name="{row.body}" type="{kind}"/>')
    name, kind = _SIGNED_PRE_COMMAND
    lines.append(f'<xs:element name="{name}" type="{kind}"/>')
    return lines


def _response_codes() -> list[str]:
    return _enumeration(
        "ResponseCodeValue",
        "xs:string",
        (code for code, _ in response_codes()),
        "ResponseCode: duis/data/response_codes.json",
    )


def _dcc_alert_codes() -> list[str]:
    return _enumeration(
        "DccAlertCodeValue",
        "xs:string",
        (code for code, _ in alert_codes()["dcc_alert_codes"]),
        "DCCAlertCode: duis/data/alert_codes.json",
    )


def _future_dated_alert_codes() -> list[str]:
    return _enumeration(
        "FutureDatedAlertCodeValue",
        "xs:hexBinary",
        (code for code, _ in alert_codes()["future_dated_alert_codes"]),
        "FutureDatedAlertCode: duis/data/alert_codes.json",
    )


def _smets_data() -> list[str]:
    lines = ["<!-- one ...Rsp per SRV with an MMC answer (catalogue order), then MMC-only -->"]
    seen: dict[str, None] = {}
    for row in catalogue.all_srvs():
        if row.mmc_response:
            seen.setdefault(row.mmc_response, None)
    for extra in MMC_ONLY_RSP:
        seen.setdefault(extra, None)
    for name in seen:
        kind = COVERED_SMETS_RSP.get(name, "ra:UncheckedContent")
        lines.append(f'<xs:element name="{name}" type="{kind}"/>')
    return lines


def _ra(lines: list[str]) -> list[str]:
    return [line.replace('"sr:', '"ra:') for line in lines]


_REGIONS: dict[str, dict[str, Callable[[], list[str]]]] = {
    "duis.xsd": {
        "message-id": _message_id,
        "service-references": _service_references,
        "srvs": _srvs,
        "response-codes": _response_codes,
        "dcc-alert-codes": _dcc_alert_codes,
        "future-dated-alert-codes": _future_dated_alert_codes,
        "request-bodies": _request_bodies,
    },
    "mmc.xsd": {
        "service-references": lambda: _ra(_service_references()),
        "srvs": lambda: _ra(_srvs()),
        "smets-data": _smets_data,
    },
}


def render(file_name: str, text: str) -> str:
    """``text`` (the schema file ``file_name``) with every generated region rewritten.

    Raises :class:`SchemaError` when a region the generator owns is missing or one it
    does not know is present, so a hand edit that breaks a marker is caught at once.
    """
    builders = _REGIONS[file_name]
    found: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group("name")
        indent = match.group("indent")
        if name not in builders:
            raise SchemaError(f"unknown generated region {name!r}", source=file_name)
        found.append(name)
        body = "".join(f"{indent}{line}\n" for line in builders[name]())
        return (
            f"{indent}<!-- generated:begin {name} -->\n{body}{indent}<!-- generated:end {name} -->"
        )

    out = _MARKER.sub(fill, text)
    missing = sorted(set(builders) - set(found))
    if missing:
        raise SchemaError(
            f"generated region(s) missing: {', '.join(missing)}; restore the "
            "'<!-- generated:begin NAME -->' / '<!-- generated:end NAME -->' markers",
            source=file_name,
        )
    return out


def stale(folder: Path | None = None) -> list[Path]:
    """The maintained schema files whose generated regions are out of date."""
    folder = folder or schema_dir()
    result = []
    for name in SCHEMA_FILES:
        path = folder / name
        text = path.read_text("utf-8")
        if render(name, text) != text:
            result.append(path)
    return result


def regenerate(folder: Path | None = None) -> list[Path]:
    """Rewrite the generated regions in place; return the files that changed."""
    folder = folder or schema_dir()
    changed = []
    for name in SCHEMA_FILES:
        path = folder / name
        text = path.read_text("utf-8")
        new = render(name, text)
        if new != text:
            atomic_write(path, new.encode("utf-8"))
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args == ["--check"]:
            out_of_date = stale()
            for path in out_of_date:
                print(f"{path}: generated regions are stale; run python -m tools.schemagen")
            return 1 if out_of_date else 0
        if args:
            print("usage: python -m tools.schemagen [--check]", file=sys.stderr)
            return 2
        for path in regenerate():
            print(f"rewrote {path}")
    except (SchemaError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
