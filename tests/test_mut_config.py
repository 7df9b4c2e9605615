"""Settings: every refusal's exact text and every conversion, for the mutation run.

The expected values are literals: the DUIS User Roles (IS, ES, GS, ED, GT, OU, RSA),
the SMETS generations 1 and 2, ZigBee's install-code octets, the messages a user
reads when a setting is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from duis import ConfigError
from duis.catalogue import UserRole
from duis.config import DEFAULT_INSTALL_CODE_LENGTHS, Config, is_counter_url
from duis.ids import EUI64
from duis.report import Message, Severity

ROLES = "IS, ES, GS, ED, GT, OU, RSA"
USER = "90-B3-D5-1F-30-01-00-00"
LENGTHS = "install_code_lengths.smets1 must be a non-empty list of octet counts, e.g. [16]"

REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"schema_dirs": 5}, "schema_dirs must be a path or a list of paths"),
    ({"schema_dirs": [""]}, "schema_dirs must be a path, not ''"),
    ({"role": "XX"}, f"role: 'XX' is not a User Role; use one of {ROLES}"),
    ({"role": 5}, f"role: 5 is not a User Role; use one of {ROLES}"),
    ({"dcc_eui": 5}, "dcc_eui must be a string such as 90-B3-D5-1F-30-00-00-02"),
    (
        {"dcc_eui": "zz"},
        "dcc_eui: not an EUI-64: 'zz' (expected eight hex pairs such as 90-B3-D5-1F-30-01-00-00)",
    ),
    ({"smets": 3}, "smets: 3 is not a SMETS generation; use 1 (SMETS1) or 2 (SMETS2+)"),
    ({"smets": True}, "smets: True is not a SMETS generation; use 1 (SMETS1) or 2 (SMETS2+)"),
    ({"smets": 1.0}, "smets: 1.0 is not a SMETS generation; use 1 (SMETS1) or 2 (SMETS2+)"),
    (
        {"install_code_lengths": 5},
        "install_code_lengths must be a table such as { smets1 = [6, 8, 12, 16], smets2 = [16] }",
    ),
    (
        {"install_code_lengths": {"smets3": [6]}},
        "install_code_lengths: unknown generation 'smets3'; use smets1, smets2, unknown",
    ),
    ({"install_code_lengths": {"smets1": [0]}}, LENGTHS),
    ({"install_code_lengths": {"smets1": [65]}}, LENGTHS),
    ({"install_code_lengths": {"smets1": [True]}}, LENGTHS),
    ({"install_code_lengths": {"smets1": [6.0]}}, LENGTHS),
    ({"install_code_lengths": {"smets1": "6"}}, LENGTHS),
    ({"install_code_lengths": {"smets1": []}}, LENGTHS),
    ({"select": 5}, 'select must be a list of strings, e.g. ["srv", "cv"]'),
    ({"select": [1]}, 'select must be a list of strings, e.g. ["srv", "cv"]'),
    ({"select": b"srv"}, 'select must be a list of strings, e.g. ["srv", "cv"]'),
    ({"select": {"srv": 1}}, 'select must be a list of strings, e.g. ["srv", "cv"]'),
    ({"ignore": ["srv", 2]}, 'ignore must be a list of strings, e.g. ["srv", "cv"]'),
    (
        {"severity": 5},
        'severity must be a table of rule = level, e.g. { "eligibility.role" = "warning" }',
    ),
    (
        {"severity": {"srv": "loud"}},
        "severity: srv = 'loud' is not a severity; use error, warning, info",
    ),
    (
        {"originators": 5},
        'originators must be a table of EUI = role(s), e.g. "90-B3-D5-1F-30-01-00-00" = "IS"',
    ),
    (
        {"originators": {USER: []}},
        f'originators: {USER} must map to a role or a list of roles, e.g. ["IS", "GS"]',
    ),
    (
        {"originators": {USER: 5}},
        f'originators: {USER} must map to a role or a list of roles, e.g. ["IS", "GS"]',
    ),
    (
        {"originators": {USER: "XX"}},
        f"originators {USER}: 'XX' is not a User Role; use one of {ROLES}",
    ),
    ({"keystore": ""}, "keystore must be a path, not ''"),
    ({"keystore": 5}, "keystore must be a path, not 5"),
    ({"counter_db": ""}, "counter_db must be a path, not ''"),
    ({"max_bytes": 0}, "max_bytes must be a whole number of bytes >= 1, not 0"),
    ({"max_bytes": True}, "max_bytes must be a whole number of bytes >= 1, not True"),
    ({"max_bytes": "10"}, "max_bytes must be a whole number of bytes >= 1, not '10'"),
    ({"device_generation": 5}, "device_generation must be a function EUI64 -> 1, 2 or None"),
]


@pytest.mark.parametrize("kw,message", REFUSED, ids=[str(k) for k, _ in REFUSED])
def test_refusal_text(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Config(**kw)
    assert (info.value.source, info.value.message) == ("Config", message)
    with pytest.raises(ConfigError) as info:
        Config(**kw, source="duis.toml")
    assert (info.value.source, info.value.message) == ("duis.toml", message)


def test_unknown_rule_family_names_the_families() -> None:
    with pytest.raises(ConfigError) as info:
        Config(ignore="xsdd")
    assert info.value.message.startswith("ignore: no rule 'xsdd'; rule families are ")


@pytest.mark.parametrize(
    "given,held",
    [("IS", UserRole.IS), (" rsa ", UserRole.RSA), ("ed", UserRole.ED), (UserRole.GT, UserRole.GT)],
)
def test_role_forms(given: object, held: UserRole) -> None:
    assert Config(role=given).role is held  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "given,held",
    [(1, 1), (2, 2), ("1", 1), (" SMETS2+ ", 2), ("smets1", 1), ("Smets2", 2), ("2+", 2)],
)
def test_smets_forms(given: object, held: int) -> None:
    assert Config(smets=given).smets == held  # type: ignore[arg-type]


def test_eui_forms() -> None:
    assert Config(dcc_eui="90b3d51f30000002").dcc_eui == EUI64(0x90B3D51F30000002)  # type: ignore[arg-type]
    eui = EUI64(5)
    assert Config(dcc_eui=eui).dcc_eui is eui


def test_lengths_merge_sort_and_bounds() -> None:
    table = Config(install_code_lengths={"smets2": [16, 1, 64, 16]}).install_code_lengths
    assert dict(table) == {
        "smets1": (6, 8, 12, 16),
        "smets2": (1, 16, 64),
        "unknown": (6, 8, 12, 16),
    }
    assert Config().install_code_lengths is DEFAULT_INSTALL_CODE_LENGTHS
    with pytest.raises(TypeError):
        table["smets1"] = (6,)  # type: ignore[index]


def test_paths_and_counter_locations() -> None:
    cfg = Config(schema_dirs="a", keystore="k", counter_db="c.db")
    assert cfg.schema_dirs == (Path("a"),) and cfg.keystore == Path("k")
    assert cfg.counter_db == Path("c.db")
    assert Config(schema_dirs=["a", Path("b")]).schema_dirs == (Path("a"), Path("b"))  # type: ignore[arg-type]
    url = "postgresql://duis@db/counters"
    assert Config(counter_db=url).counter_db == url
    assert Config(counter_db="POSTGRES://h/d").counter_db == "POSTGRES://h/d"
    assert is_counter_url("postgres://x") and not is_counter_url(Path("postgresql:/x"))
    assert not is_counter_url("sqlite:///x.db")


def test_strings_and_patterns() -> None:
    assert Config(select="srv").select == ("srv",)  # type: ignore[arg-type]
    assert Config(select=["srv", "cv"]).select == ("srv", "cv")  # type: ignore[arg-type]
    assert Config(ignore=("xsd",)).ignore == ("xsd",)
    assert Config().select is None and Config().ignore == ()


def test_severities_and_originators_are_read_only_and_converted() -> None:
    cfg = Config(
        severity={"srv": " WARNING ", "cv": Severity.INFO},
        originators={USER: "is", "90b3d51f30020000": ["GS", UserRole.ES]},
    )
    assert dict(cfg.severity) == {"srv": Severity.WARNING, "cv": Severity.INFO}
    assert dict(cfg.originators) == {
        EUI64(0x90B3D51F30010000): (UserRole.IS,),
        EUI64(0x90B3D51F30020000): (UserRole.GS, UserRole.ES),
    }
    with pytest.raises(TypeError):
        cfg.severity["x"] = Severity.INFO  # type: ignore[index]
    with pytest.raises(TypeError):
        cfg.originators[EUI64(1)] = (UserRole.IS,)  # type: ignore[index]


def test_max_bytes_of_one_is_allowed() -> None:
    assert Config(max_bytes=1).max_bytes == 1


def test_roles_for() -> None:
    user = EUI64(0x90B3D51F30010000)
    other = EUI64(0x90B3D51F30020000)
    cfg = Config(role=UserRole.IS, originators={user: (UserRole.ES, UserRole.GS)})
    assert cfg.roles_for(user) == ((UserRole.ES, UserRole.GS), True)
    assert cfg.roles_for(other) == ((UserRole.IS,), False)
    assert cfg.roles_for(None) == ((UserRole.IS,), False)
    assert Config(originators={user: "OU"}).roles_for(user) == ((UserRole.OU,), True)
    assert Config(originators={user: "OU"}).roles_for(other) is None
    assert Config().roles_for(user) is None


def test_generation_of() -> None:
    gas = EUI64(0x00124B000A517E02)
    seen: list[EUI64] = []

    def lookup(eui: EUI64) -> int | None:
        seen.append(eui)
        return 1 if eui == gas else None

    cfg = Config(smets=2, device_generation=lookup)
    assert cfg.generation_of(gas) == (1, "the device inventory")
    assert cfg.generation_of(EUI64(7)) == (2, "the smets setting")
    assert cfg.generation_of(None) == (2, "the smets setting")
    assert seen == [gas, EUI64(7)]
    assert Config(device_generation=lookup).generation_of(EUI64(7)) == (None, "")
    assert Config().generation_of(gas) == (None, "")


def _msg(rule: str, sev: Severity = Severity.ERROR) -> Message:
    return Message(sev, rule, "text", 3, "/p", 4)


def test_wants_and_grade() -> None:
    cfg = Config(select=("srv", "cv.not-allowed"), ignore=("srv.sr-mismatch",))
    assert cfg.wants("srv.body-mismatch") and cfg.wants("cv.not-allowed")
    assert not cfg.wants("srv.sr-mismatch") and not cfg.wants("xsd.not-covered")
    assert cfg.grade(_msg("xsd.not-covered")) is None
    kept = _msg("srv.body-mismatch")
    assert cfg.grade(kept) is kept
    assert Config(ignore=("srv",)).wants("cv.not-allowed")
    assert not Config(ignore=("srv",)).wants("srv.body-mismatch")


def test_grade_uses_the_longest_matching_key() -> None:
    cfg = Config(severity={"srv": "info", "srv.body-mismatch": "warning"})
    got = cfg.grade(_msg("srv.body-mismatch"))
    assert got is not None
    assert (got.severity, got.rule, got.text, got.line, got.path, got.column) == (
        Severity.WARNING,
        "srv.body-mismatch",
        "text",
        3,
        "/p",
        4,
    )
    other = cfg.grade(_msg("srv.sr-mismatch"))
    assert other is not None and other.severity is Severity.INFO
    same = _msg("srv.body-mismatch", Severity.WARNING)
    assert cfg.grade(same) is same  # already at the wanted level: the message itself
    untouched = _msg("cv.not-allowed")
    assert cfg.grade(untouched) is untouched


def test_filters() -> None:
    assert not Config().filters
    assert Config(select=()).filters
    assert Config(ignore=("srv",)).filters
    assert Config(severity={"srv": "info"}).filters


def test_field_names() -> None:
    names = Config.field_names()
    assert names[:3] == ("schema_dirs", "role", "dcc_eui")
    assert {"keystore", "counter_db", "max_bytes", "source", "originators"} <= set(names)


def test_nested_refusals_keep_key_and_source() -> None:
    with pytest.raises(ConfigError) as info:
        Config(severity={"nope": "info"}, source="f.toml")
    assert info.value.source == "f.toml"
    assert info.value.message.startswith("severity: no rule 'nope'")
    with pytest.raises(ConfigError) as info:
        Config(originators={"zz": "IS"}, source="f.toml")
    assert (info.value.source, info.value.message) == (
        "f.toml",
        "originators: not an EUI-64: 'zz' (expected eight hex pairs such as "
        "90-B3-D5-1F-30-01-00-00)",
    )


def test_smets_takes_only_numbers_and_text() -> None:
    # "2" written by a Path is neither an int nor a str: refused, not read as 2
    with pytest.raises(ConfigError, match="is not a SMETS generation"):
        Config(smets=Path("2"))  # type: ignore[arg-type]
