"""Settings files and command-line options: found like ruff finds its own, errors named."""

from __future__ import annotations

from pathlib import Path

import pytest

from duis import ConfigError
from duis.catalogue import UserRole
from duis.config import DEFAULT_INSTALL_CODE_LENGTHS, Config
from duis.configfile import apply_options, config_from_mapping, find_config, load_config
from duis.ids import EUI64
from duis.report import Message, Severity

PYPROJECT = """\
[project]
name = "requests-repo"

[tool.duis]
role = "is"
dcc-eui = "90-b3-d5-1f-30-00-00-02"
smets = 2
schema-dirs = ["dcc/5.4"]
select = ["srv", "cv.not-allowed"]
ignore = ["install-code.generation-unknown"]
severity = { "eligibility.role" = "warning" }
install-code-lengths = { smets1 = [8, 6] }

[tool.duis.originators]
"90-B3-D5-1F-30-01-00-00" = ["IS", "GS"]
"90-B3-D5-1F-30-02-00-00" = "ED"
"""


def test_pyproject_found_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == tmp_path / "pyproject.toml"
    cfg = load_config(deep)
    assert cfg.role is UserRole.IS
    assert cfg.dcc_eui == EUI64.parse("90-B3-D5-1F-30-00-00-02")
    assert cfg.smets == 2
    assert cfg.schema_dirs == (tmp_path / "dcc/5.4",)
    assert cfg.select == ("srv", "cv.not-allowed")
    assert cfg.ignore == ("install-code.generation-unknown",)
    assert cfg.severity == {"eligibility.role": Severity.WARNING}
    assert cfg.install_code_lengths["smets1"] == (6, 8)
    assert cfg.install_code_lengths["smets2"] == DEFAULT_INSTALL_CODE_LENGTHS["smets2"]
    assert cfg.originators[EUI64.parse("90-B3-D5-1F-30-01-00-00")] == (UserRole.IS, UserRole.GS)
    assert cfg.originators[EUI64.parse("90-B3-D5-1F-30-02-00-00")] == (UserRole.ED,)
    assert cfg.source == str(tmp_path / "pyproject.toml")


def test_pyproject_without_tool_duis_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "duis.toml").write_text('role = "GS"\n')
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(inner) == tmp_path / "duis.toml"
    assert load_config(inner).role is UserRole.GS


def test_duis_toml_wins_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "duis.toml").write_text('role = "OU"\n')
    assert load_config(tmp_path).role is UserRole.OU


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    if find_config(tmp_path) is not None:
        pytest.skip("a settings file sits above the temporary folder")
    assert load_config(tmp_path) == Config()


def test_explicit_file(tmp_path: Path) -> None:
    path = tmp_path / "ci-settings.toml"
    path.write_text('[tool.duis]\nrole = "ED"\n')
    assert load_config(explicit=path).role is UserRole.ED
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(explicit=tmp_path / "missing.toml")
    bare = tmp_path / "pyproject.toml"
    bare.write_text("[project]\n")
    with pytest.raises(ConfigError, match=r"no \[tool.duis\] table"):
        load_config(explicit=bare)


@pytest.mark.parametrize(
    "text,match",
    [
        ('rol = "IS"', "unknown setting 'rol'"),
        ('role = "XX"', r"not a User Role; use one of IS, ES, GS, ED, GT, OU, RSA"),
        ('dcc-eui = "90-B3"', "not an EUI-64"),
        ("smets = 3", "not a SMETS generation"),
        ('select = ["srv.body-mismatsh"]', r"no rule 'srv\.body-mismatsh'; the srv rules are"),
        ('severity = { "srv" = "fatal" }', "not a severity; use error, warning, info"),
        ("install-code-lengths = { smets3 = [16] }", "unknown generation 'smets3'"),
        ("install-code-lengths = { smets2 = [] }", "non-empty list of octet counts"),
        ('[originators]\n"90-B3-D5-1F-30-01-00-00" = "BOSS"', "not a User Role"),
        ("role = [", "not valid TOML"),
    ],
)
def test_errors_name_file_key_and_fix(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "duis.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError, match=match) as info:
        load_config(tmp_path)
    assert info.value.source == str(path)
    assert str(path) in str(info.value)


def test_toml_error_carries_line(tmp_path: Path) -> None:
    path = tmp_path / "duis.toml"
    path.write_text('role = "IS"\nselect = [1 2]\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.line is not None and info.value.line >= 2


def test_other_families_pass_through() -> None:
    cfg = config_from_mapping({"ignore": ["xsd", "schema-version.unknown"], "select": ["ALL"]})
    assert cfg.ignore == ("xsd", "schema-version.unknown")


def test_apply_options_over_file() -> None:
    base = config_from_mapping(
        {"role": "IS", "select": ["srv"], "ignore": ["cv"], "severity": {"srv": "warning"}}
    )
    cfg = apply_options(
        base,
        role="ed",
        smets="2",
        dcc_eui="90-B3-D5-1F-30-00-00-02",
        select=["eligibility,install-code"],
        ignore=["install-code.generation-unknown"],
        severity=["eligibility.role=info"],
        schema_dirs=["/x"],
    )
    assert cfg.role is UserRole.ED and cfg.smets == 2
    assert cfg.select == ("eligibility", "install-code")
    assert cfg.ignore == ("cv", "install-code.generation-unknown")
    assert cfg.severity == {"srv": Severity.WARNING, "eligibility.role": Severity.INFO}
    assert cfg.schema_dirs == (Path("/x"),)
    assert apply_options(base) is base


def test_apply_options_errors_say_which_option() -> None:
    with pytest.raises(ConfigError, match="--role"):
        apply_options(Config(), role="boss")
    with pytest.raises(ConfigError, match="--smets"):
        apply_options(Config(), smets="3")
    with pytest.raises(ConfigError, match="RULE=LEVEL"):
        apply_options(Config(), severity=["srv"])
    with pytest.raises(ConfigError, match=r"--select: no rule 'cv\.not-alowed'"):
        apply_options(Config(), select=["cv.not-alowed"])


def test_grading_still_works_with_loaded_settings() -> None:
    cfg = config_from_mapping({"ignore": ["install-code"], "severity": {"eligibility": "warning"}})
    assert cfg.grade(Message(Severity.INFO, "install-code.generation-unknown", "t")) is None
    graded = cfg.grade(Message(Severity.ERROR, "eligibility.role", "t"))
    assert graded is not None and graded.severity is Severity.WARNING
    assert cfg.filters


def test_roles_for_and_generation_of() -> None:
    eui = EUI64.parse("90-B3-D5-1F-30-01-00-00")
    cfg = Config(role=UserRole.IS, originators={eui: (UserRole.ED,)}, smets=1)
    assert cfg.roles_for(eui) == ((UserRole.ED,), True)
    assert cfg.roles_for(EUI64.parse("90-B3-D5-1F-30-02-00-00")) == ((UserRole.IS,), False)
    assert Config().roles_for(eui) is None
    assert cfg.generation_of(eui) == (1, "the smets setting")
    looked = Config(smets=1, device_generation=lambda e: 2)
    assert looked.generation_of(eui) == (2, "the device inventory")


def test_settings_table_is_read_once_per_version_and_read_only(tmp_path: Path) -> None:
    from duis.configfile import settings_table

    f = tmp_path / "pyproject.toml"
    f.write_text('[tool.duis]\nrole = "IS"\n')
    first = settings_table(f)
    assert first is not None and first["role"] == "IS"
    assert settings_table(f) is first  # parsed once
    with pytest.raises(TypeError):
        first["role"] = "GS"  # type: ignore[index]
    f.write_text('[tool.duis]\nrole = "ES"\nselect = ["xsd"]\n')  # a new version of the file
    again = settings_table(f)
    assert again is not None and again["role"] == "ES"
    f.write_text("[project]\nname = 'x'\n")
    assert settings_table(f) is None  # a pyproject.toml without [tool.duis]
