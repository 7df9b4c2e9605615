"""duis: build, check, sign and read DCC DUIS messages."""

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
from duis.ids import EUI64, RequestID
from duis.report import Kind, Message, Report, Severity

__version__ = "0.1.0"

__all__ = [
    "EUI64",
    "SRV",
    "CommandVariant",
    "ConfigError",
    "DuisError",
    "InputError",
    "Kind",
    "MalformedXMLError",
    "Message",
    "ModelError",
    "Report",
    "RequestID",
    "SchemaError",
    "Severity",
    "UnsafeXMLError",
    "UserRole",
    "XMLError",
    "XMLLimitError",
    "__version__",
]
