"""``duis counters show`` / ``reinit``: recovering a store that lost its state."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from duis.cli import cli
from duis.ids import EUI64
from signing import CounterStore

EUI = "90-B3-D5-1F-30-01-00-00"


@pytest.fixture(autouse=True)
def _no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUIS_CONFIG", raising=False)
    monkeypatch.delenv("DUIS_COUNTER_DB", raising=False)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["counters", *args])
    return result.exit_code, result.stdout, result.stderr


def test_show_prints_last_issued_and_seen(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with CounterStore(db) as store:
        store.reserve(EUI64.parse(EUI), 3)
        issued = store.last_issued(EUI64.parse(EUI))
        store.check_and_record(EUI64.parse(EUI), 42)
    code, out, _ = _run("show", EUI, "--counter-db", str(db))
    assert code == 0
    assert f"{EUI}: last issued {issued}, last seen 42" in out


def test_truncated_store_is_refused_then_reinit_above_n(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with CounterStore(db) as store:
        store.next(EUI64.parse(EUI))
    db.write_bytes(b"")  # the store lost its state
    code, _, err = _run("show", EUI, "--counter-db", str(db))
    assert code == 2
    assert "[counter.store]" in err and "Traceback" not in err
    above = 2**50
    code, out, _ = _run("reinit", "--above", str(above), "--counter-db", str(db))
    assert code == 0 and str(above) in out
    with CounterStore(db) as store:
        assert store.next(EUI64.parse(EUI)) > above


def test_reinit_of_a_store_with_its_table_dropped(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with CounterStore(db) as store:
        store.next(EUI64.parse(EUI))
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE issued")
    code, _, _ = _run("reinit", "--above", "7000000000000", "--counter-db", str(db))
    assert code == 0
    with CounterStore(db) as store:
        assert store.next(EUI64.parse(EUI)) > 7000000000000


def test_reinit_of_a_healthy_store_keeps_its_counters(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with CounterStore(db) as store:
        store.reserve(EUI64.parse(EUI), 1)
        last = store.last_issued(EUI64.parse(EUI))
    code, _, _ = _run("reinit", "--above", "5", "--counter-db", str(db))
    assert code == 0
    with CounterStore(db) as store:
        assert store.last_issued(EUI64.parse(EUI)) == last


@pytest.mark.parametrize(
    "args",
    [
        ("show", "not-an-eui"),
        ("reinit",),
        ("reinit", "--above", "-1"),
        ("reinit", "--above", "x"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, _, _ = _run(*args, "--counter-db", str(tmp_path / "c.sqlite3"))
    assert code == 2


def test_setup_error_line_carries_rule_id(tmp_path: Path) -> None:
    """``fail_setup`` ends its line with the rule id, as the finding lines do."""
    db = tmp_path / "c.sqlite3"
    db.write_bytes(b"")
    code, _, err = _run("reinit", "--above", "x", "--counter-db", str(db))
    assert code == 2
    code, _, err = _run("show", EUI, "--counter-db", str(db))
    assert code == 2
    assert err.startswith(f"duis: error: {db}: counter store exists but")
    assert err.rstrip().endswith("[counter.store]")


def test_show_without_euis_lists_every_originator_in_the_store(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    other = "90-B3-D5-1F-30-00-00-01"
    code, out, _ = _run("show", "--counter-db", str(db))
    assert code == 0 and "(no originator has a counter in this store yet)" in out
    with CounterStore(db) as store:
        issued = store.next(EUI64.parse(EUI))  # issued only
        store.check_and_record(EUI64.parse(other), 7)  # seen only
    code, out, _ = _run("show", "--counter-db", str(db))
    assert code == 0
    assert out.splitlines()[1:] == [
        f"{other}: last issued -, last seen 7",
        f"{EUI}: last issued {issued}, last seen -",
    ]
    with sqlite3.connect(db) as conn:  # a store edited by hand
        conn.execute("INSERT INTO seen (originator, last) VALUES ('not-an-eui', 1)")
    code, _, err = _run("show", "--counter-db", str(db))
    assert code == 2 and "not an EUI-64 ('not-an-eui')" in err and "[counter.store]" in err


def test_a_spent_store_stops_sign_with_a_setup_error_not_a_traceback(tmp_path: Path) -> None:
    # A store whose next counter would pass 2**64-1 raised CounterStoreError out of
    # `duis sign` as a traceback; and `reinit --above` past 2**64-1 was reported as
    # the store "holding a bad floor".
    from duis.ids import MAX_COUNTER

    db = tmp_path / "c.sqlite3"
    code, _, err = _run("reinit", "--above", str(MAX_COUNTER + 1), "--counter-db", str(db))
    assert code == 2 and "not in the range" in err and not db.exists()
    code, _, _ = _run("reinit", "--above", str(MAX_COUNTER - 1), "--counter-db", str(db))
    assert code == 0
    root = Path(__file__).resolve().parents[1]
    good = root / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"
    out = tmp_path / "out"
    out.mkdir()
    for i in range(2):
        (tmp_path / f"r{i}.xml").write_bytes(good.read_bytes())
    args = ["sign", "--keystore", str(root / "examples" / "pki"), "--counter-db", str(db)]
    result = CliRunner().invoke(
        cli, [*args, "-o", str(out), str(tmp_path / "r0.xml"), str(tmp_path / "r1.xml")]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "would pass the last counter DUIS allows" in result.stderr
    assert "[counter.store]" in result.stderr and list(out.iterdir()) == []
