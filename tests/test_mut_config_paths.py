"""Settings refusals and the settings-file cache, pinned (full mutation run of the settings).

Each refusal names the key and the file it came from; the cache of parsed settings
files must see every edit, whether it changes the size or only the content.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from duis import ConfigError
from duis.config import Config, to_paths
from duis.configfile import config_from_mapping, load_config, settings_table

FAMILIES = "rule families are "


@pytest.mark.parametrize("key", ["select", "ignore"])
def test_an_unknown_rule_names_the_key_and_the_source(key: str) -> None:
    with pytest.raises(ConfigError) as info:
        Config(source="s.toml", **{key: ["zz-nope"]})  # type: ignore[arg-type]
    assert info.value.source == "s.toml"
    assert info.value.message.startswith(f"{key}: no rule 'zz-nope'; {FAMILIES}")


def test_one_path_given_alone_is_checked_with_its_key_and_source() -> None:
    with pytest.raises(ConfigError) as info:
        to_paths("", "schema-dirs", "s.toml")
    assert (info.value.source, info.value.message) == (
        "s.toml",
        "schema-dirs must be a path, not ''",
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("max-bytes", 0, "[tool.duis] max-bytes must be a whole number of bytes >= 1, not 0"),
        ("keystore", "", "[tool.duis] keystore must be a path, not ''"),
        ("counter-db", 5, None),
    ],
)
def test_settings_file_refusals_name_the_file(key: str, value: object, message: str | None) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping({key: value}, source="proj/duis.toml")
    assert info.value.source == "proj/duis.toml"
    if message is not None:
        assert info.value.message == message
    else:
        assert info.value.message.startswith("[tool.duis] counter-db ")


def test_a_settings_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "duis.toml"
    with pytest.raises(ConfigError) as info:
        settings_table(missing)
    assert (info.value.source, info.value.message) == (
        str(missing),
        "cannot read: No such file or directory",
    )


def test_tool_duis_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool]\nduis = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(explicit=path)
    assert (info.value.source, info.value.message) == (str(path), "[tool.duis] must be a table")


def test_toml_errors_give_the_place_once(tmp_path: Path) -> None:
    path = tmp_path / "duis.toml"
    path.write_text("role = \n")
    with pytest.raises(ConfigError) as info:
        load_config(explicit=path)
    assert (info.value.line, info.value.column) == (1, 8)
    # tomllib says "Invalid value (at line 1, column 8)": the place goes to line/column
    assert info.value.message == "not valid TOML: Invalid value"


def test_the_settings_cache_sees_every_edit(tmp_path: Path) -> None:
    path = tmp_path / "duis.toml"
    path.write_text("max-bytes = 1000\n")
    assert settings_table(path) == {"max-bytes": 1000}
    stat = path.stat()
    # Same size, new content (and a new modification time).
    path.write_text("max-bytes = 2000\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert settings_table(path) == {"max-bytes": 2000}
    # Another size, the same modification time as before.
    stat = path.stat()
    path.write_text("max-bytes = 30000\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert settings_table(path) == {"max-bytes": 30000}


def test_a_keystore_is_a_path_even_when_it_looks_like_a_url(tmp_path: Path) -> None:
    # Only counter-db may name a PostgreSQL URL; a keystore is a folder.
    config = config_from_mapping({"keystore": "postgresql://h/db"}, source="s", base=tmp_path)
    assert config.keystore == tmp_path / "postgresql:" / "h" / "db"
