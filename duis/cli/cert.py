"""``duis cert show`` and ``duis cert make-test-pki``: SMKI certificates at a glance.

``show`` answers the questions signing failures raise (whose EUI, which role,
still valid?) without openssl; ``make-test-pki`` makes SMKI-shaped test credentials.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from duis._exceptions import DuisError
from duis.cli._common import fail_setup, parse_at
from duis.ids import EUI64
from signing import (
    DIGITAL_SIGNING_ROLES,
    Keystore,
    OrgCertificate,
    RemotePartyRole,
    load_certificates,
    make_test_pki,
)
from signing._certs import utc_text

__all__ = ["cert"]


@click.group()
def cert() -> None:
    """Show SMKI organisation certificates; make a test PKI."""


@cert.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE|DIR...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--at", "at_text", metavar="TIME", help="Say whether valid at this time.")
def show(files: tuple[str, ...], fmt: str, at_text: str | None) -> None:
    """Show each certificate's EUI-64, role, use, key usage, policies and validity.

    FILE is PEM (one or more certificates) or DER; DIR is a keystore folder, listed as
    signing loads it (files that hold no certificate or key are warned about and
    skipped). Exit 2 if a file or folder cannot be used.
    """
    when = parse_at(at_text) or datetime.now(timezone.utc)
    certs: list[OrgCertificate] = []
    failed = False
    for f in files:
        try:
            if Path(f).is_dir():
                store = Keystore.from_dir(f)
                for skipped in store.skipped:
                    click.echo(f"{skipped.path}: warning: {skipped.reason}", err=True)
                certs.extend(store)
            else:
                certs.extend(load_certificates(f))
        except DuisError as exc:
            click.echo(f"{exc.source or f}: error: {exc.message} [{exc.rule}]", err=True)
            failed = True
    if fmt == "json":
        doc = []
        for c in certs:
            item = c.to_json()
            item["valid_now"] = c.valid_at(when)
            doc.append(item)
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for c in certs:
            _show_text(c, when)
    sys.exit(2 if failed else 0)


def _eui_text(c: OrgCertificate) -> str:
    if c.eui:
        return str(c.eui)
    if c.device_eui:
        return f"{c.device_eui} (device, from subjectAltName hardwareModuleName)"
    return "(none: not an organisation or device certificate)"


def _show_text(c: OrgCertificate, when: datetime) -> None:
    problem = c.validity_problem(when)
    lines = [
        f"{c.source}:",
        f"  subject     {c.subject}",
        f"  EUI-64      {_eui_text(c)}",
        f"  role        {c.role_text}",
        f"  use         {c.use.value if c.use else '(none)'}",
        f"  issuer      {c.issuer}",
        f"  serial      {c.serial}",
        f"  validity    {utc_text(c.not_before)} .. {utc_text(c.not_after)}"
        f"  ({'valid' if problem is None else problem})",
        f"  key usage   {', '.join(c.key_usage) or '(none)'}"
        f"{' (critical)' if c.key_usage_critical else ''}",
        f"  policies    {', '.join(c.policies) or '(none)'}"
        f"{' (critical)' if c.policies_critical else ''}",
        f"  key         {c.curve_name or 'not EC'}",
    ]
    lines.extend(f"  warning     {w}" for w in c.warnings)
    click.echo("\n".join(lines))


def _role(text: str) -> RemotePartyRole:
    key = text.strip().upper().replace("-", "_")
    if key in RemotePartyRole.__members__:
        return RemotePartyRole[key]
    try:
        return RemotePartyRole.parse(text)[0]
    except ValueError:
        names = ", ".join(
            f"{r.value} ({r.name.lower().replace('_', '-')})" for r in RemotePartyRole
        )
        raise click.BadParameter(
            f"{text!r}: expected one of {names}", param_hint="--role"
        ) from None


@cert.command("make-test-pki")
@click.argument("folder", metavar="DIR")
@click.option(
    "--eui", "euis", multiple=True, metavar="EUI", help="Organisation EUI-64 (xmlSign by default)."
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE",
    help="Role for the --eui at the same position (87 or xml-sign, 89, 02, ...); "
    "one --role applies to every --eui. Default 87.",
)
@click.option(
    "--digital-signing",
    "ds_specs",
    multiple=True,
    metavar="EUI[:ROLE]",
    help="Also make a Digital Signing certificate (the key that signs GBCS commands) for "
    "EUI, in its organisation ROLE (default 02, supplier). Repeatable.",
)
@click.option("--ca-name", default="T1", show_default=True, help="CN of the issuing CA.")
@click.option(
    "--not-after",
    "not_after_text",
    default="2099-12-31T23:59:59Z",
    show_default=True,
    metavar="TIME",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Replace the files of an earlier test PKI in DIR (refused without it, so a "
    "real keystore is never overwritten by mistake).",
)
def make_test_pki_cmd(
    folder: str,
    euis: tuple[str, ...],
    roles: tuple[str, ...],
    ds_specs: tuple[str, ...],
    ca_name: str,
    not_after_text: str,
    replace: bool,
) -> None:
    """Make a TEST-ONLY SMKI-shaped PKI in DIR: root, issuing CA, organisation certificates.

    The folder then works as a --keystore. Keys are written unencrypted: never use
    them for anything real.
    """
    try:
        eui_values = [EUI64.parse(e) for e in euis]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--eui") from None
    if not eui_values and not ds_specs:
        raise click.UsageError("give at least one --eui or --digital-signing")
    role_values = [_role(r) for r in roles] or [RemotePartyRole.XML_SIGN]
    if len(role_values) == 1:
        role_values = role_values * len(eui_values)
    if eui_values and len(role_values) != len(eui_values):
        raise click.UsageError("give one --role, or one --role per --eui")
    organisations = list(zip(eui_values, role_values, strict=False))
    organisations.extend(_digital_signing(spec) for spec in ds_specs)
    not_after = parse_at(not_after_text)
    assert not_after is not None
    try:
        pki = make_test_pki(
            organisations,
            folder,
            ca_name=ca_name,
            not_after=not_after,
            replace=replace,
        )
    except DuisError as exc:
        fail_setup(exc)
    except OSError as exc:
        fail_setup(f"{folder}: cannot write: {exc.strerror or exc}")
    click.echo(f"{folder}: test-only PKI (issuing CA {pki.issuing_ca.subject})")
    for cred in pki.organisations:
        c = cred.certificate
        use = c.use.value if c.use else "certificate"
        click.echo(
            f"  {use}  role {c.role.value if c.role else '?'}  EUI {c.eui}  serial {c.serial}"
        )


def _digital_signing(spec: str) -> tuple[EUI64, RemotePartyRole]:
    """``EUI[:ROLE]`` of --digital-signing; ROLE must be an organisation role (not 87/89)."""
    eui_text, _, role_text = spec.partition(":")
    try:
        eui = EUI64.parse(eui_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--digital-signing") from None
    role = _role(role_text) if role_text else RemotePartyRole.SUPPLIER
    if role not in DIGITAL_SIGNING_ROLES:
        raise click.BadParameter(
            f"{spec!r}: role {role.value} has no Digital Signing certificate; give an "
            "organisation role such as 02 (supplier), 03 (network operator) or 04",
            param_hint="--digital-signing",
        )
    return eui, role
