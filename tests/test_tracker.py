"""The tracker: outcomes from facts, the same answer in any order, nothing lost on a kill.

The stream is built from the project's own examples (examples/responses): each
message is an example with its ids, codes and instruction numbers changed. Expected
states come from DUIS's meanings: I99 is an acknowledgement (the outcome follows),
E-codes are failures, I0 a success; 8F66 / 8F67 report one instruction of a
future-dated command each; ThrottledAlertCount says how many alerts were held back.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from duis import Tracker
from duis.tracker import RequestState, TrackerError
from duis.xml import parse

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "responses"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
NS = {"sr": SR}
USER = "00-24-13-01-00-00-00-01"
METER = "00-DB-12-34-56-78-90-A2"
HUB = "00-DB-12-34-56-78-90-C1"
T0 = 1_717_171_717_000  # epoch ms: 2024-05-31T16:08:37Z
AT = datetime(2024, 5, 31, 16, 30, tzinfo=timezone.utc)


def _example(name: str) -> etree._Element:
    return parse(EXAMPLES / name).getroot()


def _set(root: etree._Element, path: str, value: str) -> None:
    found = root.find(path, NS)
    assert found is not None, path
    found.text = value


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def rid(counter: int, target: str = METER) -> str:
    return f"{USER}:{target}:{counter}"


def request(counter: int, srv: str = "11.2", target: str = METER) -> bytes:
    root = _example("read-firmware-version.request.xml")
    _set(root, ".//sr:RequestID", rid(counter, target))
    _set(root, ".//sr:ServiceReferenceVariant", srv)
    _set(
        root,
        ".//sr:Header/sr:ServiceReference",
        srv.rsplit(".", 1)[0] if srv.count(".") == 2 else srv,
    )
    return _xml(root)


def response(
    counter: int,
    code: str,
    *,
    target: str = METER,
    srv: str = "11.2",
    at: str = "2024-05-31T16:09:00Z",
) -> bytes:
    root = _example("read-firmware-version.xml")
    _set(root, ".//sr:RequestID", rid(counter, target))
    _set(root, ".//sr:ResponseID", f"{target}:{USER}:{counter}")
    _set(root, ".//sr:ResponseCode", code)
    _set(root, ".//sr:ResponseDateTime", at)
    _set(root, ".//sr:ResponseMessage/sr:ServiceReferenceVariant", srv)
    _set(
        root,
        ".//sr:ResponseMessage/sr:ServiceReference",
        srv.rsplit(".", 1)[0] if srv.count(".") == 2 else srv,
    )
    if code != "I0":
        payload = root.find(".//sr:GBCSPayload", NS)
        assert payload is not None
        payload.getparent().remove(payload)  # type: ignore[union-attr]
    return _xml(root)


def ack(counter: int, target: str = METER) -> bytes:
    root = _example("acknowledgement.xml")
    _set(root, ".//sr:RequestID", rid(counter, target))
    return _xml(root)


def outcome(counter: int, number: int, total: int, code: str = "8F66") -> bytes:
    root = _example("future-dated-alert.xml")
    _set(root, ".//sr:RequestID", rid(counter))
    _set(root, ".//sr:ResponseID", f"{METER}:{USER}:{counter + 100 + number}")
    _set(root, ".//sr:FutureDatedAlertCode", code)
    _set(root, ".//sr:InstructionNumber", str(number))
    _set(root, ".//sr:TotalCommandInstructions", str(total))
    return _xml(root)


def device_alert(device: str, seq: int, count: int, counter: int) -> bytes:
    root = _example("device-alert.xml")
    _set(root, ".//sr:ResponseID", f"{device}:{USER}:{counter}")
    code = root.find(".//sr:AlertCode", NS)
    assert code is not None
    extra = etree.fromstring(
        f'<w xmlns:sr="{SR}"><sr:ThrottledAlertSequenceId>{seq}</sr:ThrottledAlertSequenceId>'
        f"<sr:ThrottledAlertCount>{count}</sr:ThrottledAlertCount></w>"
    )
    for el in reversed(list(extra)):
        code.addnext(el)
    return _xml(root)


def dcc_alert(seq: int, count: int) -> bytes:
    root = _example("dcc-alert.xml")
    code = root.find(".//sr:DCCAlertCode", NS)
    assert code is not None
    extra = etree.fromstring(
        f'<w xmlns:sr="{SR}"><sr:ThrottledAlertSequenceId>{seq}</sr:ThrottledAlertSequenceId>'
        f"<sr:ThrottledAlertCount>{count}</sr:ThrottledAlertCount></w>"
    )
    for el in reversed(list(extra)):
        code.addnext(el)
    return _xml(root)


def future_request(counter: int) -> bytes:
    """A 1.1.1 request with an ExecutionDateTime: the device holds it (pattern Device)."""
    root = etree.fromstring(request(counter, "1.1.1"))
    body = root.find(".//sr:Body", NS)
    assert body is not None
    for child in list(body):
        body.remove(child)
    content = etree.SubElement(body, f"{{{SR}}}UpdateImportTariffPrimaryElement")
    etree.SubElement(content, f"{{{SR}}}ExecutionDateTime").text = "2024-05-31T16:20:00Z"
    return _xml(root)


def stream() -> list[bytes]:
    """One User's traffic: every kind of message the tracker is fed."""
    return [
        # 1001: sent, acknowledged, answered: complete
        request(T0 + 1),
        ack(T0 + 1),
        response(T0 + 1, "I0"),
        # 1002: sent, refused: failed with E2's meaning
        request(T0 + 2),
        response(T0 + 2, "E2"),
        # 1003: sent, acknowledged only: pending
        request(T0 + 3),
        ack(T0 + 3),
        # 1004: sent, nothing back: pending (then timed out)
        request(T0 + 4),
        # 1005: a future-dated 1.1.1 with 3 instructions, all executed
        future_request(T0 + 5),
        response(T0 + 5, "I0", srv="1.1.1"),
        outcome(T0 + 5, 1, 3),
        outcome(T0 + 5, 2, 3),
        outcome(T0 + 5, 3, 3),
        # 1006: future-dated, instruction 2 of 2 failed
        outcome(T0 + 6, 1, 2),
        outcome(T0 + 6, 2, 2, "8F67"),
        # 1007: future-dated, 1 of 2 reported so far
        outcome(T0 + 7, 2, 2),
        # throttled alerts of the meter: sequence 3, 5, 9 (4, 6-8 missing), 2+4+1 held back
        device_alert(METER, 3, 2, T0 + 50),
        device_alert(METER, 5, 4, T0 + 51),
        device_alert(METER, 9, 1, T0 + 52),
        # and of the hub (a DCC alert naming it): 1 and 2, nothing missing, 6 held back
        dcc_alert(1, 5),
        dcc_alert(2, 1),
    ]


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    return Tracker(tmp_path / "t.db", durable=False)


def _fed(tracker: Tracker, messages: list[bytes]) -> Tracker:
    for i, data in enumerate(messages):
        tracker.add(data, source=f"m{i}.xml")
    return tracker


def test_outcomes_from_the_facts(tracker: Tracker) -> None:
    status = _fed(tracker, stream()).status(at=AT)
    by_id = {r.request_id: r for r in status.requests}
    assert by_id[rid(T0 + 1)].state is RequestState.COMPLETE
    assert by_id[rid(T0 + 1)].acknowledged
    failed = by_id[rid(T0 + 2)]
    assert failed.state is RequestState.FAILED and failed.response_code == "E2"
    assert "not eligible" in failed.reason  # E2: role not eligible for the SRV
    assert by_id[rid(T0 + 3)].state is RequestState.PENDING
    assert "I99" in by_id[rid(T0 + 3)].reason
    assert by_id[rid(T0 + 4)].state is RequestState.PENDING
    assert by_id[rid(T0 + 5)].state is RequestState.COMPLETE
    assert by_id[rid(T0 + 6)].state is RequestState.FAILED
    assert by_id[rid(T0 + 6)].response_code == "8F67"
    assert by_id[rid(T0 + 7)].state is RequestState.PENDING
    assert not by_id[rid(T0 + 7)].request_seen
    future = {f.request_id: f for f in status.future_dated}
    assert future[rid(T0 + 5)].all_instructions and future[rid(T0 + 5)].succeeded == (1, 2, 3)
    assert future[rid(T0 + 6)].failed == (2,) and future[rid(T0 + 6)].all_instructions
    assert future[rid(T0 + 7)].missing == (1,) and not future[rid(T0 + 7)].all_instructions
    throttled = {t.device: t for t in status.throttling}
    meter = throttled[METER]
    assert meter.gaps == ((4, 4), (6, 8)) and meter.missing_sequence_ids == 4
    assert meter.throttled_count == 7 and meter.alerts == 3
    hub = throttled[HUB]
    assert hub.gaps == () and hub.throttled_count == 6


def test_timed_out_after_the_timeout(tracker: Tracker) -> None:
    _fed(tracker, stream())
    later = AT + timedelta(hours=2)
    status = tracker.status(at=later, timeout=timedelta(hours=1))
    by_id = {r.request_id: r for r in status.requests}
    assert by_id[rid(T0 + 4)].state is RequestState.TIMED_OUT
    assert by_id[rid(T0 + 3)].state is RequestState.TIMED_OUT  # acknowledged, no outcome
    assert by_id[rid(T0 + 1)].state is RequestState.COMPLETE
    # the future-dated command's clock starts at its execution time
    assert by_id[rid(T0 + 7)].state is RequestState.TIMED_OUT
    assert tracker.status(at=later, timeout=timedelta(hours=3)).counts()["timed-out"] == 0


def test_twenty_orders_with_duplicates_give_one_status(tmp_path: Path) -> None:
    messages = stream()
    expected = _fed(Tracker(tmp_path / "ref.db", durable=False), messages).status(at=AT).to_json()
    rng = random.Random(1233)
    for i in range(20):
        shuffled = messages + rng.sample(messages, k=8)  # duplicates, too
        rng.shuffle(shuffled)
        got = _fed(Tracker(tmp_path / f"o{i}.db", durable=False), shuffled).status(at=AT)
        assert got.to_json() == expected, f"order {i}"


def test_duplicate_is_reported_and_changes_nothing(tracker: Tracker) -> None:
    first = tracker.add(device_alert(METER, 3, 2, T0 + 50))
    again = tracker.add(device_alert(METER, 3, 2, T0 + 50))
    assert first.new and not again.new
    (meter,) = tracker.status(at=AT).throttling
    assert meter.throttled_count == 2 and meter.alerts == 1


def test_resigned_alert_counts_once(tracker: Tracker) -> None:
    plain = device_alert(METER, 3, 2, T0 + 50)
    root = etree.fromstring(plain)
    sig = etree.SubElement(root, "{http://www.w3.org/2000/09/xmldsig#}Signature")
    sig.text = "re-delivered"
    assert tracker.add(plain).new
    assert tracker.add(_xml(root)).new  # another document...
    (meter,) = tracker.status(at=AT).throttling
    assert meter.alerts == 1 and meter.throttled_count == 2  # ...but the same alert


def test_conflicting_instruction_outcomes_fail_whatever_the_order(tmp_path: Path) -> None:
    ok, bad = outcome(T0 + 9, 1, 1, "8F66"), outcome(T0 + 9, 1, 1, "8F67")
    for i, order in enumerate(([ok, bad], [bad, ok])):
        status = _fed(Tracker(tmp_path / f"c{i}.db", durable=False), order).status(at=AT)
        (req,) = status.requests
        assert req.state is RequestState.FAILED


def test_unreadable_store_is_a_tracker_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TrackerError):
        Tracker(blocker / "t.db")


def test_cli_add_and_status(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from duis.cli import cli

    files = []
    for i, data in enumerate(stream()):
        path = tmp_path / f"m{i:02}.xml"
        path.write_bytes(data)
        files.append(str(path))
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    result = runner.invoke(cli, ["track", "add", "--db", db, *files, files[0]])
    assert result.exit_code == 0, result.output
    assert f"{len(files)} added, 1 duplicates, 0 unreadable" in result.output
    result = runner.invoke(
        cli, ["track", "status", "--db", db, "--at", "2024-05-31T16:30:00Z", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["counts"] == {"complete": 2, "pending": 3, "failed": 2, "timed-out": 0}
    text = runner.invoke(cli, ["track", "status", "--db", db, "--at", "2024-05-31T16:30:00Z"])
    assert "missing 4, 6-8" in text.output and "7 held back" in text.output
    # --at is read as every command reads it (one parser): no zone means UTC, and the
    # forms sign and verify take (a date alone) are taken here too.
    naive = runner.invoke(cli, ["track", "status", "--db", db, "--at", "2024-05-31T16:30:00"])
    assert naive.output == text.output
    offset = runner.invoke(
        cli, ["track", "status", "--db", db, "--at", "2024-05-31T17:30:00+01:00"]
    )
    assert offset.output.splitlines()[1:] == text.output.splitlines()[1:]  # the same instant
    day = runner.invoke(cli, ["track", "status", "--db", db, "--at", "2024-05-31"])
    assert day.exit_code == 0 and "as of 2024-05-31T00:00:00+00:00" in day.output
    bad = tmp_path / "bad.xml"
    bad.write_text("<not-duis/>")
    result = runner.invoke(cli, ["track", "add", "--db", db, str(bad)])
    assert result.exit_code == 1
    assert "root element is 'not-duis'" in result.output and "[model.invalid]" in result.output


def _messages_in(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_sigkill_mid_feed_then_resume_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path,
) -> None:
    # Many throttled alerts: a double count would show in the summed ThrottledAlertCount.
    messages = stream() + [device_alert(HUB, 100 + i, 3, T0 + 1000 + i) for i in range(400)]
    files = []
    for i, data in enumerate(messages):
        path = tmp_path / "in" / f"m{i:04}.xml"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        files.append(str(path))
    db = tmp_path / "killed.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "duis", "track", "add", "-q", "--db", str(db), *files]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _messages_in(db) < 30 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = _messages_in(db)
    assert 0 < at_kill < len(messages), "the kill should land mid-feed"
    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(messages) - at_kill} added, {at_kill} duplicates" in resumed.stdout
    expected = _fed(Tracker(tmp_path / "clean.db", durable=False), messages).status(at=AT)
    with Tracker(db) as after:
        got = after.status(at=AT)
    assert got.to_json() == expected.to_json()
    hub = {t.device: t for t in got.throttling}[HUB]
    assert hub.throttled_count == 6 + 400 * 3


def test_values_beyond_their_xsd_type_are_refused_not_a_traceback(tracker: Tracker) -> None:
    from duis import ModelError

    huge = outcome(T0 + 1, 1, 2).replace(
        b"<sr:InstructionNumber>1<", b"<sr:InstructionNumber>99999999999999999999999<"
    )
    with pytest.raises(ModelError, match="InstructionNumber"):
        tracker.add(huge)
    with pytest.raises(ModelError, match="ThrottledAlertSequenceId"):
        tracker.add(device_alert(METER, 2**40, 1, T0))
    assert tracker.status(at=AT).messages == 0  # nothing half-recorded


_FIELDS = (
    b"<sr:InstructionNumber>1<",
    b"<sr:TotalCommandInstructions>3<",
    b"<sr:FutureDatedAlertCode>8F66<",
    b"<sr:ResponseCode>I0<",
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(_FIELDS), value=st.text(max_size=30))
def test_mutated_outcomes_give_only_library_errors(
    tracker: Tracker, field: bytes, value: str
) -> None:
    from duis import DuisError

    data = outcome(T0 + 5, 1, 3).replace(
        field, field[: field.index(b">") + 1] + _escape(value) + b"<"
    )
    with contextlib.suppress(DuisError):
        tracker.add(data)
    tracker.status(at=AT)


def _escape(value: str) -> bytes:
    return value.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "replace")


def test_conflicting_copies_of_one_request_merge_the_same_in_any_order(tmp_path: Path) -> None:
    # Two documents with one RequestID (a replay with another SRV), sent at 16:00 and 15:00.
    a = (request(T0 + 20, "11.2"), datetime(2024, 5, 31, 16, 0, tzinfo=timezone.utc))
    b = (request(T0 + 20, "4.1.1"), datetime(2024, 5, 31, 15, 0, tzinfo=timezone.utc))
    for i, order in enumerate(([a, b], [b, a])):
        with Tracker(tmp_path / f"r{i}.db", durable=False) as tracker:
            for data, sent in order:
                assert tracker.add(data, sent_at=sent).new
            (status,) = tracker.status(at=AT, timeout=timedelta(minutes=45)).requests
            assert status.srv == "11.2"  # the least of the two, whatever the order
            # the earliest send time counts: 15:00 + 45 min is before 16:30
            assert status.state is RequestState.TIMED_OUT


def test_a_duplicate_document_changes_nothing_even_with_another_send_time(
    tracker: Tracker,
) -> None:
    first = datetime(2024, 5, 31, 16, 0, tzinfo=timezone.utc)
    assert tracker.add(request(T0 + 21), sent_at=first).new
    assert not tracker.add(request(T0 + 21), sent_at=first - timedelta(hours=5)).new
    (status,) = tracker.status(at=AT, timeout=timedelta(minutes=45)).requests
    assert status.state is RequestState.PENDING


def test_cli_status_state_filter_and_empty_store(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from duis.cli import cli

    db = str(tmp_path / "s.db")
    runner = CliRunner()
    empty = runner.invoke(cli, ["track", "status", "--db", db, "--format", "json"])
    assert empty.exit_code == 0 and json.loads(empty.output)["requests"] == []
    for i, data in enumerate(stream()):
        (tmp_path / f"m{i:02}.xml").write_bytes(data)
    assert runner.invoke(cli, ["track", "add", "-q", "--db", db, str(tmp_path)]).exit_code == 0
    args = ["track", "status", "--db", db, "--at", "2024-05-31T16:30:00Z", "--state", "failed"]
    data = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    assert {r["state"] for r in data["requests"]} == {"failed"}
    assert data["counts"]["complete"] == 2  # the counts stay whole
