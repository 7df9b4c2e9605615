"""``duis serve``: DCC's signing-tool HTTP API (``/sign``, ``/verify``) and ours.

Options become one :class:`duis.serve.ServeSettings`; the validation settings are
the same ``[tool.duis]`` file and options ``duis validate`` reads. Every setting is
checked (keystore loads, counter store opens, tokens read) before the server
listens, so a mistake exits 2 with a message instead of a worker crash loop.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click

from duis._exceptions import ConfigError, DuisError
from duis.cli._common import fail_setup, parse_at
from duis.configfile import load_settings

__all__ = ["serve"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=8080, show_default=True, help="TCP port (0: any free).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.option(
    "--keystore",
    "keystore_dir",
    metavar="DIR",
    help="Folder of certificates and keys (default: the settings' keystore, $DUIS_KEYSTORE).",
)
@click.option(
    "--counter-db",
    metavar="PATH",
    envvar="DUIS_COUNTER_DB",
    help="Originator counter store (default: per-user data folder; env DUIS_COUNTER_DB).",
)
@click.option("--config", "config_file", metavar="FILE", help="duis.toml / pyproject.toml to use.")
@click.option("--schema-dir", "schema_dirs", multiple=True, metavar="DIR", help="DCC XSD bundle.")
@click.option("--role", help="User Role of the requests' sender (IS, ES, GS, ED, GT, OU, RSA).")
@click.option("--smets", help="Device generation for install-code checks (1 or 2).")
@click.option("--dcc-eui", metavar="EUI", help="The DCC's EUI-64, signer of responses.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (as validate).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Drop these rules (as validate).")
@click.option("--no-validate", is_flag=True, help="Sign requests even if they fail validation.")
@click.option(
    "--allow-digital-signing",
    is_flag=True,
    help="Allow Digital Signing (not xmlSign) certificates, as before xmlSign existed.",
)
@click.option("--at", "at_text", metavar="TIME", help="Judge certificate validity at this time.")
@click.option("--trust", "trust_files", multiple=True, metavar="FILE", help="Issuing CA cert.")
@click.option("--require-signature", is_flag=True, help="/verify refuses unsigned responses.")
@click.option("--token-file", metavar="FILE", help="Bearer tokens, one per line.")
@click.option(
    "--token-env",
    metavar="NAME",
    help="Environment variable with bearer tokens (default: DUIS_SERVE_TOKENS when set).",
)
@click.option("--tls-cert", metavar="FILE", help="TLS certificate chain (PEM).")
@click.option("--tls-key", metavar="FILE", help="TLS private key (PEM).")
@click.option("--max-body", type=int, default=4 * 1024 * 1024, show_default=True, help="Bytes.")
@click.option(
    "--request-timeout",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds for a client to send its headers, and again its body.",
)
@click.option("--keep-alive", type=float, default=5.0, show_default=True, help="Idle seconds.")
@click.option(
    "--graceful-timeout",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds shutdown waits for in-flight requests.",
)
@click.option("--max-connections", type=int, default=2048, show_default=True, help="Per worker.")
@click.option("--no-access-log", is_flag=True, help="No JSON access log lines on stderr.")
def serve(
    host: str,
    port: int,
    workers: int,
    keystore_dir: str | None,
    counter_db: str | None,
    config_file: str | None,
    schema_dirs: tuple[str, ...],
    role: str | None,
    smets: str | None,
    dcc_eui: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    no_validate: bool,
    allow_digital_signing: bool,
    at_text: str | None,
    trust_files: tuple[str, ...],
    require_signature: bool,
    token_file: str | None,
    token_env: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    max_body: int,
    request_timeout: float,
    keep_alive: float,
    graceful_timeout: float,
    max_connections: int,
    no_access_log: bool,
) -> None:
    """Serve POST /sign and /verify (DCC signing-tool API), /validate, /healthz, /metrics.

    Listens on 127.0.0.1 unless --host says otherwise. Stops gracefully on SIGTERM
    or SIGINT: in-flight requests finish, then the server exits by that signal (as
    uvicorn does; systemd counts it as clean). Exit status 2 for a setting that
    cannot be used.
    """
    try:
        from duis.serve import ServeSettings, Service, load_tokens, run
    except ImportError as exc:  # the optional extra is not installed
        fail_setup(f"duis serve needs its extra: pip install 'duis[serve]' ({exc})")
    at = parse_at(at_text)
    if token_env is None and os.environ.get("DUIS_SERVE_TOKENS"):
        token_env = "DUIS_SERVE_TOKENS"
    try:
        config = load_settings(
            Path.cwd(),
            explicit=config_file,
            keystore=keystore_dir,
            role=role,
            smets=smets,
            dcc_eui=dcc_eui,
            select=select,
            ignore=ignore,
            schema_dirs=schema_dirs,
        )
        settings = ServeSettings(
            host=host,
            port=port,
            workers=workers,
            counter_db=counter_db,
            config=config,
            validate_on_sign=not no_validate,
            allow_digital_signing=allow_digital_signing,
            at=at,
            trust=tuple(Path(t) for t in trust_files),
            require_signature=require_signature,
            token_file=Path(token_file) if token_file else None,
            token_env=token_env,
            tls_cert=Path(tls_cert) if tls_cert else None,
            tls_key=Path(tls_key) if tls_key else None,
            max_body=max_body,
            request_timeout=request_timeout,
            keep_alive=keep_alive,
            graceful_timeout=graceful_timeout,
            max_connections=max_connections,
            access_log=not no_access_log,
        )
        tokens = load_tokens(settings)
        for path in (settings.tls_cert, settings.tls_key):
            if path is not None and not path.is_file():
                raise ConfigError("no such TLS file", source=str(path))
        service = Service(settings)  # loads everything once: fail here, not in a worker
        service.close()
    except DuisError as exc:
        fail_setup(exc)
    if not _loopback(host) and not (tokens.required and settings.tls):
        click.echo(
            f"duis: warning: listening on {host} without "
            + ("a bearer token" if not tokens.required else "TLS")
            + "; anyone who can reach it can use the signing key",
            err=True,
        )
    run(settings)
