"""A Node.js client (plain ``node``, its global ``fetch``, no npm package) talks to us.

``tests/test_serve_npm.py`` runs DCC's own wrapper, but the npm registry may only
have a version without the HTTP backend, and then it skips. This test needs nothing
but ``node`` (18 or later) and runs wherever Node is: a script written here signs
and verifies over HTTP with a bearer token, as a Node integration would, and reports
what it got; the checks are made here, with the library's own verify.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _serve_harness import ROOT, Server, serving

from duis.ids import EUI64, RequestID
from duis.xml import parse
from signing import Keystore, RemotePartyRole, make_test_pki, verify

TOKEN = "node-fetch-token-0123456789abcdef"
USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
REQUEST = ROOT / "examples/requests/valid/8.2-read-inventory.xml"

SCRIPT = r"""
const fs = require('fs')
const [base, token, file] = process.argv.slice(2)
const call = async (path, xml, auth) => {
  const headers = { 'Content-Type': 'application/json' }
  if (auth) headers.Authorization = `Bearer ${auth}`
  const res = await fetch(new URL(path, base), {
    method: 'POST', headers,
    body: JSON.stringify({ message: Buffer.from(xml, 'utf8').toString('base64') }),
  })
  const body = await res.json()
  return { status: res.status, body }
}
;(async () => {
  const xml = fs.readFileSync(file, 'utf8')
  const signed = await call('/sign', xml, token)
  const signedXml = Buffer.from(signed.body.message, 'base64').toString('utf8')
  const verified = await call('/verify', signedXml, token)
  const second = await call('/sign', xml, token)
  const noToken = await call('/sign', xml, null)
  const wrongToken = await call('/sign', xml, 'not-the-token-0000000000000000')
  const changed = signedXml.replace('schemaVersion="5.4"', 'schemaVersion="5.3"')
  if (changed === signedXml) throw new Error('tampering changed nothing')
  const tampered = await call('/verify', changed, token)
  const text = (r) => Buffer.from(r.body.message, 'base64').toString('utf8')
  process.stdout.write(JSON.stringify({
    signed: { status: signed.status, xml: signedXml },
    verified: { status: verified.status, xml: text(verified) },
    second: { status: second.status, xml: text(second) },
    noToken, wrongToken, tampered,
  }))
})().catch((e) => { console.error(e); process.exit(3) })
"""


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("Node.js (node, 18 or later for global fetch) is not installed")
    return exe


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    tmp = tmp_path_factory.mktemp("nodeserve")
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp / "pki")
    args = ["--keystore", str(tmp / "pki"), "--counter-db", str(tmp / "c.db")]
    with serving([*args, "--token-env", "TOK"], tmp / "log", env={"TOK": TOKEN}) as s:
        yield s, tmp / "pki"


def test_a_node_fetch_client_signs_and_verifies_with_a_bearer_token(
    node: str, server: tuple[Server, Path], tmp_path: Path
) -> None:
    srv, pki = server
    script = tmp_path / "client.js"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [node, str(script), srv.url, TOKEN, str(REQUEST)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if done.returncode != 0 and "fetch is not defined" in done.stderr:
        pytest.skip(f"this node has no global fetch (Node 18 or later needed): {done.stderr}")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)

    assert out["signed"]["status"] == 200
    signed = out["signed"]["xml"].encode()
    result = verify(signed, Keystore.from_dir(pki))
    assert result.signer is not None and result.signer.eui == USER
    assert out["verified"]["status"] == 200
    verified = parse(out["verified"]["xml"].encode()).getroot()
    assert verified.findtext(".//{*}RequestID") == result.root.findtext(".//{*}RequestID")

    # A fresh counter each time, rising (the example's own counter is replaced).
    original = RequestID.parse(
        parse(REQUEST.read_bytes()).getroot().findtext(".//{*}RequestID") or ""
    )
    first = RequestID.parse(result.root.findtext(".//{*}RequestID") or "")
    again = RequestID.parse(
        parse(out["second"]["xml"].encode()).getroot().findtext(".//{*}RequestID") or ""
    )
    assert out["second"]["status"] == 200
    assert first.counter != original.counter and again.counter > first.counter

    for refused in (out["noToken"], out["wrongToken"]):
        assert refused["status"] == 401
        assert refused["body"]["rule"] == "serve.unauthorized"
        assert refused["body"]["errorCode"] == "UnauthorizedError"
    assert out["tampered"]["status"] == 400
    assert out["tampered"]["body"]["rule"] == "signature.digest-mismatch"
    assert base64.b64encode(signed) not in json.dumps(out["tampered"]).encode()
