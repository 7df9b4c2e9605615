"""Where GBCS keys come from: a folder of ``<EUI>-ka.key`` / ``-ka.pem`` / ``-ds.pem``.

GBCS authenticates with two key pairs per party: key agreement (``-ka``, ECDH for MACs
and encryption) and digital signing (``-ds``, ECDSA for alerts and signed messages). The
RTDS keystore and the project's examples name files by the party's EUI-64 in lower-case
hex, so a key is found by the system title in the grouping header alone. Only P-256 is
GBCS's curve; other keys are refused when loaded, not at first use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mmc.payload._errors import GBCSKeyError

__all__ = ["GBCSKeystore", "Usage"]

Usage = Literal["ka", "ds"]


@dataclass(frozen=True)
class GBCSKeystore:
    """Public keys (from certificates) and private keys by (EUI-64, usage)."""

    public: Mapping[tuple[bytes, Usage], ec.EllipticCurvePublicKey] = field(default_factory=dict)
    private: Mapping[tuple[bytes, Usage], ec.EllipticCurvePrivateKey] = field(default_factory=dict)

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str]) -> GBCSKeystore:
        """Load every ``<16 hex digits>-{ka,ds}.{pem,key}`` in ``path``.

        A ``.pem`` is a certificate or a bare public key, a ``.key`` a PKCS#8 private
        key (PEM or DER).

        Prepayment (``-pp-``) keys are skipped: they are the prepayment role's, not the
        ones a grouping header's system title selects.
        """
        folder = Path(path)
        if not folder.is_dir():
            raise GBCSKeyError(f"keystore {folder} is not a folder")
        public: dict[tuple[bytes, Usage], ec.EllipticCurvePublicKey] = {}
        private: dict[tuple[bytes, Usage], ec.EllipticCurvePrivateKey] = {}
        for file in sorted(folder.iterdir()):
            parts = file.stem.lower().split("-")
            if len(parts) != 2 or file.suffix not in (".pem", ".key"):
                continue
            eui_hex, usage = parts
            if usage not in ("ka", "ds") or len(eui_hex) != 16:
                continue
            try:
                eui = bytes.fromhex(eui_hex)
            except ValueError:
                continue
            key_usage: Usage = "ka" if usage == "ka" else "ds"
            blob = file.read_bytes()
            try:
                if file.suffix == ".pem":
                    pub = (
                        serialization.load_pem_public_key(blob)
                        if b"PUBLIC KEY-----" in blob
                        else x509.load_pem_x509_certificate(blob).public_key()
                    )
                    if not isinstance(pub, ec.EllipticCurvePublicKey):
                        raise GBCSKeyError(f"{file}: not an elliptic-curve certificate")
                    public[(eui, key_usage)] = pub
                else:
                    priv = (
                        serialization.load_pem_private_key(blob, None)
                        if blob.lstrip().startswith(b"-----")
                        else serialization.load_der_private_key(blob, None)
                    )
                    if not isinstance(priv, ec.EllipticCurvePrivateKey):
                        raise GBCSKeyError(f"{file}: not an elliptic-curve private key")
                    private[(eui, key_usage)] = priv
                    public.setdefault((eui, key_usage), priv.public_key())
            except (ValueError, TypeError) as exc:
                raise GBCSKeyError(f"{file}: cannot read key or certificate: {exc}") from None
        for (eui, _), curve in [(k, v.curve) for k, v in public.items()] + [
            (k, v.curve) for k, v in private.items()
        ]:
            if not isinstance(curve, ec.SECP256R1):
                raise GBCSKeyError(f"{eui.hex()}: GBCS keys are P-256, not {curve.name}")
        return cls(public, private)

    def public_key(self, eui: bytes, usage: Usage) -> ec.EllipticCurvePublicKey:
        try:
            return self.public[(eui, usage)]
        except KeyError:
            raise GBCSKeyError(
                f"no {usage.upper()} certificate for {_eui(eui)} in the keystore"
            ) from None

    def private_key(self, eui: bytes, usage: Usage) -> ec.EllipticCurvePrivateKey:
        try:
            return self.private[(eui, usage)]
        except KeyError:
            raise GBCSKeyError(
                f"no {usage.upper()} private key for {_eui(eui)} in the keystore"
            ) from None

    def has_private(self, eui: bytes, usage: Usage) -> bool:
        return (eui, usage) in self.private


def _eui(eui: bytes) -> str:
    return "-".join(f"{b:02X}" for b in eui)
