"""The library's exceptions: what stops work, as opposed to findings in a Report.

Every exception the library raises on purpose derives from :class:`DuisError`, so a
caller (and the CLI) can catch one type and still show the user something precise::

    DuisError
    ├── InputError            the input could not be read (missing file, I/O error)
    ├── XMLError              the bytes are not a safe, well-formed XML document
    │   ├── MalformedXMLError     not well-formed                  [xml.malformed]
    │   ├── UnsafeXMLError        DOCTYPE, entities, XInclude       [xml.unsafe]
    │   └── XMLLimitError         over the size or depth limit      [xml.too-large]
    ├── SchemaError           a schema (embedded or a DCC bundle) will not load
    ├── ConfigError           a configuration file or option is wrong
    ├── ModelError            well-formed XML that is not the DUIS message expected
    └── (signing and mmc add their own subclasses)

Each carries ``source`` (file name or ``<stdin>``/``<bytes>``) and, where known, the
``line`` and ``column``, so the CLI can print ``path:line:col: error: ...`` without
ever showing a traceback.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DuisError",
    "InputError",
    "MalformedXMLError",
    "ModelError",
    "SchemaError",
    "UnsafeXMLError",
    "XMLError",
    "XMLLimitError",
]


class DuisError(Exception):
    """Base of every error this library raises deliberately."""

    #: Stable rule id used when the error is turned into a report message.
    rule: str = "error"

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.message}"


class InputError(DuisError):
    """The input could not be read at all."""

    rule = "input.unreadable"


class XMLError(DuisError):
    """The input is not a document this library is willing to work on."""

    rule = "xml.malformed"


class MalformedXMLError(XMLError):
    """The input is not well-formed XML."""

    rule = "xml.malformed"


class UnsafeXMLError(XMLError):
    """The input uses a construct that could read files, reach the network or explode."""

    rule = "xml.unsafe"


class XMLLimitError(XMLError):
    """The input is larger or deeper than the configured limit."""

    rule = "xml.too-large"


class SchemaError(DuisError):
    """A schema could not be found, read or compiled."""

    rule = "schema.unloadable"


class ConfigError(DuisError):
    """A configuration file or option is invalid."""

    rule = "config.invalid"


class ModelError(DuisError):
    """Well-formed XML that cannot be read as the DUIS message asked for."""

    rule = "model.invalid"
