"""Response codes and alert codes (DUIS header data) with their category and meaning.

A User system branches on these codes (retry, give up, wake someone), so each one is a
value with a category and a meaning a person can read. The code lists come from the
DUIS schema (``duis/data/*_codes.json``); the meanings live beside this module
(``duis/data/code_meanings.json``). Where that file has no wording, the meaning is
built from what the code itself says: ``E081101`` is an error specific to Service
Reference 8.11, and the catalogue names it. Every meaning says where it came from
(:attr:`Code.basis`) so nobody mistakes a structural description for DUIS text.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

from duis import catalogue
from duis._data import read_json

__all__ = [
    "Basis",
    "Category",
    "Code",
    "alert_code",
    "dcc_alert_codes",
    "device_alert_code",
    "future_dated_alert_codes",
    "response_code",
    "response_codes",
]


class Category(str, enum.Enum):
    """How DUIS groups a code; the value is the letter(s) it is written with."""

    INFORMATION = "I"
    WARNING = "W"
    ERROR = "E"
    #: A DCC alert notification (``N1``..``N999``).
    NOTIFICATION = "N"
    #: The DCC alert about a device (``AD1``).
    DCC_DEVICE_ALERT = "AD"
    #: A GBCS device alert code (hex, e.g. ``8F66``).
    DEVICE_ALERT = "D"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Category.INFORMATION: "success / information",
    Category.WARNING: "warning",
    Category.ERROR: "error",
    Category.NOTIFICATION: "DCC notification",
    Category.DCC_DEVICE_ALERT: "DCC alert about a device",
    Category.DEVICE_ALERT: "device alert",
}


class Basis(str, enum.Enum):
    """Where a meaning comes from."""

    #: This project's wording of what DUIS (or MMC) says about the code.
    STATED = "stated"
    #: Built from the code's structure and the SRV catalogue.
    STRUCTURE = "structure"
    #: DUIS defines the code but this project has not recorded its wording.
    NOT_RECORDED = "not-recorded"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Code:
    """One response or alert code."""

    code: str
    category: Category
    meaning: str
    basis: Basis
    #: For ``Essvvnn``/``Wssvvnn`` codes: the Service Reference they belong to.
    service_reference: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "category": self.category.value,
            "meaning": self.meaning,
            "basis": self.basis.value,
            "service_reference": self.service_reference,
        }


_SR_SPECIFIC = re.compile(r"(?P<letter>[EW])(?P<ss>\d\d)(?P<vv>\d\d)(?P<nn>\d\d)")


@lru_cache(maxsize=1)
def _meanings() -> dict[str, dict[str, str]]:
    data = read_json("duis", "data/code_meanings.json")
    return {k: dict(v) for k, v in data.items() if isinstance(v, dict)}


def _sr_title(sr: str) -> str:
    rows = [r for r in catalogue.all_srvs() if r.sr == sr]
    if not rows:
        return f"Service Reference {sr}"
    if len(rows) == 1:
        return f"Service Reference {sr} ({rows[0].name})"
    return f"Service Reference {sr} (SRVs {', '.join(r.srv for r in rows)})"


def _build(code: str, category: Category, stated: dict[str, str], what: str) -> Code:
    text = stated.get(code)
    if text:
        return Code(code, category, text, Basis.STATED)
    match = _SR_SPECIFIC.fullmatch(code)
    if match is not None:
        sr = f"{int(match['ss'])}.{int(match['vv'])}"
        kind = "error" if match["letter"] == "E" else "warning"
        return Code(
            code,
            category,
            f"{kind} {match['nn']} specific to {_sr_title(sr)}; DUIS lists the reason under "
            "that Service Reference",
            Basis.STRUCTURE,
            sr,
        )
    return Code(
        code,
        category,
        f"{category.label} {what} {code}; its DUIS wording is not recorded in this project",
        Basis.NOT_RECORDED,
    )


@lru_cache(maxsize=1)
def _response_codes() -> dict[str, Code]:
    data = read_json("duis", "data/response_codes.json")
    stated = _meanings().get("response_codes", {})
    return {
        row["code"]: _build(row["code"], Category(row["category"]), stated, "response code")
        for row in data["codes"]
    }


@lru_cache(maxsize=1)
def _alert_codes() -> tuple[dict[str, Code], dict[str, Code]]:
    data = read_json("duis", "data/alert_codes.json")
    meanings = _meanings()
    dcc = {
        row["code"]: _build(
            row["code"], Category(row["category"]), meanings.get("dcc_alert_codes", {}), "alert"
        )
        for row in data["dcc_alert_codes"]
    }
    future = {
        row["code"].upper(): _build(
            row["code"].upper(),
            Category(row["category"]),
            meanings.get("future_dated_alert_codes", {}),
            "alert",
        )
        for row in data["future_dated_alert_codes"]
    }
    return dcc, future


def response_codes() -> tuple[Code, ...]:
    """Every ResponseCode of the newest DUIS version, in DUIS order."""
    return tuple(_response_codes().values())


def response_code(code: str) -> Code | None:
    """The ResponseCode ``code`` (``"E081101"``), or None when DUIS has no such code."""
    return _response_codes().get(code.strip())


def dcc_alert_codes() -> tuple[Code, ...]:
    """Every DCCAlertCode (``AD1``, ``N1``..), in DUIS order."""
    return tuple(_alert_codes()[0].values())


def future_dated_alert_codes() -> tuple[Code, ...]:
    """The device alert codes a FutureDatedDeviceAlertMessage may carry."""
    return tuple(_alert_codes()[1].values())


def device_alert_code(code: str) -> Code:
    """A GBCS device alert code (hex, either case, optional ``0x``).

    Device alert codes are GBCS's, not DUIS's: any four hex digits may arrive. Those
    whose meaning MMC states are described; the rest are named as unknown here.
    """
    hex_code = code.strip().upper().removeprefix("0X")
    future = _alert_codes()[1].get(hex_code)
    if future is not None:
        return future
    stated = _meanings().get("device_alerts", {})
    if hex_code in stated:
        return Code(hex_code, Category.DEVICE_ALERT, stated[hex_code], Basis.STATED)
    return Code(
        hex_code,
        Category.DEVICE_ALERT,
        f"GBCS device alert 0x{hex_code}; GBCS's alert table gives its meaning (not recorded "
        "in this project)",
        Basis.NOT_RECORDED,
    )


def alert_code(code: str) -> Code | None:
    """A DCC alert code, or a device alert code when ``code`` is four hex digits."""
    text = code.strip()
    found = _alert_codes()[0].get(text)
    if found is not None:
        return found
    if re.fullmatch(r"(0[xX])?[0-9A-Fa-f]{4}", text):
        return device_alert_code(text)
    return None
