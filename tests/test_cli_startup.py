"""What ``duis validate FILE`` and ``duis.validate`` import: only the validate path.

A cold ``duis validate`` in CI or a pre-commit hook pays for every module it imports,
so the validate path must not pull in signing, MMC decoding, the server, the tracker,
TOML when no settings file is read, or the standard-library modules that
``importlib.resources`` drags in (``tempfile``, ``shutil``, ``zipfile``, ...). Each case
runs in a fresh interpreter (the test process has imported everything already) and
first checks that the run really validated the file, so an early failure cannot pass
for a lean import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUEST = ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"
RESPONSE = ROOT / "examples" / "responses" / "device-alert.xml"
BROKEN = ROOT / "examples" / "requests" / "invalid" / "srv-sr-mismatch.xml"

#: Modules (and packages: any submodule counts) the validate path has no use for.
HEAVY = (
    # other commands' code
    "signing",
    "mmc",
    "duis.model",
    "duis.correlate",
    "duis.serve",
    "duis.tracker",
    "duis.cli.sign",
    "duis.cli.verify",
    "duis.cli.inspect",
    "duis.cli.decode",
    # other commands' dependencies
    "cryptography",
    "signxml",
    "xmlschema",
    "psycopg",
    "sqlite3",
    "asyncio",
    "logging",
    # what importlib.resources imports, and TOML when no settings file is read
    "importlib.resources",
    "tempfile",
    "shutil",
    "zipfile",
    "lzma",
    "bz2",
    "random",
    "tomllib",
    "tomli",
    # decimal: only for a schemaVersion the version table does not spell as written
    "decimal",
)

_PROBE = """
import sys
{run}
heavy = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in {heavy!r}))
print("HEAVY", ",".join(heavy))
"""


def _probe(run: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIS_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE.format(run=run, heavy=HEAVY)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _cli(args: list[str]) -> str:
    return (
        "from duis.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit as exc:\n    print('EXIT', exc.code)\n"
    )


@pytest.mark.parametrize(
    ("path", "verdict", "code"),
    [
        (REQUEST, "1 valid, 0 invalid", 0),
        (RESPONSE, "1 valid, 0 invalid", 0),
        (BROKEN, "0 valid, 1 invalid", 1),
    ],
)
def test_validate_one_file_imports_only_the_validate_path(
    path: Path, verdict: str, code: int, tmp_path: Path
) -> None:
    out = _probe(_cli(["validate", "--isolated", str(path)]), tmp_path)
    assert f"1 file checked: {verdict}" in out, out
    assert f"EXIT {code}" in out, out
    assert "\nHEAVY \n" in out, out


def _copy(path: Path, folder: Path) -> Path:
    # A copy: the checkout's own pyproject.toml has a [tool.duis] table, and settings
    # are looked up from each file's folder.
    copy = folder / path.name
    copy.write_bytes(path.read_bytes())
    return copy


def test_validate_without_a_settings_file_parses_no_toml(tmp_path: Path) -> None:
    # No --isolated: the settings search runs, finds nothing, reads nothing.
    out = _probe(_cli(["validate", str(_copy(BROKEN, tmp_path))]), tmp_path)
    assert "1 file checked: 0 valid, 1 invalid" in out and "srv.sr-mismatch" in out, out
    assert "\nHEAVY \n" in out, out


def test_validate_with_a_settings_file_reads_it(tmp_path: Path) -> None:
    # The other side of the lazy import: a settings file is still found and parsed.
    (tmp_path / "duis.toml").write_text('ignore = ["srv.sr-mismatch"]\n')
    out = _probe(_cli(["validate", str(_copy(BROKEN, tmp_path))]), tmp_path)
    assert "1 file checked: 1 valid, 0 invalid" in out, out
    if sys.version_info >= (3, 11):
        assert "tomllib" in out.rsplit("HEAVY", 1)[1], out


def test_api_validate_imports_neither_click_nor_other_commands(tmp_path: Path) -> None:
    run = (
        "import duis\n"
        f"report = duis.validate(open({str(REQUEST)!r}, 'rb').read())\n"
        "print('VALID', report.valid)\n"
        "print('CLICK', 'click' in sys.modules)\n"
    )
    out = _probe(run, tmp_path)
    assert "VALID True" in out and "CLICK False" in out, out
    assert "\nHEAVY \n" in out, out


def test_sign_of_a_batch_imports_neither_concurrent_futures_nor_logging(tmp_path: Path) -> None:
    # Its background writer and its flushes use plain threads: concurrent.futures (and
    # the logging it imports) cost about 10 ms of every `duis sign` start.
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        (src / f"r{i}.xml").write_bytes(REQUEST.read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    pki = ROOT / "examples" / "pki"
    args = ["sign", "--keystore", str(pki), "--counter-db", str(tmp_path / "c.db")]
    run = _cli([*args, "-o", str(out), str(src)])
    probe = (
        "import sys\n" + run + "\nprint('LOADED', sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('concurrent', 'logging')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIS_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert "EXIT 0" in proc.stdout, proc.stdout + proc.stderr
    assert len(list(out.iterdir())) == 3  # it really signed and wrote the batch
    assert "LOADED []" in proc.stdout, proc.stdout
