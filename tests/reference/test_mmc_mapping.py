"""The catalogue's SRV -> MMC ...Rsp mapping, proved against DCC's official MMC 5.4 XSD.

Read, never copied: the test walks the SMETSData choice of the official schema and,
for each element, finds the SRV it answers from the ``SR x.y.z`` comment DCC wrote in
its type (falling back to the request body's name where the comment is missing or
names no SRV).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

import mmc
from duis import catalogue

XS = {"xs": "http://www.w3.org/2001/XMLSchema"}
_SR_COMMENT = re.compile(r"\bSR\s*([0-9]+(?:\.[0-9]+)*)")


def _official_choice(folder: Path) -> dict[str, set[str]]:
    tree = etree.parse(str(folder / "MMC Schema V5.4.xsd"))
    types = {ct.get("name"): ct for ct in tree.xpath("/xs:schema/xs:complexType", namespaces=XS)}
    choice = tree.xpath(
        "//xs:complexType[@name='ResponsePayload']//xs:element[@name='SMETSData']"
        "/xs:complexType/xs:choice/xs:element",
        namespaces=XS,
    )
    found: dict[str, set[str]] = {}
    for el in choice:
        ct = types[el.get("type").split(":")[-1]]
        srvs = {
            s
            for c in ct.iter(etree.Comment)
            for s in _SR_COMMENT.findall(c.text or "")
            if catalogue.get(s) is not None
        }
        if not srvs:
            srvs = {r.srv for r in catalogue.all_srvs() if f"{r.body}Rsp" == el.get("name")}
        found[el.get("name")] = srvs
    return found


def test_every_official_rsp_element_is_mapped_correctly(official_54: Path) -> None:
    official = _official_choice(official_54)
    assert len(official) > 100
    for name, srvs in official.items():
        assert srvs, f"{name}: no SRV found for it in the official schema"
        for srv in srvs:
            assert mmc.expected_element(srv) == name, (srv, name)


def test_no_srv_is_mapped_to_an_element_mmc_lacks(official_54: Path) -> None:
    official = _official_choice(official_54)
    mapped = {r.srv: r.mmc_response for r in catalogue.all_srvs() if r.mmc_response}
    for srv, name in mapped.items():
        assert name in official, (srv, name)
        assert srv in official[name], (srv, name, official[name])
