"""Hostile and broken clients get a clear status and message; the server keeps serving.

Oversized bodies, bad JSON, bad base64, XXE inside the message, missing or wrong
tokens, and slow-loris clients (headers or body trickled, or nothing sent at all)
are each answered (or cut off) within the limits, and a normal request still
succeeds while and after they run.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _serve_harness import Server, b64, serving, unb64

from duis.config import Config
from duis.ids import EUI64
from duis.serve import ServeSettings, TokenSet, load_tokens
from duis.xml import parse
from signing import RemotePartyRole, make_test_pki

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "hostile-test-token-abcdefghijkl"
USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
REQUEST = (ROOT / "examples/requests/valid/8.2-read-inventory.xml").read_bytes()
MAX_BODY = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("hostile")
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp / "pki")
    (tmp / "tokens").write_text(f"# test tokens\n{TOKEN}\n")
    args = ["--keystore", str(tmp / "pki"), "--counter-db", str(tmp / "c.db")]
    args += ["--token-file", str(tmp / "tokens"), "--max-body", str(MAX_BODY)]
    args += ["--request-timeout", "1"]
    with serving(args, tmp / "log") as s:
        yield s


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def _still_serving(server: Server) -> None:
    status, body = server.post("/sign", {"message": b64(REQUEST)}, TOKEN)
    assert status == 200, body
    assert parse(unb64(body["message"])).getroot().find("{*}Signature") is not None


def _raw(server: Server, data: bytes, wait: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as s:
        s.sendall(data)
        return _read_all(s)


def _read_all(s: socket.socket) -> bytes:
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (TimeoutError, ConnectionResetError):
            return out
        if not chunk:
            return out
        out += chunk


def test_oversized_body_by_content_length_is_413(server: Server) -> None:
    big = json.dumps({"message": "A" * (MAX_BODY + 10)}).encode()
    status, headers, data = server.request("POST", "/sign", big, _auth())
    assert status == 413
    assert json.loads(data)["rule"] == "serve.body-too-large"
    assert headers.get("connection") == "close"
    _still_serving(server)


def test_oversized_chunked_body_is_413(server: Server) -> None:
    head = (
        b"POST /sign HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"A" * 16384
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(6)) + b"0\r\n\r\n"
    reply = _raw(server, head + body)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"serve.body-too-large" in reply
    _still_serving(server)


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (b"{not json", "serve.bad-json"),
        (b'["message"]', "serve.bad-json"),
        (b"{}", "serve.bad-json"),
        (b'{"message": 42}', "serve.bad-json"),
        (b"\xff\xfe{", "serve.bad-json"),
        (b'{"message": "PD94b!!!"}', "serve.bad-base64"),
        (b'{"message": "PD94bWw"}', "serve.bad-base64"),
        (b'{"message": "\\u00e9t\\u00e9"}', "serve.bad-base64"),
    ],
)
def test_bad_json_and_base64_are_400(server: Server, body: bytes, rule: str) -> None:
    for path in ("/sign", "/verify", "/validate"):
        status, _, data = server.request("POST", path, body, _auth())
        doc = json.loads(data)
        assert (status, doc["rule"]) == (400, rule), (path, doc)
        assert doc["error"] and doc["errorCode"]


def test_xxe_inside_the_message_is_refused_and_nothing_is_read(
    server: Server, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" '
        'schemaVersion="5.4"><sr:Header><sr:RequestID>&x;</sr:RequestID></sr:Header>'
        "</sr:Request>"
    ).encode()
    for path in ("/sign", "/verify"):
        status, _, data = server.request("POST", path, json.dumps({"message": b64(xxe)}).encode(),
                                         _auth())  # fmt: skip
        assert status == 400
        assert json.loads(data)["rule"] == "xml.unsafe"
        assert b"TOP-SECRET" not in data
    status, _, data = server.request(
        "POST", "/validate", json.dumps({"message": b64(xxe)}).encode(), _auth()
    )
    report = json.loads(data)
    assert status == 200 and report["valid"] is False
    assert [m["rule"] for m in report["files"][0]["messages"]] == ["xml.unsafe"]
    assert b"TOP-SECRET" not in data


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-abcdefghijklmnop"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer"},
    ],
)
def test_missing_or_wrong_token_is_401(server: Server, headers: dict[str, str]) -> None:
    body = json.dumps({"message": b64(REQUEST)}).encode()
    for method, path in (("POST", "/sign"), ("POST", "/verify"), ("GET", "/metrics")):
        status, got, data = server.request(method, path, body if method == "POST" else None,
                                           headers)  # fmt: skip
        assert status == 401, (path, headers)
        assert got["www-authenticate"] == "Bearer"
        assert json.loads(data)["rule"] == "serve.unauthorized"


def test_slow_loris_headers_get_408_and_do_not_hold_the_server(server: Server) -> None:
    socks = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(b"POST /sign HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    _still_serving(server)  # while 20 clients trickle their headers
    start = time.monotonic()
    for s in socks:
        s.sendall(b"X-Slow: 1\r\n")  # still no end of headers
    replies = [_read_all(s) for s in socks]
    for s in socks:
        s.close()
    assert time.monotonic() - start < 4.0
    for reply in replies:
        assert reply.startswith(b"HTTP/1.1 408"), reply[:100]
        assert b"serve.timeout" in reply
    _still_serving(server)


def test_silent_connection_is_closed(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        start = time.monotonic()
        reply = _read_all(s)
    assert time.monotonic() - start < 4.0
    assert reply.startswith(b"HTTP/1.1 408")


def test_slow_body_gets_408(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(
            b"POST /sign HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
            + b"\r\nContent-Length: 1000\r\n\r\n{\"message\": \""
        )  # fmt: skip
        start = time.monotonic()
        reply = _read_all(s)
    assert time.monotonic() - start < 4.0
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert b"serve.timeout" in reply
    _still_serving(server)


def test_garbage_http_is_400_and_server_keeps_serving(server: Server) -> None:
    reply = _raw(server, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400")
    _still_serving(server)


def test_log_holds_no_token(server: Server) -> None:
    log = server.log()
    assert TOKEN not in log
    assert "PRIVATE KEY" not in log


def test_tokens_file_and_env(tmp_path: Path) -> None:
    (tmp_path / "t").write_text("\n# comment\nfirst-token-0123456789\n")
    settings = ServeSettings(token_file=tmp_path / "t", token_env="TOKS")
    tokens = load_tokens(settings, {"TOKS": "second-token-0123456789, third-token-0123456789"})
    assert tokens.accepts(b"first-token-0123456789")
    assert tokens.accepts(b"third-token-0123456789")
    assert not tokens.accepts(b"first-token-012345678")
    assert "token-0" not in repr(tokens)
    assert not TokenSet().required
    from duis._exceptions import ConfigError

    with pytest.raises(ConfigError, match="no token"):
        load_tokens(ServeSettings(token_env="TOKS"), {})
    (tmp_path / "short").write_text("short\n")
    with pytest.raises(ConfigError, match="16 characters"):
        load_tokens(ServeSettings(token_file=tmp_path / "short"), {})
    with pytest.raises(ConfigError, match="go together"):
        ServeSettings(tls_cert=tmp_path / "t")
    assert ServeSettings().host == "127.0.0.1"
    settings = ServeSettings(config=Config(role="IS", severity={"srv": "warning"}), port=1)
    again = pickle.loads(pickle.dumps(settings))  # as it travels to worker processes
    assert again == settings


def test_graceful_shutdown_finishes_the_request_in_flight(tmp_path: Path) -> None:
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp_path / "pki")
    args = ["--keystore", str(tmp_path / "pki"), "--counter-db", str(tmp_path / "c.db")]
    server = Server(args, tmp_path / "log")
    try:
        body = json.dumps({"message": b64(REQUEST)}).encode()
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(b"POST /sign HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
        s.sendall(body[:100])
        time.sleep(0.3)
        os.kill(server.proc.pid, signal.SIGTERM)
        time.sleep(0.5)
        assert server.proc.poll() is None  # waiting for the request in flight
        s.sendall(body[100:])
        reply = _read_all(s)
        s.close()
        assert reply.startswith(b"HTTP/1.1 200"), reply[:300]
        signed = unb64(json.loads(reply.split(b"\r\n\r\n", 1)[1])["message"])
        rid = parse(signed).getroot().findtext(".//{*}RequestID") or ""
        # uvicorn re-raises the signal once shut down; systemd counts that as clean.
        assert server.proc.wait(15) in (0, -signal.SIGTERM)
        from signing import CounterStore

        with CounterStore(tmp_path / "c.db") as store:
            assert store.last_issued(USER) == int(rid.rsplit(":", 1)[1])
    finally:
        server.stop()
