"""DCC's Node wrapper ``@smartdcc/duis-sign-wrap`` signs and validates through our server.

The wrapper's HTTP backend (``backend: new URL(...)``, ``headers``) arrived in its
0.2.0; the test installs it from npm into a temporary folder (or from
``$DUIS_SIGN_WRAP_PACKAGE``, a tarball or folder, where the registry at hand is
older) and skips with the reason where Node, npm or that version is unavailable.
Where it skips, ``tests/test_serve_node.py`` still drives the server from Node (its
global ``fetch``, no package), so Node against our server is tested wherever Node is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _serve_harness import ROOT, Server, serving

from duis.ids import EUI64
from duis.xml import parse
from signing import Keystore, RemotePartyRole, make_test_pki, verify

TOKEN = "node-wrapper-token-0123456789ab"
USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
SPEC = os.environ.get("DUIS_SIGN_WRAP_PACKAGE") or "@smartdcc/duis-sign-wrap@>=0.2.0"

SCRIPT = r"""
const { signDuis, validateDuis } = require('@smartdcc/duis-sign-wrap')
const fs = require('fs')
const [url, token, file] = process.argv.slice(2)
const backend = new URL(url)
const headers = { Authorization: `Bearer ${token}` }
;(async () => {
  const xml = fs.readFileSync(file, 'utf8')
  const signed = await signDuis({ xml, backend, headers })
  const validated = await validateDuis({ xml: signed, backend, headers })
  let refused = null
  try {
    await signDuis({ xml, backend, headers: { Authorization: 'Bearer not-the-token-000000' } })
  } catch (e) {
    refused = e.message
  }
  const tampered = signed.replace('schemaVersion="5.4"', 'schemaVersion="5.3"')
  if (tampered === signed) throw new Error('tampering changed nothing')
  let invalid = null
  try {
    await validateDuis({ xml: tampered, backend, headers })
  } catch (e) {
    invalid = e.message
  }
  process.stdout.write(JSON.stringify({ signed, validated, refused, invalid }))
})().catch((e) => { console.error(e); process.exit(3) })
"""


@pytest.fixture(scope="module")
def wrapper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("Node.js and npm are needed to run @smartdcc/duis-sign-wrap")
    folder = tmp_path_factory.mktemp("npm")
    (folder / "package.json").write_text('{"name": "duis-serve-test", "private": true}')
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", SPEC],
            cwd=folder, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {SPEC} timed out (registry unreachable?)")
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        pytest.skip(f"npm install {SPEC} failed (registry unreachable or too old?): {tail}")
    package = folder / "node_modules" / "@smartdcc" / "duis-sign-wrap"
    if not (package / "dist" / "server.js").is_file():
        version = json.loads((package / "package.json").read_text())["version"]
        pytest.skip(f"npm gave @smartdcc/duis-sign-wrap {version}, which has no HTTP backend")
    (folder / "run.js").write_text(SCRIPT)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    tmp = tmp_path_factory.mktemp("npmserve")
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp / "pki")
    args = ["--keystore", str(tmp / "pki"), "--counter-db", str(tmp / "c.db")]
    with serving([*args, "--token-env", "TOK"], tmp / "log", env={"TOK": TOKEN}) as s:
        yield s, tmp / "pki"


def test_duis_sign_wrap_signs_and_validates_through_duis_serve(
    wrapper: Path, server: tuple[Server, Path]
) -> None:
    srv, pki = server
    request = ROOT / "examples/requests/valid/8.2-read-inventory.xml"
    done = subprocess.run(
        ["node", "run.js", srv.url, TOKEN, str(request)],
        cwd=wrapper, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    signed = out["signed"].encode()
    result = verify(signed, Keystore.from_dir(pki))
    assert result.signer is not None and result.signer.eui == USER
    validated = parse(out["validated"].encode()).getroot()
    assert validated.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is None
    assert validated.findtext(".//{*}RequestID") == result.root.findtext(".//{*}RequestID")
    # The wrapper throws Error(errorCode) on a non-200 answer.
    assert out["refused"] == "UnauthorizedError"
    assert out["invalid"] == "DigestMismatchError"
