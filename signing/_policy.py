"""Who may sign which DUIS message: one policy that signing and verifying share.

A signature is only as good as the binding between the certificate and the message:
the DCC accepts a request signed by the xmlSign certificate of the RequestID's
originator, and a User should accept a response signed only by the DCC. The signer
refuses to produce what the verifier would refuse, so both read the same object; a
difference between them (there used to be two copies with different defaults) is a
message this library signs and then calls forged, or the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from duis.ids import EUI64, RequestID
from duis.report import Kind
from signing._certs import DIGITAL_SIGNING_ROLES, XMLSIGN_ROLES, OrgCertificate, RemotePartyRole
from signing._profile import DCC_TEST_EUI

__all__ = ["DEFAULT_RESPONSE_ROLES", "SignerPolicy", "resolve_policy"]

#: Roles the DCC signs responses with: DSP xmlSign, and the Access Control Broker's
#: Digital Signing certificate that older DCC systems (and DCC Boxed) used.
DEFAULT_RESPONSE_ROLES: frozenset[RemotePartyRole] = frozenset(
    {RemotePartyRole.DSP_XML_SIGN, RemotePartyRole.ACCESS_CONTROL_BROKER}
)


def _roles(value: Iterable[RemotePartyRole]) -> frozenset[RemotePartyRole]:
    roles = frozenset(value)
    bad = [r for r in roles if not isinstance(r, RemotePartyRole)]
    if bad:
        raise TypeError(f"not a RemotePartyRole: {bad[0]!r}")
    return roles


@dataclass(frozen=True)
class SignerPolicy:
    """The rules binding a signing certificate to a message, for ``sign`` and ``verify``.

    Build one with the fields below (all optional) and pass it as ``policy=`` to both;
    :meth:`roles_for` and :meth:`signer_eui` are what they consult. A certificate
    must in every case have the ``digitalSignature`` key usage and be valid at the
    checked time; those are not options.
    """

    request_roles: frozenset[RemotePartyRole] = field(default=XMLSIGN_ROLES)
    """Roles whose certificate may sign a service request: xmlSign (87), and DSP
    xmlSign (89) for requests the DCC itself originates. The EUI must be the
    RequestID's originator whatever the role."""

    response_roles: frozenset[RemotePartyRole] = field(default=DEFAULT_RESPONSE_ROLES)
    """Roles whose certificate may sign a service response or alert: DSP xmlSign (89)
    and the Access Control Broker's Digital Signing certificate (04), which DCC
    systems signed responses with before DSP xmlSign existed. The EUI must be
    :attr:`dcc_eui`."""

    allow_digital_signing: bool = False
    """Also accept the Digital Signing roles (:data:`DIGITAL_SIGNING_ROLES`) for
    requests, as before xmlSign certificates existed. Off by default: the DCC accepts
    request signatures made with xmlSign certificates only."""

    dcc_eui: EUI64 = DCC_TEST_EUI
    """The DCC's EUI-64: whose certificate signs responses (default the DCC test
    environment's, ``90-B3-D5-1F-30-00-00-02``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "request_roles", _roles(self.request_roles))
        object.__setattr__(self, "response_roles", _roles(self.response_roles))
        if not isinstance(self.dcc_eui, EUI64):
            object.__setattr__(self, "dcc_eui", EUI64.parse(str(self.dcc_eui)))
        if not isinstance(self.allow_digital_signing, bool):
            raise TypeError("allow_digital_signing must be a bool")

    def roles_for(self, kind: Kind) -> frozenset[RemotePartyRole]:
        """The roles that may sign a message of this kind."""
        if kind is Kind.RESPONSE:
            return self.response_roles
        if self.allow_digital_signing:
            return self.request_roles | DIGITAL_SIGNING_ROLES
        return self.request_roles

    def signer_eui(self, kind: Kind, request_id: RequestID | None) -> EUI64 | None:
        """Whose certificate must sign: the request's originator, or the DCC.

        None for a request without a readable RequestID: nobody can sign it.
        """
        if kind is Kind.RESPONSE:
            return self.dcc_eui
        return request_id.originator if request_id is not None else None

    def refusal(
        self, cert: OrgCertificate, kind: Kind, request_id: RequestID | None
    ) -> tuple[str, str] | None:
        """Why ``cert`` may not sign this message, as (``"eui"|"role"``, reason), or None.

        The one check both sides run; each turns the reason into its own error class
        (``sign.wrong-*`` when signing, ``signature.wrong-*`` when verifying).
        """
        expected = self.signer_eui(kind, request_id)
        whose = "the RequestID's originator" if kind is Kind.REQUEST else "the DCC's EUI"
        if expected is None:
            return "eui", "the request has no readable RequestID, so no signer can be bound to it"
        if cert.eui != expected:
            return "eui", (
                f"certificate EUI {cert.eui} is not {whose} {expected}; the signer is bound "
                "to the message by this EUI"
            )
        roles = self.roles_for(kind)
        if cert.role not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            hint = (
                "; Digital Signing certificates sign requests only with "
                "allow_digital_signing / --allow-digital-signing"
                if kind is Kind.REQUEST and cert.role in DIGITAL_SIGNING_ROLES
                else ""
            )
            role = cert.role.value if cert.role else "unknown"
            return "role", f"role {role} may not sign a {kind.value} (allowed: {allowed}){hint}"
        if not cert.can_sign:
            return "role", (
                "certificate key usage lacks digitalSignature (a key-agreement certificate?)"
            )
        return None


def resolve_policy(
    policy: SignerPolicy | None,
    *,
    allow_digital_signing: bool = False,
    dcc_eui: EUI64 | None = None,
    response_roles: Iterable[RemotePartyRole] | None = None,
    settings_dcc_eui: EUI64 | None = None,
) -> SignerPolicy:
    """The policy ``sign``/``verify`` apply: ``policy`` with their shorthand arguments.

    The keyword shorthands (``allow_digital_signing=True``, ``dcc_eui=``,
    ``response_roles=``) override the policy's field; the settings' DCC EUI
    (``[tool.duis] dcc-eui``) is used only when neither names one.
    """
    base = policy if policy is not None else SignerPolicy()
    changes: dict[str, object] = {}
    if allow_digital_signing:
        changes["allow_digital_signing"] = True
    if dcc_eui is not None:
        changes["dcc_eui"] = dcc_eui
    elif policy is None and settings_dcc_eui is not None:
        changes["dcc_eui"] = settings_dcc_eui
    if response_roles is not None:
        changes["response_roles"] = frozenset(response_roles)
    return replace(base, **changes) if changes else base  # type: ignore[arg-type]
