"""mmc: what comes back from the DCC, read and checked.

MMC output (``ra:GBCSResponse``, a device's GBCS response decoded into XML) and the SRV
to ``...Rsp`` element mappings. The catalogue of DUIS response and alert codes is DUIS
header data and lives in :mod:`duis.codes`; it is re-exported here for convenience.
Builds on :mod:`duis` (safe parser, catalogue, schemas); ``duis`` itself never imports
this package.
"""

from duis.codes import (
    Basis,
    Category,
    Code,
    alert_code,
    dcc_alert_codes,
    device_alert_code,
    future_dated_alert_codes,
    response_code,
    response_codes,
)
from duis.kinds import GBCS_RESPONSE
from mmc._document import GBCSData, GBCSResponse, MMCBodyKind, parse
from mmc._mapping import RULES, check_response_element, expected_element, srvs_for_element
from mmc._summary import describe
from mmc._validate import validate, validate_gbcs_tree

__all__ = [
    "GBCS_RESPONSE",
    "RULES",
    "Basis",
    "Category",
    "Code",
    "GBCSData",
    "GBCSResponse",
    "MMCBodyKind",
    "alert_code",
    "check_response_element",
    "dcc_alert_codes",
    "describe",
    "device_alert_code",
    "expected_element",
    "future_dated_alert_codes",
    "parse",
    "response_code",
    "response_codes",
    "srvs_for_element",
    "validate",
    "validate_gbcs_tree",
]
