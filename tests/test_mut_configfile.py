"""Settings files, environment and options: found, read, laid over each other.

For the mutation run: each path of the reader with literal expectations (file names,
keys, the messages a user reads, which value wins).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from duis import ConfigError
from duis.catalogue import UserRole
from duis.config import Config
from duis.configfile import (
    apply_options,
    config_from_mapping,
    find_config,
    load_config,
    load_settings,
)
from duis.ids import EUI64
from duis.report import Severity

ROLES = "IS, ES, GS, ED, GT, OU, RSA"
KEYS = (
    "schema-dirs, role, dcc-eui, smets, install-code-lengths, select, ignore, severity, "
    "originators, keystore, counter-db, max-bytes, exclude, extend-exclude, respect-gitignore"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_find_walks_up_and_prefers_duis_toml(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) is None or not str(find_config(deep)).startswith(str(tmp_path))
    top = write(tmp_path / "duis.toml", 'role = "IS"\n')
    assert find_config(deep) == top.resolve()
    # a pyproject.toml without [tool.duis] is passed over, on the way up
    write(tmp_path / "a" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(deep) == top.resolve()
    mid = write(tmp_path / "a" / "pyproject.toml", '[tool.duis]\nrole = "GS"\n')
    assert find_config(deep) == mid.resolve()
    # in one folder duis.toml wins over pyproject.toml
    near = write(tmp_path / "a" / "duis.toml", "")
    assert find_config(deep) == near.resolve()
    # a file as the start means its folder
    f = write(deep / "req.xml", "<a/>")
    assert find_config(f) == near.resolve()


def test_find_from_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path / "duis.toml", "")
    monkeypatch.chdir(tmp_path)
    assert find_config() == target.resolve()


def test_load_reads_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "duis.toml",
        'role = "ES"\ndcc_eui = "90-B3-D5-1F-30-00-00-02"\nsmets = "SMETS2+"\n'
        'keystore = "keys"\ncounter-db = "c.db"\nschema-dirs = ["xsd", "/abs/xsd"]\n'
        'max-bytes = 100\nselect = ["srv"]\nignore = ["srv.sr-mismatch"]\n'
        'exclude = ["x"]\nextend-exclude = ["y"]\nrespect-gitignore = false\n'
        "[severity]\n'srv.body-mismatch' = 'warning'\n"
        "[install-code-lengths]\nsmets2 = [16]\n"
        "[originators]\n'90-B3-D5-1F-30-01-00-00' = ['IS', 'GS']\n",
    )
    cfg = load_config(tmp_path)
    assert cfg.source == str(path.resolve())
    assert cfg.role is UserRole.ES and cfg.smets == 2 and cfg.max_bytes == 100
    assert cfg.dcc_eui == EUI64(0x90B3D51F30000002)
    assert cfg.keystore == path.resolve().parent / "keys"
    assert cfg.counter_db == path.resolve().parent / "c.db"
    assert cfg.schema_dirs == (path.resolve().parent / "xsd", Path("/abs/xsd"))
    assert cfg.select == ("srv",) and cfg.ignore == ("srv.sr-mismatch",)
    assert dict(cfg.severity) == {"srv.body-mismatch": Severity.WARNING}
    assert cfg.install_code_lengths["smets2"] == (16,)
    assert dict(cfg.originators) == {EUI64(0x90B3D51F30010000): (UserRole.IS, UserRole.GS)}


def test_absolute_and_url_locations_are_kept(tmp_path: Path) -> None:
    write(
        tmp_path / "duis.toml",
        'keystore = "/k"\ncounter-db = "postgresql://duis@db/counters"\n',
    )
    cfg = load_config(tmp_path)
    assert cfg.keystore == Path("/k") and cfg.counter_db == "postgresql://duis@db/counters"


def test_mapping_without_base_keeps_relative_paths() -> None:
    cfg = config_from_mapping({"schema_dirs": "xsd", "keystore": "k", "counter_db": "c.db"})
    assert cfg.schema_dirs == (Path("xsd"),) and cfg.keystore == Path("k")
    assert cfg.counter_db == Path("c.db") and cfg.source == "<settings>"


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    empty = tmp_path / "e"
    empty.mkdir()
    write(empty / "duis.toml", "")
    cfg = load_config(empty)
    assert (
        cfg.role is None
        and cfg.select is None
        and cfg.source == str((empty / "duis.toml").resolve())
    )
    assert load_config(explicit=write(tmp_path / "p" / "duis.toml", "")).role is None


def refusal(call: object) -> tuple[str | None, int | None, int | None, str]:
    assert callable(call)
    with pytest.raises(ConfigError) as info:
        call()
    e = info.value
    return e.source, e.line, e.column, e.message


def test_file_refusals(tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    assert refusal(lambda: load_config(explicit=missing)) == (
        str(missing),
        None,
        None,
        "no such configuration file",
    )
    py = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert refusal(lambda: load_config(explicit=py)) == (
        str(py),
        None,
        None,
        "has no [tool.duis] table",
    )
    bad = write(tmp_path / "b" / "duis.toml", 'role = "IS"\nsmets = \n')
    source, line, column, message = refusal(lambda: load_config(explicit=bad))
    assert (source, line, column) == (str(bad), 2, 9)  # after "smets = "
    assert message.startswith("not valid TOML: ") and "line" not in message
    notable = write(tmp_path / "c" / "pyproject.toml", '[tool]\nduis = "IS"\n')
    assert refusal(lambda: load_config(explicit=notable))[3] == "[tool.duis] must be a table"


def test_a_settings_file_not_utf8_or_too_large_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A byte that is not UTF-8 ended the run in a UnicodeDecodeError traceback.
    bad = tmp_path / "duis.toml"
    bad.write_bytes(b'role = "GT"\nsmets = "\xff"\n')
    assert refusal(lambda: load_config(explicit=bad)) == (
        str(bad),
        2,
        10,
        "not valid TOML: byte 0xff is not UTF-8 (TOML files are UTF-8)",
    )
    from duis import configfile

    monkeypatch.setattr(configfile, "MAX_SETTINGS_BYTES", 64)
    big = write(tmp_path / "big" / "duis.toml", 'role = "GT"\n' + "#" * 60 + "\n")
    source, line, _, message = refusal(lambda: load_config(explicit=big))
    assert (source, line) == (str(big), None)
    assert message.startswith("is larger than 64 bytes")
    fits = write(tmp_path / "fits" / "duis.toml", 'role = "GT"\n' + "#" * 40 + "\n")
    assert load_config(explicit=fits).role is UserRole.GT


def test_tool_duis_in_a_duis_toml_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "duis.toml", '[tool.duis]\nrole = "GT"\n')
    assert load_config(explicit=path).role is UserRole.GT


def test_unreadable_file_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "duis.toml", "")

    def broken(*args: object, **kw: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", broken)
    assert refusal(lambda: load_config(explicit=path)) == (
        str(path),
        None,
        None,
        "cannot read: Permission denied",
    )


def test_mapping_refusals_name_the_key() -> None:
    assert refusal(lambda: config_from_mapping({"rol": "IS"}, source="f.toml")) == (
        "f.toml",
        None,
        None,
        f"unknown setting 'rol'; known settings: {KEYS}",
    )
    assert refusal(lambda: config_from_mapping({"role": "XX"}, source="f.toml"))[3] == (
        f"[tool.duis] role: 'XX' is not a User Role; use one of {ROLES}"
    )
    assert refusal(lambda: config_from_mapping({"dcc_eui": 5}))[3] == (
        "[tool.duis] dcc-eui must be a string such as 90-B3-D5-1F-30-00-00-02"
    )
    assert refusal(lambda: config_from_mapping({"select": ["nope"]}))[3].startswith(
        "[tool.duis] select: no rule 'nope'"
    )
    assert refusal(lambda: config_from_mapping({"ignore": ["nope"]}))[3].startswith(
        "[tool.duis] ignore: no rule 'nope'"
    )
    assert refusal(lambda: config_from_mapping({"schema-dirs": 5}))[3] == (
        '[tool.duis] schema-dirs must be a list of strings, e.g. ["srv", "cv"]'
    )
    assert refusal(lambda: config_from_mapping({"smets": 9}))[3] == (
        "[tool.duis] smets: 9 is not a SMETS generation; use 1 (SMETS1) or 2 (SMETS2+)"
    )
    assert refusal(lambda: config_from_mapping({"max-bytes": 0}))[3] == (
        "[tool.duis] max-bytes must be a whole number of bytes >= 1, not 0"
    )
    assert refusal(lambda: config_from_mapping({"keystore": ""}))[3] == (
        "[tool.duis] keystore must be a path, not ''"
    )
    assert refusal(lambda: config_from_mapping({"counter-db": ""}))[3] == (
        "[tool.duis] counter-db must be a path, not ''"
    )
    assert refusal(lambda: config_from_mapping({"severity": {"srv": "x"}}))[3] == (
        "[tool.duis] severity: srv = 'x' is not a severity; use error, warning, info"
    )
    assert refusal(lambda: config_from_mapping({"originators": 1}))[3] == (
        '[tool.duis] originators must be a table of EUI = role(s), e.g. "90-B3-D5-1F-30-01-00-00"'
        ' = "IS"'
    )
    assert refusal(lambda: config_from_mapping({"install-code-lengths": 1}))[3] == (
        "[tool.duis] install-code-lengths must be a table such as "
        "{ smets1 = [6, 8, 12, 16], smets2 = [16] }"
    )


def test_options_override_and_add() -> None:
    base = Config(
        role=UserRole.IS,
        select=("srv",),
        ignore=("srv.sr-mismatch",),
        severity={"cv": "info", "srv": "info"},
        schema_dirs=("file-xsd",),
    )
    assert apply_options(base) is base
    cfg = apply_options(
        base,
        role="gs",
        smets="1",
        dcc_eui="90B3D51F30000002",
        select=["cv, eligibility", " "],
        ignore=["cv.not-allowed"],
        severity=["srv = warning,eligibility.role=error"],
        schema_dirs=["opt-xsd"],
        keystore="ks",
        counter_db="postgres://h/d",
        max_bytes=5,
    )
    assert cfg.role is UserRole.GS and cfg.smets == 1
    assert cfg.dcc_eui == EUI64(0x90B3D51F30000002)
    assert cfg.select == ("cv", "eligibility")  # replaces the file's list
    assert cfg.ignore == ("srv.sr-mismatch", "cv.not-allowed")  # adds to it
    assert dict(cfg.severity) == {
        "cv": Severity.INFO,
        "srv": Severity.WARNING,
        "eligibility.role": Severity.ERROR,
    }
    assert cfg.schema_dirs == (Path("opt-xsd"), Path("file-xsd"))  # options first
    assert cfg.keystore == Path("ks") and cfg.counter_db == "postgres://h/d"
    assert cfg.max_bytes == 5
    assert apply_options(base, counter_db="c.db").counter_db == Path("c.db")


def test_option_refusals_say_command_line() -> None:
    base = Config()
    cases = [
        ({"role": "XX"}, f"--role: 'XX' is not a User Role; use one of {ROLES}"),
        ({"smets": 7}, "--smets: 7 is not a SMETS generation; use 1 (SMETS1) or 2 (SMETS2+)"),
        (
            {"dcc_eui": "x"},
            "--dcc-eui: not an EUI-64: 'x' (expected eight hex pairs such as "
            "90-B3-D5-1F-30-01-00-00)",
        ),
        ({"keystore": ""}, "--keystore must be a path, not ''"),
        ({"counter_db": ""}, "--counter-db must be a path, not ''"),
        ({"max_bytes": 0}, "--max-bytes must be a whole number of bytes >= 1, not 0"),
        (
            {"severity": ["srv"]},
            "--severity 'srv': write RULE=LEVEL, e.g. eligibility.role=warning",
        ),
        (
            {"severity": ["srv=x"]},
            "--severity: srv = 'x' is not a severity; use error, warning, info",
        ),
    ]
    for kw, message in cases:
        assert refusal(lambda kw=kw: apply_options(base, **kw)) == (  # type: ignore[misc]
            "command line",
            None,
            None,
            message,
        )
    assert refusal(lambda: apply_options(base, select=["nope"]))[3].startswith(
        "--select: no rule 'nope'"
    )
    assert refusal(lambda: apply_options(base, ignore=["nope"]))[3].startswith(
        "--ignore: no rule 'nope'"
    )


def test_settings_file_environment_options(tmp_path: Path) -> None:
    write(tmp_path / "duis.toml", 'role = "IS"\n')
    other = write(tmp_path / "o" / "other.toml", 'role = "ED"\nkeystore = "/file-keys"\n')
    assert load_settings(tmp_path, environ={}).role is UserRole.IS
    env = {"DUIS_CONFIG": str(other), "DUIS_KEYSTORE": "/env-keys"}
    # $DUIS_CONFIG names the file; its keystore wins over $DUIS_KEYSTORE
    cfg = load_settings(tmp_path, environ=env)
    assert cfg.role is UserRole.ED and cfg.keystore == Path("/file-keys")
    # explicit wins over $DUIS_CONFIG; $DUIS_KEYSTORE fills a file without keystore
    cfg = load_settings(tmp_path, explicit=tmp_path / "duis.toml", environ=env)
    assert cfg.role is UserRole.IS and cfg.keystore == Path("/env-keys")
    # an empty $DUIS_CONFIG is no file; options win over the file
    cfg = load_settings(tmp_path, environ={"DUIS_CONFIG": ""}, role="OU")
    assert cfg.role is UserRole.OU and cfg.keystore is None
    assert load_settings(tmp_path, environ={"DUIS_KEYSTORE": ""}).keystore is None


def test_settings_default_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "duis.toml", 'role = "GT"\n')
    monkeypatch.delenv("DUIS_CONFIG", raising=False)
    monkeypatch.setenv("DUIS_KEYSTORE", "/from-env")
    cfg = load_settings(tmp_path)
    assert cfg.role is UserRole.GT and cfg.keystore == Path("/from-env")


def test_list_refusals_keep_the_key_and_source() -> None:
    for key in ("schema-dirs", "select", "ignore"):
        assert refusal(lambda key=key: config_from_mapping({key: 5}, source="f.toml")) == (
            "f.toml",
            None,
            None,
            f'[tool.duis] {key} must be a list of strings, e.g. ["srv", "cv"]',
        )
    for key in ("select", "ignore"):
        found = refusal(lambda key=key: config_from_mapping({key: ["nope"]}, source="f.toml"))
        assert found[0] == "f.toml"
        found = refusal(lambda key=key: apply_options(Config(), **{key: ["nope"]}))
        assert found[0] == "command line"


def test_severity_option_splits_at_the_first_equals() -> None:
    assert refusal(lambda: apply_options(Config(), severity=["srv=warning=x"]))[3] == (
        "--severity: srv = 'warning=x' is not a severity; use error, warning, info"
    )
