"""Which XSD judges a message: the embedded schemas or DCC's official bundles.

The project ships its own schemas (``schemas/``) as the default judge. A user with DCC's
published bundles registers their folders (``--schema-dir``, ``DUIS_SCHEMA_DIR``, or
:class:`SchemaRegistry`); the version is read from the file name
(``DUIS Schema V5.4.xsd``) and each message is judged by the bundle matching its
``schemaVersion``. Every schema is compiled once per process: compiling DUIS 5.4 costs
milliseconds with lxml, validating a message microseconds.

libxml2 silently fails to follow ``schemaLocation="MMC Schema V5.4.xsd"`` (the spaces),
which surfaces much later as "QName ... does not resolve"; the official entry file is
therefore loaded as a tree and its import locations are percent-encoded first.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Union
from urllib.parse import quote

from lxml import etree

from duis._exceptions import SchemaError
from duis._xsdlexical import bad_base64, base64_elements
from duis.namespaces import PREFIXES
from duis.namespaces import XS as _XS
from duis.report import Report
from duis.versions import NEWEST, to_decimal
from duis.xml import sourceline

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "EMBEDDED_NAME",
    "ENV_VAR",
    "RegistryLike",
    "SchemaBundle",
    "SchemaRegistry",
    "as_registry",
    "default_registry",
    "embedded_dir",
    "env_schema_dirs",
    "registry_for",
]

#: Folders of official bundles used when no settings name any (``os.pathsep`` list).
ENV_VAR = "DUIS_SCHEMA_DIR"

EMBEDDED_NAME = "embedded"
_ENTRY = re.compile(r"^DUIS Schema V(?P<version>\d+\.\d+[A-Za-z]?)\.xsd$", re.IGNORECASE)
_NAMESPACES = PREFIXES


@lru_cache(maxsize=1)
def _message_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The rewrites of libxml2's messages, compiled at the first XSD error, not at import
    (a valid message never needs them)."""
    return (
        re.compile(r"\{(" + "|".join(re.escape(n) for n in _NAMESPACES) + r")\}"),
        re.compile(r"(pattern ')([^']{60})[^']+(')"),
        re.compile(r"set \{((?:'[^']*', ){8,}'[^']*')\}"),
    )


def _shorten_set(match: re.Match[str]) -> str:
    values = match.group(1).split(", ")
    return "set {" + ", ".join(values[:6]) + f", ... ({len(values)} values)}}"


def embedded_dir() -> Path:
    """Where the project's own XSDs are: inside the wheel, or ``schemas/`` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_embedded_schemas", here.parent / "schemas"):
        if (candidate / "duis.xsd").is_file():
            return candidate
    raise SchemaError(
        "the embedded schemas are missing from this installation (looked in "
        f"{here / '_embedded_schemas'} and {here.parent / 'schemas'}); reinstall duis"
    )


@dataclass(frozen=True)
class SchemaBundle:
    """One loadable schema: an official DCC bundle or the embedded set."""

    name: str
    version: str
    entry: Path
    official: bool
    #: Local names of elements the schema accepts without checking their content.
    unchecked: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def decimal_version(self) -> Decimal:
        value = to_decimal(re.sub(r"[A-Za-z]+$", "", self.version))
        assert value is not None
        return value

    @cached_property
    def base64_names(self) -> frozenset[str]:
        """Elements the bundle types base64Binary (see :mod:`duis._xsdlexical`)."""
        return base64_elements(self.entry.parent)

    def compiled(self) -> etree.XMLSchema:
        """The lxml schema, compiled on first use and then shared by the process."""
        return _compile(self)

    def validate(self, tree: etree._ElementTree, report: Report) -> bool:
        """Add one ``xsd`` message per schema error to ``report``; True when valid."""
        schema = self.compiled()
        if schema.validate(tree):
            # libxml2 skips non-base64 characters in base64Binary values; DCC does not.
            bad = bad_base64(tree, self.base64_names)
            for el, text in bad:
                report.emit("xsd", _readable(text), line=sourceline(el), path=tree.getpath(el))
            return not bad
        for entry in schema.error_log:  # type: ignore[attr-defined]
            report.emit(
                "xsd",
                _readable(entry.message),
                line=entry.line or None,
                column=entry.column or None,
                path=entry.path or None,
            )
        return False


def _readable(message: str) -> str:
    ns_in_text, long_pattern, long_set = _message_patterns()
    text = ns_in_text.sub(lambda m: _NAMESPACES[m.group(1)] + ":", message)
    text = long_pattern.sub(lambda m: m.group(1) + m.group(2) + "..." + m.group(3), text)
    text = long_set.sub(_shorten_set, text)
    return text.rstrip(".") + "."


_compile_lock = threading.Lock()
# Keyed by the entry file's path: a schema is compiled once per process (the hot path
# must not even stat the file again).
_compiled: dict[Path, etree.XMLSchema] = {}


def _compile(bundle: SchemaBundle) -> etree.XMLSchema:
    found = _compiled.get(bundle.entry)
    if found is not None:
        return found
    with _compile_lock:
        found = _compiled.get(bundle.entry)
        if found is None:
            if not bundle.entry.is_file():
                raise SchemaError("schema file is missing", source=str(bundle.entry))
            found = _load_xsd(bundle.entry)
            _compiled[bundle.entry] = found
    return found


def _load_xsd(entry: Path) -> etree.XMLSchema:
    # Schemas are files the user chose to trust, but they are still read without
    # network access; DCC's xmldsig import carries an internal DTD subset, which
    # libxml2 handles itself when it follows the import.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        doc = etree.parse(str(entry), parser)
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchemaError(f"cannot parse schema: {exc}", source=str(entry)) from None
    for node in doc.getroot().iter(f"{{{_XS}}}import", f"{{{_XS}}}include"):
        location = node.get("schemaLocation")
        if location and " " in location:
            node.set("schemaLocation", quote(location))
    try:
        return etree.XMLSchema(doc)
    except etree.XMLSchemaParseError as exc:
        raise SchemaError(
            f"schema does not compile: {_readable(str(exc))} (is the folder a complete "
            "DCC bundle: DUIS, MMC and xmldsig-core XSDs side by side?)",
            source=str(entry),
        ) from None


def _unchecked_names(folder: Path) -> frozenset[str]:
    names: set[str] = set()
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    for xsd in sorted(folder.glob("*.xsd")):
        try:
            root = etree.parse(str(xsd), parser).getroot()
        except (OSError, etree.XMLSyntaxError) as exc:
            raise SchemaError(f"cannot parse schema: {exc}", source=str(xsd)) from None
        for el in root.iter(f"{{{_XS}}}element"):
            type_name = el.get("type", "")
            name = el.get("name")
            if name and type_name.rsplit(":", 1)[-1] == "UncheckedContent":
                names.add(name)
    return frozenset(names)


def _bundles_in(folder: Path) -> list[SchemaBundle]:
    try:
        entries = sorted(p for p in folder.iterdir() if _ENTRY.match(p.name))
    except FileNotFoundError:
        raise SchemaError("schema folder does not exist", source=str(folder)) from None
    except NotADirectoryError:
        raise SchemaError(
            "is not a folder; give the folder holding the XSDs", source=str(folder)
        ) from None
    except OSError as exc:
        raise SchemaError(
            f"cannot read schema folder: {exc.strerror or exc}", source=str(folder)
        ) from None
    bundles = []
    for entry in entries:
        match = _ENTRY.match(entry.name)
        assert match is not None
        version = match.group("version")
        bundles.append(SchemaBundle(f"DCC DUIS {version}", version, entry, official=True))
    return bundles


class SchemaRegistry:
    """The schemas available to a validation run, and the rule that picks one.

    With no official bundle registered the embedded schema judges everything. With one,
    it judges every message (DUIS 5.x bodies are stable; a differing ``schemaVersion`` is
    noted). With several, the bundle whose version equals the message's judges it, and a
    message no bundle matches is an error naming the versions there are.
    """

    def __init__(
        self, schema_dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = ()
    ) -> None:
        """Register ``schema_dirs``: one folder or several (a string is one path)."""
        self._official: list[SchemaBundle] = []
        self._embedded: SchemaBundle | None = None
        for d in _as_dirs(schema_dirs):
            self.add_dir(d)

    def add_dir(self, folder: str | os.PathLike[str]) -> list[SchemaBundle]:
        """Register DCC's XSDs in ``folder`` (or in its immediate sub-folders).

        Compiles each new bundle at once so a broken folder fails here, with its
        name, rather than half-way through a run.
        """
        path = Path(folder)
        found = _bundles_in(path)
        if not found and path.is_dir():
            for sub in sorted(p for p in path.iterdir() if p.is_dir()):
                found.extend(_bundles_in(sub))
        if not found:
            raise SchemaError(
                "no DCC schema bundle here: expected a file named like "
                "'DUIS Schema V5.4.xsd' beside its MMC and xmldsig-core XSDs",
                source=str(path),
            )
        added = []
        for bundle in found:
            if any(b.entry.resolve() == bundle.entry.resolve() for b in self._official):
                continue
            bundle.compiled()
            self._official.append(bundle)
            added.append(bundle)
        self._official.sort(key=lambda b: (b.decimal_version, b.version))
        return added

    @property
    def official(self) -> tuple[SchemaBundle, ...]:
        return tuple(self._official)

    def embedded(self) -> SchemaBundle:
        if self._embedded is None:
            folder = embedded_dir()
            self._embedded = SchemaBundle(
                EMBEDDED_NAME,
                NEWEST,
                folder / "duis.xsd",
                official=False,
                unchecked=_unchecked_names(folder),
            )
        return self._embedded

    def __iter__(self) -> Iterator[SchemaBundle]:
        return iter(self._official or [self.embedded()])

    def select(self, schema_version: str | None) -> tuple[SchemaBundle | None, str | None]:
        """The bundle for a message, or None and the reason none fits."""
        if not self._official:
            return self.embedded(), None
        if len(self._official) == 1:
            return self._official[0], None
        wanted = to_decimal(schema_version) if schema_version is not None else None
        if wanted is not None:
            matches = [b for b in self._official if b.decimal_version == wanted]
            if matches:
                return matches[-1], None
        have = ", ".join(b.version for b in self._official)
        return None, (
            f"no registered schema bundle is for schemaVersion {schema_version!r} "
            f"(registered: {have}); register the matching DCC bundle with --schema-dir"
        )


#: What every ``schemas=`` parameter accepts: a registry, or a folder or folders of
#: DCC bundles (a string is one path).
RegistryLike = Union[
    SchemaRegistry, str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]]
]


def _as_dirs(value: object) -> tuple[Path, ...]:
    if isinstance(value, (str, os.PathLike)):
        return (Path(value),)
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        out = []
        for item in value:
            if not isinstance(item, (str, os.PathLike)):
                raise SchemaError(f"schema folder must be a path, not {item!r}")
            out.append(Path(item))
        return tuple(out)
    raise SchemaError(f"schema folders must be a path or paths, not {value!r}")


_cache_lock = threading.Lock()
_registries: dict[tuple[str, ...], SchemaRegistry] = {}


def registry_for(schema_dirs: Iterable[str | os.PathLike[str]] = ()) -> SchemaRegistry:
    """The registry for these folders, built once per process (none: :func:`default_registry`).

    Registering a folder scans and compiles it, so every entry point with the same
    folders shares one registry rather than paying that per message.
    """
    dirs = _as_dirs(schema_dirs)
    if not dirs:
        return default_registry()
    key = tuple(str(d.resolve()) for d in dirs)
    found = _registries.get(key)
    if found is None:
        with _cache_lock:
            found = _registries.get(key)
            if found is None:
                found = SchemaRegistry(dirs)
                _registries[key] = found
    return found


def as_registry(schemas: RegistryLike | None) -> SchemaRegistry:
    """A registry from whatever a ``schemas=`` parameter was given (None: the default)."""
    if schemas is None:
        return default_registry()
    if isinstance(schemas, SchemaRegistry):
        return schemas
    return registry_for(_as_dirs(schemas))


def env_schema_dirs() -> tuple[Path, ...]:
    """The folders ``$DUIS_SCHEMA_DIR`` names (``os.pathsep``-separated)."""
    return tuple(Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d)


_default_lock = threading.Lock()
_default: dict[tuple[Path, ...], SchemaRegistry] = {}


def default_registry() -> SchemaRegistry:
    """The registry used when none is given: embedded, plus ``$DUIS_SCHEMA_DIR`` folders."""
    dirs = env_schema_dirs()
    registry = _default.get(dirs)
    if registry is None:
        with _default_lock:
            registry = _default.get(dirs)
            if registry is None:
                registry = SchemaRegistry(dirs)
                _default[dirs] = registry
    return registry
