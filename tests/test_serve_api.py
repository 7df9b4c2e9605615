"""``duis serve`` speaks DCC's signing-tool API and gives ``duis verify``'s verdicts.

The reference's DCC-signed samples must get over HTTP the verdict of the reference
README's table (which ``duis verify`` also gives); refusals carry the tool's
``error``/``errorCode`` and our rule id; unknown paths are 404 and other methods 405,
as the tool's OpenAPI description says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from _serve_harness import Server, b64, serving, unb64
from click.testing import CliRunner

from duis.cli import cli
from duis.ids import EUI64, RequestID
from duis.xml import parse
from signing import Keystore, RemotePartyRole, make_test_pki, sign_tree, verify

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
AT = "2025-10-01T00:00:00Z"
TOKEN = "serve-api-test-token-0123456789"
USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
OTHER = EUI64.parse("90-B3-D5-1F-30-01-00-01")
DS = "{http://www.w3.org/2000/09/xmldsig#}Signature"

# The reference README's "signature" column for signed/: None = valid signature,
# "unsigned" = an unsigned response (returned as it is), else our rule id.
VERDICTS: dict[str, str | None] = {
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML": "signature.missing",
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-invalid.XML": "signature.missing",
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-nonexist-businessid.XML": "signature.missing",
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-signed.XML": "signature.unknown-signer",
    "ECS50_9.1_SUCCESS_REQUEST_DUIS.XML": "signature.unknown-signer",
    "acknowledgement-error.xml": "unsigned",
    "duis-xxe.xml": "xml.unsafe",
    "message.xml": None,
    "message2.xml": "unsigned",
    "read-inventory-response-4g.xml": None,
    "read-inventory-response-5.4.xml": None,
    "readfw-response.xml": None,
    "readfw-response-resigned.xml": None,
    "readfw-response-badsignature.xml": "signature.value-mismatch",
    "readfw-response-invalid.xml": "signature.digest-mismatch",
    "readfw-response-no-serial.xml": "signature.key-info",
    "readfw-response-no-signature.xml": "unsigned",
    "readfw-response-nonexist-serial.xml": "signature.unknown-signer",
}

needs_reference = pytest.mark.skipif(
    not (REFERENCE / "signed").is_dir(),
    reason="DCC reference data not found at ../shared/reference",
)


@pytest.fixture(scope="module")
def zaz1_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not (REFERENCE / "signed").is_dir():
        pytest.skip("DCC reference data not found at ../shared/reference")
    tmp = tmp_path_factory.mktemp("zaz1")
    args = ["--keystore", str(REFERENCE / "certs" / "zaz1"), "--at", AT]
    args += ["--counter-db", str(tmp / "c.db")]
    with serving(args, tmp / "log") as server:
        yield server


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    make_test_pki([(USER, RemotePartyRole.XML_SIGN), (OTHER, RemotePartyRole.XML_SIGN)], folder)
    return folder


@pytest.fixture(scope="module")
def server(pki: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("api")
    args = ["--keystore", str(pki), "--counter-db", str(tmp / "c.db"), "--token-env", "TOK"]
    with serving(args, tmp / "log", env={"TOK": TOKEN}) as s:
        yield s


def _cli_verdict(path: Path) -> str | None:
    result = CliRunner().invoke(
        cli,
        ["verify", "--keystore", str(REFERENCE / "certs" / "zaz1"), "--at", AT, "--format",
         "json", str(path)],
    )  # fmt: skip
    (report,) = json.loads(result.output)["files"]
    errors = [m["rule"] for m in report["messages"] if m["severity"] == "error"]
    if errors:
        return str(errors[0])
    rules = {m["rule"] for m in report["messages"]}
    return "unsigned" if "signature.missing" in rules else None


@needs_reference
@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_reference_verdict_over_http_is_duis_verify_verdict(zaz1_server: Server, name: str) -> None:
    path = REFERENCE / "signed" / name
    raw = path.read_bytes()
    expected = VERDICTS[name]
    assert _cli_verdict(path) == expected
    status, body = zaz1_server.post("/verify", {"message": b64(raw)})
    if expected is None or expected == "unsigned":
        assert status == 200, body
        returned = unb64(body["message"])
        root = parse(returned).getroot()
        assert root.find(DS) is None  # the content without its signature, as DCC's tool
        assert root.tag == parse(raw).getroot().tag
    else:
        assert status == 400, body
        assert body["rule"] == expected
        assert body["errorCode"] and body["error"]


@needs_reference
def test_forged_response_is_refused_with_rule_id(zaz1_server: Server) -> None:
    raw = (REFERENCE / "signed" / "readfw-response-resigned.xml").read_bytes()
    forged = re.sub(rb"<sr:ResponseCode>[^<]*<", b"<sr:ResponseCode>E2<", raw, count=1)
    assert forged != raw
    status, body = zaz1_server.post("/verify", {"message": b64(forged)})
    assert status == 400
    assert body["rule"] == "signature.digest-mismatch"
    assert body["errorCode"] == "DigestMismatchError"


def test_sign_then_verify_round_trip(server: Server, pki: Path) -> None:
    raw = (ROOT / "examples/requests/valid/8.2-read-inventory.xml").read_bytes()
    status, body = server.post("/sign", {"message": b64(raw)}, TOKEN)
    assert status == 200, body
    signed = unb64(body["message"])
    result = verify(signed, Keystore.from_dir(pki))
    assert result.signer is not None and result.signer.eui == USER
    original = RequestID.parse(parse(raw).getroot().findtext(".//{*}RequestID") or "")
    assert result.request_id is not None and result.request_id.counter != original.counter
    status, body = server.post("/verify", {"message": b64(signed)}, TOKEN)
    assert status == 200
    assert parse(unb64(body["message"])).getroot().find(DS) is None


def test_preserve_counter_keeps_the_request_counter(server: Server) -> None:
    raw = (ROOT / "examples/requests/valid/8.2-read-inventory.xml").read_bytes()
    original = parse(raw).getroot().findtext(".//{*}RequestID")
    status, body = server.post("/sign", {"message": b64(raw), "preserveCounter": True}, TOKEN)
    assert status == 200
    assert parse(unb64(body["message"])).getroot().findtext(".//{*}RequestID") == original


def test_wrong_signer_is_refused_with_rule_id(server: Server, pki: Path) -> None:
    # A request from USER signed with OTHER's (valid, known) key: KeyInfo is not
    # signed, so only binding the signer to the originator catches it.
    raw = (ROOT / "examples/requests/valid/8.2-read-inventory.xml").read_bytes()
    ks = Keystore.from_dir(pki)
    other = ks.credentials_for(OTHER, roles=frozenset({RemotePartyRole.XML_SIGN}))
    signed = sign_tree(parse(raw), other)
    status, body = server.post("/verify", {"message": b64(signed)}, TOKEN)
    assert status == 400
    assert body["rule"] == "signature.wrong-eui"
    assert body["errorCode"] == "SignerEUIError"


def test_sign_refusals_carry_rule_ids(server: Server) -> None:
    invalid = (ROOT / "examples/requests/invalid/srv-body-mismatch.xml").read_bytes()
    status, body = server.post("/sign", {"message": b64(invalid)}, TOKEN)
    assert status == 400
    assert body["rule"] == "sign.invalid-request"
    assert "srv.body-mismatch" in {m["rule"] for m in body["messages"]}
    unknown = (ROOT / "examples/requests/valid/8.2-read-inventory.xml").read_bytes()
    unknown = unknown.replace(b"90-B3-D5-1F-30-01-00-00:", b"90-B3-D5-1F-30-01-00-09:", 1)
    status, body = server.post("/sign", {"message": b64(unknown)}, TOKEN)
    assert status == 400
    assert body["rule"] == "keystore.no-credentials"
    status, body = server.post("/sign", {"message": b64(b"<a/>")}, TOKEN)
    assert (status, body["rule"]) == (400, "sign.not-signable")
    status, body = server.post("/sign", {"message": b64(b"x"), "preserveCounter": "yes"}, TOKEN)
    assert (status, body["rule"]) == (400, "serve.bad-json")


def test_validate_gives_the_json_report_of_duis_validate(server: Server) -> None:
    path = ROOT / "examples/requests/invalid/srv-body-mismatch.xml"
    status, body = server.post("/validate", {"message": b64(path.read_bytes())}, TOKEN)
    assert status == 200
    assert body["valid"] is False
    (report,) = body["files"]
    assert "srv.body-mismatch" in {m["rule"] for m in report["messages"]}
    assert report["kind"] == "request" and report["srv"] == "8.11"
    ok = (ROOT / "examples/requests/valid/8.2-read-inventory.xml").read_bytes()
    status, body = server.post("/validate", {"message": b64(ok)}, TOKEN)
    assert (status, body["valid"]) == (200, True)


def test_unknown_path_404_other_method_405(server: Server) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, _, data = server.request("GET", "/nowhere", headers=auth)
    assert status == 404 and json.loads(data)["rule"] == "serve.not-found"
    for method, path in (("GET", "/sign"), ("PUT", "/verify"), ("DELETE", "/validate")):
        status, _, data = server.request(method, path, headers=auth)
        assert status == 405, (method, path)
        assert json.loads(data)["errorCode"] == "MethodNotAllowedError"
    status, _, _ = server.request("POST", "/healthz", headers=auth)
    assert status == 405


def test_healthz_is_public_and_metrics_count_refusals_by_rule(server: Server) -> None:
    status, _, data = server.request("GET", "/healthz")
    assert (status, json.loads(data)) == (200, {"status": "ok"})
    server.post("/verify", {"message": "***"}, TOKEN)
    status, headers, data = server.request(
        "GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 200 and headers["content-type"].startswith("text/plain")
    text = data.decode()
    assert re.search(r'duis_serve_refusals_total\{[^}]*rule="serve.bad-base64"\} [1-9]', text)
    assert re.search(r'duis_serve_requests_total\{[^}]*route="/verify"[^}]*status="400"', text)
    assert "duis_serve_request_duration_seconds_bucket" in text


def test_access_log_is_json_and_never_holds_key_or_token(server: Server, pki: Path) -> None:
    raw = (ROOT / "examples/requests/valid/8.2-read-inventory.xml").read_bytes()
    status, signed = server.post("/sign", {"message": b64(raw)}, TOKEN)
    assert status == 200
    server.post("/sign", {"message": b64(raw)}, "wrong-token-0123456789abc")
    assert server.post("/verify", {"message": signed["message"]}, TOKEN)[0] == 200
    lines = server.access_lines_until(
        lambda got: sum(ln.get("path") in ("/sign", "/verify") for ln in got) >= 3
    )
    signs = [ln for ln in lines if ln["path"] == "/sign" and ln["status"] == 200]
    assert signs and RequestID.parse(signs[-1]["request_id"]).originator == USER
    verified = [ln for ln in lines if ln["path"] == "/verify" and ln["status"] == 200]
    assert verified and str(USER) in verified[-1]["signer"]  # described, not an object
    assert any(ln["rule"] == "serve.unauthorized" for ln in lines if "rule" in ln)
    log = server.log()
    assert TOKEN not in log and "wrong-token" not in log
    for key_file in pki.glob("*.key.pem"):
        body = "".join(key_file.read_text().splitlines()[1:-1])
        assert body[:40] not in log.replace("\n", "")
    assert "PRIVATE KEY" not in log


def test_a_bug_on_the_direct_routes_is_500_without_details(pki: Path, tmp_path: Path) -> None:
    """/sign and /verify skip Starlette's layers: a bug there must still be answered as
    Starlette's handler answers it (500, serve.internal, nothing of the exception)."""
    import asyncio

    from duis.config import Config
    from duis.serve import ServeSettings
    from duis.serve._app import create_app
    from duis.serve._service import Service

    settings = ServeSettings(
        config=Config(keystore=pki), counter_db=str(tmp_path / "c.db"), access_log=False
    )
    service = Service(settings)

    def broken(xml: bytes) -> None:
        raise RuntimeError("secret-detail-0451")

    service.verify = broken  # type: ignore[assignment,method-assign]
    app = create_app(settings, service)
    body = json.dumps({"message": b64(b"<x/>")}).encode()
    scope = {
        "type": "http", "method": "POST", "path": "/verify", "query_string": b"",
        "headers": [(b"content-length", str(len(body)).encode())], "root_path": "",
        "scheme": "http", "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 1),
        "http_version": "1.1", "asgi": {"version": "3.0"},
    }  # fmt: skip
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 500
    answer = json.loads(sent[1]["body"])  # type: ignore[arg-type]
    assert answer == {
        "error": "internal error",
        "errorCode": "InternalError",
        "rule": "serve.internal",
    }
    service.close()
