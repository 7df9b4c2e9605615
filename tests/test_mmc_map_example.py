"""examples/gbcs-mmc: the MAC'd ECS17a response maps to its Rsp; values are the maker's literals."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

import mmc
from duis.model._common import RA
from mmc.payload import GBCSKeystore, decode, parse_hex, to_mmc

HERE = Path(__file__).resolve().parents[1] / "examples" / "gbcs-mmc"


def test_example_maps_both_registers() -> None:
    keys = GBCSKeystore.from_dir(HERE / "keystore")
    message = decode(parse_hex((HERE / "ECS17a_4.2_RESPONSE.HEX").read_text()), keys)
    assert message.authentication == "MAC verified"
    xml = to_mmc(message)
    assert mmc.validate(xml).valid
    rsp = etree.fromstring(xml).find(
        f"{{{RA}}}Body/{{{RA}}}ResponseMessage/{{{RA}}}SMETSData/"
        f"{{{RA}}}ReadInstantaneousExportRegistersRsp"
    )
    assert rsp is not None and rsp.get("MessageSuccess") == "true"
    # make_example.py writes double-long-unsigned 1234567 (Wh) and 89012 (varh).
    assert rsp.findtext(f"{{{RA}}}ActiveExportRegister/{{{RA}}}Value") == "1234567"
    assert rsp.findtext(f"{{{RA}}}ActiveExportRegister/{{{RA}}}ActiveEnergyUnit") == "Wh"
    assert rsp.findtext(f"{{{RA}}}ReactiveExportRegister/{{{RA}}}Value") == "89012"
    # The shipped MMC file is the current output, so the example cannot go stale.
    assert (HERE / "ECS17a_4.2_RESPONSE.mmc.xml").read_bytes() == xml
    assert mmc.validate(HERE / "ECS17a_4.2_RESPONSE.mmc.xml").valid
