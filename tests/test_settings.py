"""The one settings object: checked on construction, honoured by every entry point."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import duis
from duis import Config, ConfigError, SchemaError, SchemaRegistry, UserRole
from duis.configfile import load_settings
from duis.ids import EUI64
from duis.schemas import registry_for

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"
_REF = Path(os.environ.get("DUIS_REFERENCE_DIR") or ROOT.parent / "shared" / "reference")
OFFICIAL = _REF / "dcc-schemas" / "5.4"
needs_official = pytest.mark.skipif(
    not (OFFICIAL / "DUIS Schema V5.4.xsd").is_file(), reason="DCC's 5.4 bundle not available"
)


def test_fields_are_converted_on_construction() -> None:
    cfg = Config(
        role="is",  # type: ignore[arg-type]
        dcc_eui="90-b3-d5-1f-30-00-00-02",  # type: ignore[arg-type]
        smets="2",  # type: ignore[arg-type]
        schema_dirs="dcc/5.4",  # type: ignore[arg-type]
        ignore=["srv"],  # type: ignore[arg-type]
        severity={"eligibility.role": "warning"},  # type: ignore[dict-item]
        originators={"90-B3-D5-1F-30-01-00-00": "GS"},  # type: ignore[dict-item]
        keystore="keys",  # type: ignore[arg-type]
    )
    assert cfg.role is UserRole.IS
    assert cfg.dcc_eui == EUI64.parse("90-B3-D5-1F-30-00-00-02")
    assert cfg.smets == 2
    assert cfg.schema_dirs == (Path("dcc/5.4"),)
    assert cfg.ignore == ("srv",)
    assert cfg.severity == {"eligibility.role": duis.Severity.WARNING}
    assert cfg.originators == {EUI64.parse("90-B3-D5-1F-30-01-00-00"): (UserRole.GS,)}
    assert cfg.keystore == Path("keys")


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"role": "XX"}, "not a User Role"),
        ({"role": 3}, "not a User Role"),
        ({"dcc_eui": "90-B3"}, "not an EUI-64"),
        ({"smets": 3}, "not a SMETS generation"),
        ({"smets": True}, "not a SMETS generation"),
        ({"max_bytes": 0}, "whole number of bytes"),
        ({"severity": {"srv": "fatal"}}, "not a severity"),
        ({"install_code_lengths": {"smets2": []}}, "non-empty list"),
        ({"originators": {"90-B3-D5-1F-30-01-00-00": "BOSS"}}, "not a User Role"),
        ({"device_generation": 5}, "device_generation must be a function"),
    ],
)
def test_bad_fields_are_a_config_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Config(**kwargs)  # type: ignore[arg-type]


def test_role_from_code_is_not_silently_off() -> None:
    # Issue 8 §2.3: Config(role="IS") used to turn eligibility off with an internal error.
    # DUIS: 4.1.1 may be sent by IS, GS, ED and GT only, so an OU sender is ineligible.
    data = (
        ROOT / "examples" / "requests" / "valid" / "4.1.1-read-instantaneous-import-registers.xml"
    )
    report = duis.validate(data, config=Config(role="ou"))  # type: ignore[arg-type]
    assert "rules.internal-error" not in report.rules()
    assert "eligibility.role" in report.rules()


def test_validate_honours_config_schema_dirs(tmp_path: Path) -> None:
    # Issue 8 §2.1: the folders in the settings are used, not silently the embedded schema.
    with pytest.raises(SchemaError) as info:
        duis.validate(GOOD, config=Config(schema_dirs=(tmp_path / "missing",)))
    assert info.value.source == str(tmp_path / "missing")


def test_a_path_is_accepted_wherever_a_registry_is(tmp_path: Path) -> None:
    # Issue 8 §2.9: a string is one folder, never a sequence of one-letter folders.
    folder = str(tmp_path / "nope")
    for make in (SchemaRegistry, lambda d: duis.validate(GOOD, schemas=d)):
        with pytest.raises(SchemaError) as info:
            make(folder)
        assert info.value.source == folder


@needs_official
def test_official_bundle_from_settings_path_or_registry(tmp_path: Path) -> None:
    for report in (
        duis.validate(GOOD, config=Config(schema_dirs=(OFFICIAL,))),
        duis.validate(GOOD, schemas=str(OFFICIAL)),
        duis.validate(GOOD, schemas=OFFICIAL),
        duis.validate(GOOD, schemas=[OFFICIAL]),
        duis.validate(GOOD, schemas=SchemaRegistry(str(OFFICIAL))),
    ):
        assert report.schema == "DCC DUIS 5.4", report.schema
        assert report.valid, report.messages
    assert registry_for([OFFICIAL]) is registry_for((str(OFFICIAL),))


def test_source_of_a_path_is_the_path(tmp_path: Path) -> None:
    # Issue 8 §2.10.
    copy = tmp_path / "f.xml"
    shutil.copy(GOOD, copy)
    assert duis.validate(copy).source == str(copy)
    assert duis.validate(copy.read_bytes(), source="mine").source == "mine"
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<a>")
    assert duis.validate(broken).source == str(broken)


def test_max_bytes_comes_from_the_settings() -> None:
    report = duis.validate(GOOD, config=Config(max_bytes=100))
    assert report.rules() == {"xml.too-large"}


def test_load_settings_file_environment_options(tmp_path: Path) -> None:
    (tmp_path / "duis.toml").write_text(
        'role = "GS"\nkeystore = "keys"\ncounter-db = "c.sqlite3"\nmax-bytes = 5000\n'
        'ignore = ["srv"]\n'
    )
    cfg = load_settings(tmp_path, environ={})
    assert cfg.role is UserRole.GS
    assert cfg.keystore == tmp_path / "keys" and cfg.counter_db == tmp_path / "c.sqlite3"
    assert cfg.max_bytes == 5000
    cfg = load_settings(tmp_path, environ={}, role="ED", ignore=["cv"], max_bytes=10)
    assert (cfg.role, cfg.ignore, cfg.max_bytes) == (UserRole.ED, ("srv", "cv"), 10)
    other = tmp_path / "other.toml"
    other.write_text('role = "IS"\n')
    cfg = load_settings(tmp_path, environ={"DUIS_CONFIG": str(other), "DUIS_KEYSTORE": "/k"})
    assert cfg.role is UserRole.IS and cfg.keystore == Path("/k")
    with pytest.raises(ConfigError, match="no rule 'xsdd'"):
        load_settings(tmp_path, environ={}, ignore=["xsdd"])


def test_counter_db_url_is_kept_as_given(tmp_path: Path) -> None:
    """A Path would fold ``postgresql://h/db`` into ``postgresql:/h/db``."""
    from duis.configfile import apply_options, load_config

    url = "postgresql://signer@db.example/counters"
    assert duis.Config(counter_db=url).counter_db == url
    assert apply_options(duis.Config(), counter_db=url).counter_db == url
    (tmp_path / "duis.toml").write_text(f'counter-db = "{url}"\n')
    assert load_config(tmp_path).counter_db == url
    (tmp_path / "duis.toml").write_text('counter-db = "c.db"\n')
    assert load_config(tmp_path).counter_db == tmp_path / "c.db"
