"""The SRV catalogue's own invariants, and its agreement with the embedded schema."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from duis import catalogue
from duis.catalogue import CommandVariant, UserRole
from duis.xml import parse

XS = "{http://www.w3.org/2001/XMLSchema}"
EMBEDDED = Path(__file__).resolve().parents[1] / "schemas" / "duis.xsd"


def test_129_srvs_unique_numbers_and_bodies() -> None:
    rows = catalogue.all_srvs()
    assert len(rows) == 129
    assert len({r.srv for r in rows}) == 129
    assert len({r.body for r in rows}) == 129
    assert "SignedPreCommand" not in {r.body for r in rows}


def test_sr_is_the_srv_without_its_third_part() -> None:
    for r in catalogue.all_srvs():
        parts = r.srv.split(".")
        assert r.sr == (".".join(parts[:2]) if len(parts) == 3 else r.srv), r.srv
    assert len(catalogue.service_references()) == 95


def test_command_variants_follow_the_srv_class() -> None:
    special = {"8.1.1": (4, 5), "8.5": (1,)}
    for r in catalogue.all_srvs():
        cvs = tuple(cv.value for cv in r.command_variants)
        if r.srv in special:
            assert cvs == special[r.srv]
        elif r.non_device:
            assert cvs == (8,), r.srv
        elif r.critical:
            assert cvs == (4, 5, 6, 7), r.srv
        else:
            assert cvs == (1, 2, 3), r.srv
        assert CommandVariant.DCC_INTERNAL not in r.command_variants


def test_lookups() -> None:
    row = catalogue.get(" 8.11 ")
    assert row is not None and row.name == "Update HAN Device Log"
    assert row.roles == (UserRole.IS, UserRole.GS, UserRole.OU)
    assert catalogue.by_body("UpdateHANDeviceLog") is row
    assert catalogue.get("8.99") is None and catalogue.by_body("Nope") is None
    assert row.to_json()["command_variants"] == [1, 2, 3]


def test_rows_without_roles_are_the_known_three() -> None:
    assert {r.srv for r in catalogue.all_srvs() if not r.roles} == {"7.16", "8.5", "8.6"}


def _embedded() -> etree._ElementTree:
    # A missing embedded schema is a broken checkout or package, not an optional extra.
    assert EMBEDDED.is_file(), f"embedded schema missing: {EMBEDDED}"
    return parse(EMBEDDED)


def _enumeration_of(root: etree._Element, element: str) -> list[str | None]:
    """The values of the simple type the schema gives ``element`` (whatever its name)."""
    types = {
        el.get("type", "").split(":")[-1]
        for el in root.iter(f"{XS}element")
        if el.get("name") == element
    }
    found = [st for st in root.iter(f"{XS}simpleType") if st.get("name") in types]
    assert len(found) == 1, (element, types)
    return [e.get("value") for e in found[0].iter(f"{XS}enumeration")]


def test_embedded_schema_srv_enumeration_is_the_catalogue() -> None:
    root = _embedded().getroot()
    srvs = _enumeration_of(root, "ServiceReferenceVariant")
    assert srvs == [r.srv for r in catalogue.all_srvs()]
    srs = _enumeration_of(root, "ServiceReference")
    assert set(srs) == set(catalogue.service_references())


def test_embedded_schema_body_choice_is_the_catalogue() -> None:
    root = _embedded().getroot()
    bodies = [
        el
        for el in root.iter(f"{XS}element")
        if el.get("name") == "Body" and el.find(f".//{XS}choice") is not None
    ]
    assert bodies, "no Body choice in the embedded schema"
    choice = bodies[0].find(f".//{XS}choice")
    assert choice is not None
    names = {
        e.get("name") or (e.get("ref") or "").split(":")[-1] for e in choice.iter(f"{XS}element")
    }
    assert names == {r.body for r in catalogue.all_srvs()} | {"SignedPreCommand"}
