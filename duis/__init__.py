"""duis: build, check, sign and read DCC DUIS messages."""

from duis._describe import describe
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
from duis.catalogue import SRV, CommandVariant, UserRole
from duis.config import Config
from duis.ids import EUI64, RequestID
from duis.model import Request, Response, parse
from duis.report import Kind, Message, Report, Severity
from duis.schemas import SchemaBundle, SchemaRegistry
from duis.tracker import Tracker
from duis.validate import validate, validate_tree

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
