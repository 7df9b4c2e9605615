"""The curated public API: everything in __all__ exists and nothing public is missing."""

from __future__ import annotations

import importlib
import pkgutil

import pytest


@pytest.mark.parametrize("package", ["duis", "signing", "mmc"])
def test_all_is_complete_and_importable(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(getattr(module, "__all__", ()))
    assert exported, f"{package} has no __all__"
    for name in exported:
        assert hasattr(module, name), f"{package}.{name} in __all__ but missing"
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and not isinstance(v, type(importlib))
        and n not in ("annotations",)
    }
    assert public <= exported | {"__version__"}, public - exported


#: The public API of each package, pinned: adding or removing a name is a decision a
#: reviewer sees in this diff, never an accident of an import.
PINNED: dict[str, set[str]] = {
    "duis": {
        "CommandVariant",
        "Config",
        "ConfigError",
        "DuisError",
        "EUI64",
        "InputError",
        "Kind",
        "MalformedXMLError",
        "Message",
        "ModelError",
        "Report",
        "Request",
        "RequestID",
        "Response",
        "SRV",
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
    },
    "mmc": {
        "Basis",
        "Category",
        "Code",
        "GBCSData",
        "GBCSResponse",
        "GBCS_RESPONSE",
        "MMCBodyKind",
        "RULES",
        "alert_code",
        "check_response_element",
        "dcc_alert_codes",
        "describe",
        "device_alert_code",
        "expected_element",
        "future_dated_alert_codes",
        "parse",
        "response_code",
        "response_codes",
        "srvs_for_element",
        "validate",
        "validate_gbcs_tree",
    },
    "signing": {
        "PreCommandCheckError",
        "PreCommandFinding",
        "SignedPreCommand",
        "build_signed_pre_command",
        "check_pre_command",
        "sign_precommand",
        "GBCSKeyError",
        "GBCSSignatureError",
        "NotPreCommandError",
        "sign_pre_command",
        "verify_command",
        "Algorithm",
        "AlgorithmError",
        "BadSignatureError",
        "CertificateError",
        "CertificateUse",
        "CommentInjectionError",
        "CounterReplayError",
        "CounterStore",
        "CounterStoreError",
        "CredentialEUIError",
        "CredentialRoleError",
        "CredentialValidityError",
        "Credentials",
        "DCC_TEST_EUI",
        "DEFAULT_RESPONSE_ROLES",
        "DIGITAL_SIGNING_ROLES",
        "DigestMismatchError",
        "InvalidRequestError",
        "KeyInfoError",
        "KeyMismatchError",
        "Keystore",
        "KeystoreError",
        "MultipleSignaturesError",
        "NoCredentialsError",
        "NotSignableError",
        "OrgCertificate",
        "PostgresCounterStore",
        "ReferenceURIError",
        "RemotePartyRole",
        "SignatureCheck",
        "SQLiteCounterStore",
        "SignatureEncodingError",
        "SignatureMissingError",
        "SignaturePlacementError",
        "SignatureStatus",
        "SignatureStructureError",
        "PreparedSign",
        "SignedMessage",
        "SignerEUIError",
        "SignerPolicy",
        "SignerRoleError",
        "SignerValidityError",
        "SigningError",
        "SkippedEntry",
        "TEST_POLICY_OID",
        "TestPKI",
        "TransformError",
        "UnknownSignerError",
        "UntrustedSignerError",
        "VerificationError",
        "VerifiedMessage",
        "WrappedDocumentError",
        "XMLSIGN_ROLES",
        "check_signature",
        "default_counter_path",
        "default_counter_location",
        "issue_org_certificate",
        "load_certificate",
        "load_certificates",
        "load_private_key",
        "make_test_pki",
        "message_counter_id",
        "open_counter_store",
        "parse_issuer_name",
        "record_counter",
        "prepare_sign",
        "sign",
        "sign_tree",
        "verify",
    },
}


@pytest.mark.parametrize("package", sorted(PINNED))
def test_all_is_pinned_exactly(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PINNED[package])
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize("package", sorted(PINNED))
def test_no_public_module_is_shadowed_by_a_re_export(package: str) -> None:
    # ``import duis.validate`` used to hand back the function: the module is now private.
    module = importlib.import_module(package)
    submodules = {m.name for m in pkgutil.iter_modules(module.__path__)}
    assert not submodules & set(module.__all__), submodules & set(module.__all__)
    for name in module.__all__:
        if callable(getattr(module, name)) and not name[0].isupper():
            with pytest.raises(ModuleNotFoundError):
                importlib.import_module(f"{package}.{name}")


def test_version_is_single_sourced() -> None:
    import re
    import sys
    from pathlib import Path

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    import duis

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    source = root / project["tool"]["hatch"]["version"]["path"]
    assert source == root / "duis" / "__init__.py"
    assert re.search(r'^__version__ = "([^"]+)"$', source.read_text("utf-8"), re.M)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", duis.__version__)
    # Generators (tools/) stay out of the wheel: they write files only a checkout has.
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["duis", "mmc", "signing"]


def test_namespace_uris_are_written_once() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    uris = ("http://www.dccinterface.co.uk/", 'http://www.w3.org/2000/09/xmldsig#"')
    for package in ("duis", "mmc", "signing"):
        for path in (root / package).rglob("*.py"):
            if path == root / "duis" / "namespaces.py":
                continue
            text = path.read_text("utf-8")
            assert not any(u in text for u in uris), f"{path}: import it from duis.namespaces"
