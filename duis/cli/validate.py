"""``duis validate PATH...``: the verdict on files, folders or stdin, streamed.

Each file is read once (its bytes feed the parser, the rules and, with
``--keystore``, the signature check), judged with the settings nearest to it, and its
findings printed as soon as every earlier file's are out.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from lxml import etree  # loaded with duis.xml below

from duis._exceptions import ConfigError, DuisError, InputError
from duis.cli._common import (
    BatchOptions,
    batch_options,
    error_report,
    fail_setup,
    parse_at,
    registry_for,
    run_batch,
)
from duis.cli._inputs import Document, Note, Problem, expand
from duis.cli._render import FORMATS
from duis.cli._settings import Resolver
from duis.namespaces import DS, RA, SR, clark
from duis.xml import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from duis.config import Config
    from duis.ids import EUI64
    from duis.model import Request
    from duis.report import Message, Report
    from duis.rules import AlertSequences
    from signing import Keystore

__all__ = ["validate"]

_SR = SR
_RA = RA
_SIGNATURE = clark(DS, "Signature")
_GBCS_RESPONSE = f"{{{_RA}}}GBCSResponse"


@click.command()
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option(
    "--schema-dir",
    "schema_dirs",
    multiple=True,
    metavar="DIR",
    help="Folder of DCC's official XSDs (repeatable; a folder of such folders works too). "
    "Default: the embedded schemas, plus $DUIS_SCHEMA_DIR.",
)
@click.option("--role", metavar="ROLE", help="The sender's User Role, for the eligibility rule.")
@click.option(
    "--smets",
    type=click.Choice(["1", "2"]),
    help="Device generation for install-code lengths (2 means SMETS2+).",
)
@click.option("--dcc-eui", metavar="EUI", help="The DCC's EUI-64, for non-device targets.")
@click.option(
    "--select", multiple=True, metavar="RULES", help="Only these rules or families (comma list)."
)
@click.option("--ignore", multiple=True, metavar="RULES", help="Drop these rules or families.")
@click.option(
    "--severity",
    multiple=True,
    metavar="RULE=LEVEL",
    help="Re-grade a rule or family: error, warning or info.",
)
@click.option(
    "--request",
    "request_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The request the responses answer: each response is also checked against it "
    "(RequestID, ResponseID, SRV, content for the CommandVariant).",
)
@click.option(
    "--keystore",
    "keystore_dir",
    metavar="DIR",
    help="Also verify signed messages with these certificates; with --request, a signed "
    "response must then be the DCC's (correlate.signer).",
)
@click.option(
    "--at", "at_text", metavar="TIME", help="With --keystore: check certificates at this time."
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse documents larger than this.",
)
@click.option(
    "--only-duis",
    is_flag=True,
    help="Skip XML whose root is not a DUIS or MMC element (pom.xml...): noted and counted "
    "as skipped, never as valid.",
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the settings each PATH would be judged by, and exit.",
)
@batch_options(FORMATS, verbose_help="Also show notes (info findings).")
def validate(paths: tuple[str, ...], **kwargs: Any) -> None:
    """Validate DUIS requests, responses and MMC output.

    PATH is a file, a folder (walked for *.xml in any case) or - for stdin. Exit
    status: 0 all valid (warnings allowed), 1 something invalid, 2 usage or set-up
    error (missing or unreadable path, folder with no XML files, settings or schema
    folder that will not load).
    """
    opts = BatchOptions.pop(kwargs)
    if not paths and opts.files_from is None:
        raise click.UsageError("give at least one PATH (or --files-from)")
    resolver = Resolver(
        overrides={
            "role": kwargs["role"],
            "smets": kwargs["smets"],
            "dcc_eui": kwargs["dcc_eui"],
            "select": kwargs["select"],
            "ignore": kwargs["ignore"],
            "severity": kwargs["severity"],
            "schema_dirs": kwargs["schema_dirs"],
        },
        explicit=opts.config_file,
        isolated=opts.isolated,
        respect_gitignore=opts.respect_gitignore,
    )
    if kwargs["show_settings"]:
        _show_settings(resolver, paths or (".",))
        return
    max_bytes: int = kwargs["max_bytes"]
    try:
        # Settings for the current folder now: a wrong option is exit 2 before any file,
        # and the schemas compile once here, before the workers fork.
        registry_for(resolver.config_for(None))
    except ConfigError as exc:
        fail_setup(exc)
    request = _load_request(kwargs["request_file"], max_bytes) if kwargs["request_file"] else None
    checker = None
    if kwargs["keystore_dir"] is not None:
        checker = _SignatureCheck(kwargs["keystore_dir"], parse_at(kwargs["at_text"]))
    work = _Validator(resolver, max_bytes, request, checker, kwargs["only_duis"])
    items = expand(
        opts.paths(paths),
        stdin_limit=max_bytes,
        excluded=resolver.excluder,
        force_exclude=opts.force_exclude,
    )
    sys.exit(run_batch(items, work, opts, "validate"))


def _show_settings(resolver: Resolver, paths: tuple[str, ...]) -> None:
    for raw in paths:
        path = Path(raw)
        target = path / "_" if path.is_dir() else path
        try:
            config = resolver.config_for(target)
            selection = resolver.selection(raw)
        except ConfigError as exc:
            fail_setup(exc)
        source = resolver.settings_file(target.parent)
        click.echo(f"Settings for {raw}: {source if source else '(defaults: no settings file)'}")
        values = {
            "schema-dirs": [str(d) for d in config.schema_dirs] or "(embedded)",
            "role": config.role.value if config.role else None,
            "dcc-eui": str(config.dcc_eui) if config.dcc_eui else None,
            "smets": config.smets,
            "install-code-lengths": dict(config.install_code_lengths),
            "select": list(config.select) if config.select is not None else "(all)",
            "ignore": list(config.ignore),
            "severity": {k: v.value for k, v in config.severity.items()},
            "originators": {str(k): [r.value for r in v] for k, v in config.originators.items()},
            "keystore": str(config.keystore) if config.keystore else None,
            "counter-db": config.counter_db
            if config.counter_db is not None
            else "(default: $DUIS_COUNTER_DB, else the per-user store)",
            "max-bytes": config.max_bytes,
            "exclude": list(selection.exclude),
            "extend-exclude": list(selection.extend_exclude),
            "respect-gitignore": selection.respect_gitignore,
        }
        for key, value in values.items():
            click.echo(f"  {key:<22} = {value}")


def _load_request(path: Path, max_bytes: int) -> Request:
    """The --request document, or exit 2: without it no response can be matched."""
    from duis.model import Request
    from duis.model import parse as parse_message

    try:
        message = parse_message(path, max_bytes=max_bytes)
    except DuisError as exc:
        fail_setup(exc, option="--request")
    if not isinstance(message, Request):
        fail_setup(f"--request {path}: is a response, not a request")
    return message


@dataclass
class _Validator:
    """The work for one file; runs in a worker, returns only what is printed."""

    resolver: Resolver
    max_bytes: int
    request: Request | None
    checker: _SignatureCheck | None
    only_duis: bool
    #: Throttled-alert sequence ids seen so far, per process: the cross-file check is
    #: complete only when one process sees every file (--jobs 1), see docs/cli.md.
    sequences: AlertSequences = field(default_factory=lambda: _sequences())

    # The pipeline, imported once here and not at the top of the module (so `duis
    # validate --help` does not load it); three import statements per file cost 4 us.
    _read: Callable[..., tuple[bytes, str]] = field(init=False, repr=False)
    _parse: Callable[..., tuple[etree._ElementTree | Report, str]] = field(init=False, repr=False)
    _validate: Callable[..., Report] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from duis._validate import parse_or_report, validate_tree
        from duis.xml import read_input

        self._read, self._parse, self._validate = read_input, parse_or_report, validate_tree

    def __call__(self, doc: Document) -> Report | Problem | Note:
        try:
            config = self.resolver.config_for(doc.path)
        except ConfigError as exc:
            return Problem(doc.name, str(exc))
        registry = registry_for(config)
        if doc.data is not None:
            data = doc.data
        else:
            assert doc.path is not None
            try:
                # Read once: the parser, the rules and the signature check see these bytes.
                data, _ = self._read(doc.path, source=doc.name, max_bytes=self.max_bytes)
            except InputError as exc:
                return Problem(doc.name, exc.message)
            except DuisError as exc:  # too large: a finding about the file
                return error_report(doc.name, exc)
        tree, name = self._parse(data, source=doc.name, max_bytes=self.max_bytes)
        if not isinstance(tree, etree._ElementTree):
            return tree  # not well-formed or unsafe: the xml.* finding
        root = tree.getroot()
        namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
        if self.only_duis and namespace not in (_SR, _RA):
            return Note(doc.name, f"root <{root.tag}> is not DUIS or MMC; skipped (--only-duis)")
        if root.tag == _GBCS_RESPONSE:
            from mmc import validate_gbcs_tree  # only MMC output pays for loading mmc

            # MMC output: the schema, then whether its ...Rsp element is the one the SRV
            # (from --request, else the output's own header) produces.
            return validate_gbcs_tree(
                tree,
                srv=self.request.srv if self.request is not None else None,
                schemas=registry,
                config=config,
                source=name,
            )
        signer: EUI64 | None = None
        findings: list[Message] = []
        if self.checker is not None and root.find(_SIGNATURE) is not None:
            try:
                signer, findings = self.checker.check(data, name, config)
            except InputError as exc:
                return Problem(doc.name, exc.message)
        report = self._validate(
            tree,
            schemas=registry,
            config=config,
            source=name,
            request=self.request,
            signer=signer,
            sequences=self.sequences,
        )
        for message in findings:
            graded = config.grade(message)
            if graded is not None:
                report.messages.append(graded)
        return report


def _sequences() -> AlertSequences:
    from duis.rules import AlertSequences

    return AlertSequences()


class _SignatureCheck:
    """``--keystore``: verify a signed message, so its signer is known, not assumed."""

    def __init__(self, folder: str, at: datetime | None) -> None:
        from duis.cli._common import load_keystore

        self.keystore: Keystore = load_keystore(folder)
        self.at = at

    def check(self, data: bytes, name: str, config: Config) -> tuple[EUI64 | None, list[Message]]:
        """The verified signer's EUI-64, or None and the finding that says why not."""
        from duis.report import Message, Severity
        from signing import verify as verify_message

        try:
            result = verify_message(
                data,
                self.keystore,
                at=self.at,
                require_signature=False,
                dcc_eui=config.dcc_eui,
                source=name,
            )
        except InputError:
            raise
        except DuisError as exc:
            return None, [Message(Severity.ERROR, exc.rule, exc.message, exc.line)]
        if result.signer is None or result.signer.eui is None:
            return None, []
        notes = [Message(Severity.INFO, "signature.valid", f"signed by {result.signer.describe()}")]
        return result.signer.eui, notes
