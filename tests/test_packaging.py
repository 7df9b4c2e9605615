"""Packaging as a user or CI meets it: metadata, the pre-commit hook, the action, API docs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"
BAD = ROOT / "examples" / "requests" / "invalid" / "srv-sr-mismatch.xml"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_metadata_license_urls_and_runtime_dependencies() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    runtime = " ".join(project["dependencies"])
    assert "signxml" not in runtime  # only tests and benchmarks compare against it
    assert any(d.startswith("signxml") for d in project["optional-dependencies"]["test"])


def test_version_is_written_once() -> None:
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert "version" not in PYPROJECT["project"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "duis/__init__.py"
    source = (ROOT / "duis" / "__init__.py").read_text()
    assert len(re.findall(r'^__version__ = "', source, re.M)) == 1


def _yaml() -> object:
    return pytest.importorskip("yaml")


def test_readme_pre_commit_snippet_runs_in_a_fresh_repository(tmp_path: Path) -> None:
    """The README's hook id exists, and its entry run as pre-commit runs it works.

    pre-commit itself would clone this repository and pip-install it, which needs the
    network; this runs the hook's entry on the staged files of a fresh git repository,
    as pre-commit does after installing (the files pattern and arguments from the
    hook definition), with a pom.xml beside the requests.
    """
    yaml = _yaml()
    if shutil.which("git") is None:
        pytest.skip("needs git")
    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"```yaml\n(repos:.*?)```", readme, re.S)
    assert snippet is not None
    config = yaml.safe_load(snippet.group(1))  # type: ignore[attr-defined]
    [repo] = config["repos"]
    [hook] = repo["hooks"]
    assert repo["repo"] == "local"
    published = {
        h["id"]: h
        for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())  # type: ignore[attr-defined]
    }
    # The local form in the README and the published hook run the same command.
    assert hook["entry"] == published[hook["id"]]["entry"]
    assert hook["files"] == published[hook["id"]]["files"]

    work = tmp_path / "repo"
    work.mkdir()
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q"], cwd=work, check=True, env=env)
    (work / ".pre-commit-config.yaml").write_text(snippet.group(1))
    shutil.copy(GOOD, work / "request.xml")
    (work / "pom.xml").write_text("<project><modelVersion>4.0.0</modelVersion></project>\n")
    subprocess.run(["git", "add", "."], cwd=work, check=True, env=env)

    def run_hook() -> subprocess.CompletedProcess[str]:
        staged = subprocess.run(
            ["git", "diff", "--cached", "--name-only"],
            cwd=work,
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.split()
        files = [f for f in staged if re.search(hook["files"], f)]
        entry = hook["entry"].split()
        assert entry[0] == "duis"
        return subprocess.run(
            [sys.executable, "-m", "duis", *entry[1:], *hook.get("args", []), *files],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
            env={**env, "PYTHONPATH": str(ROOT)},
        )

    ok = run_hook()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 file checked: 1 valid" in ok.stdout and "1 skipped" in ok.stdout
    shutil.copy(BAD, work / "request.xml")
    subprocess.run(["git", "add", "."], cwd=work, check=True, env=env)
    failed = run_hook()
    assert failed.returncode == 1 and "[srv.sr-mismatch]" in failed.stdout


def test_action_yml_runs_duis_validate() -> None:
    yaml = _yaml()
    action = yaml.safe_load((ROOT / "action.yml").read_text())  # type: ignore[attr-defined]
    assert action["runs"]["using"] == "composite"
    assert {"paths", "format", "output-file", "args"} <= set(action["inputs"])
    steps = " ".join(str(s.get("run", "")) for s in action["runs"]["steps"])
    assert "pip install" in steps and "duis validate --format" in steps


def test_api_reference_builds_from_docstrings_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("pdoc")
    proc = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::UserWarning",
            "-m",
            "pdoc",
            "-o",
            str(tmp_path),
            "duis",
            "signing",
            "mmc",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = (tmp_path / "duis.html").read_text()
    assert "validate" in page and "SchemaRegistry" in page
