"""The SRV catalogue: every Service Reference Variant and its facts, from one table.

``duis/data/catalogue.json`` is the single source of truth: the embedded schema, the
rules, the docs and ``duis srv`` all read it. It was written from the DUIS facts
(names, SR, body elements, CommandVariants, eligible roles, MMC response elements);
tests under ``tests/reference/`` prove it agrees with DCC's SRV matrix and XSDs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache

from duis._data import read_json

__all__ = [
    "SRV",
    "CommandVariant",
    "UserRole",
    "all_srvs",
    "by_body",
    "extra_service_references",
    "get",
    "service_references",
]


class CommandVariant(int, enum.Enum):
    """DUIS CommandVariant; the value is the wire integer."""

    SEND_OVER_WAN = 1
    RETURN_FOR_LOCAL_DELIVERY = 2
    WAN_AND_LOCAL = 3
    TRANSFORM = 4
    SIGNED_PRECOMMAND_WAN = 5
    SIGNED_PRECOMMAND_LOCAL = 6
    SIGNED_PRECOMMAND_WAN_AND_LOCAL = 7
    NON_DEVICE = 8
    DCC_INTERNAL = 9

    @property
    def meaning(self) -> str:
        return _CV_MEANING[self.value]

    @property
    def critical(self) -> bool:
        """CVs 4-7 belong to critical requests (a Pre-Command the User signs)."""
        return 4 <= self.value <= 7

    @property
    def carries_signed_precommand(self) -> bool:
        return 5 <= self.value <= 7


_CV_MEANING = {
    1: "send the command to the device over the SM WAN",
    2: "return the command to the User for local delivery",
    3: "send over the SM WAN and return for local delivery",
    4: "transform: the DCC returns a Pre-Command for the User to sign",
    5: "signed Pre-Command, sent over the SM WAN",
    6: "signed Pre-Command, returned for local delivery",
    7: "signed Pre-Command, sent over the SM WAN and returned for local delivery",
    8: "non-device request, answered by the DCC itself",
    9: "internal to the DCC; never valid from a User",
}


class UserRole(str, enum.Enum):
    """DCC User Roles that may send Service Requests."""

    IS = "IS"
    ES = "ES"
    GS = "GS"
    ED = "ED"
    GT = "GT"
    OU = "OU"
    RSA = "RSA"

    @property
    def full_name(self) -> str:
        return _ROLE_TITLE[self.value]


_ROLE_TITLE = {
    "IS": "Import Supplier",
    "ES": "Export Supplier",
    "GS": "Gas Supplier",
    "ED": "Electricity Distributor",
    "GT": "Gas Transporter",
    "OU": "Other User",
    "RSA": "Registered Supplier Agent",
}


@dataclass(frozen=True)
class SRV:
    """One Service Reference Variant and everything DUIS says about it."""

    srv: str
    sr: str
    name: str
    body: str
    command_variants: tuple[CommandVariant, ...]
    critical: bool
    on_demand: bool
    future_dated: str | None
    dcc_scheduled: bool
    non_device: bool
    roles: tuple[UserRole, ...]
    mmc_response: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "srv": self.srv,
            "sr": self.sr,
            "name": self.name,
            "body": self.body,
            "command_variants": [cv.value for cv in self.command_variants],
            "critical": self.critical,
            "on_demand": self.on_demand,
            "future_dated": self.future_dated,
            "dcc_scheduled": self.dcc_scheduled,
            "non_device": self.non_device,
            "roles": [r.value for r in self.roles],
            "mmc_response": self.mmc_response,
        }


@lru_cache(maxsize=1)
def _load() -> tuple[tuple[SRV, ...], dict[str, str]]:
    data = read_json("duis", "data/catalogue.json")
    rows = tuple(
        SRV(
            srv=r["srv"],
            sr=r["sr"],
            name=r["name"],
            body=r["body"],
            command_variants=tuple(CommandVariant(v) for v in r["command_variants"]),
            critical=r["critical"],
            on_demand=r["on_demand"],
            future_dated=r["future_dated"],
            dcc_scheduled=r["dcc_scheduled"],
            non_device=r["non_device"],
            roles=tuple(UserRole(x) for x in r["roles"]),
            mmc_response=r["mmc_response"],
        )
        for r in data["srvs"]
    )
    return rows, dict(data["extra_service_references"])


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, SRV], dict[str, SRV]]:
    rows = _load()[0]
    return {r.srv: r for r in rows}, {r.body: r for r in rows}


def all_srvs() -> tuple[SRV, ...]:
    """All 129 SRVs in DUIS order."""
    return _load()[0]


def get(srv: str) -> SRV | None:
    """The SRV with this number (``"8.11"``), or None."""
    return _index()[0].get(srv.strip())


def by_body(body_element: str) -> SRV | None:
    """The SRV whose request body element has this local name, or None."""
    return _index()[1].get(body_element)


def extra_service_references() -> dict[str, str]:
    """ServiceReference values the XSD enumerates with no SRV, and why."""
    return _load()[1]


def service_references() -> tuple[str, ...]:
    """Every ServiceReference value the XSD allows, in DUIS order."""
    seen: dict[str, None] = {}
    for row in all_srvs():
        seen.setdefault(row.sr, None)
    for sr in extra_service_references():
        seen.setdefault(sr, None)
    return tuple(seen)
