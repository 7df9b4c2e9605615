"""duis: build, check, sign and read DCC DUIS messages."""

from __future__ import annotations

from duis._exceptions import (
    ConfigError,
    DuisError,
    InputError,
    MalformedXMLError,
    ModelError,
    SchemaError,
    UnsafeXMLError,
    XMLError,
    XMLLimitError,
)
from duis._lazy import lazy_exports as _lazy_exports

# Not ``typing.TYPE_CHECKING``: importing typing costs more than ``duis --help`` may.
_TYPE_CHECKING = False
if _TYPE_CHECKING:
    from duis._describe import describe
    from duis._validate import validate, validate_tree
    from duis.catalogue import SRV, CommandVariant, UserRole
    from duis.config import Config
    from duis.ids import EUI64, RequestID
    from duis.model import Request, Response, parse
    from duis.report import Kind, Message, Report, Severity
    from duis.schemas import SchemaBundle, SchemaRegistry
    from duis.tracker import Tracker

# Loaded on first use (PEP 562), so ``duis --help`` and the CLI's startup do not pay
# for lxml, the catalogue and the schemas: name -> module that defines it.
_LAZY = {
    "describe": "duis._describe",
    "SRV": "duis.catalogue",
    "CommandVariant": "duis.catalogue",
    "UserRole": "duis.catalogue",
    "Config": "duis.config",
    "EUI64": "duis.ids",
    "RequestID": "duis.ids",
    "Request": "duis.model",
    "Response": "duis.model",
    "parse": "duis.model",
    "Kind": "duis.report",
    "Message": "duis.report",
    "Report": "duis.report",
    "Severity": "duis.report",
    "SchemaBundle": "duis.schemas",
    "SchemaRegistry": "duis.schemas",
    "Tracker": "duis.tracker",
    "validate": "duis._validate",
    "validate_tree": "duis._validate",
}


__version__ = "0.1.0"

__all__ = [
    "EUI64",
    "SRV",
    "CommandVariant",
    "Config",
    "ConfigError",
    "DuisError",
    "InputError",
    "Kind",
    "MalformedXMLError",
    "Message",
    "ModelError",
    "Report",
    "Request",
    "RequestID",
    "Response",
    "SchemaBundle",
    "SchemaError",
    "SchemaRegistry",
    "Severity",
    "Tracker",
    "UnsafeXMLError",
    "UserRole",
    "XMLError",
    "XMLLimitError",
    "__version__",
    "describe",
    "parse",
    "validate",
    "validate_tree",
]

__getattr__, __dir__ = _lazy_exports("duis", _LAZY, globals(), __all__)
