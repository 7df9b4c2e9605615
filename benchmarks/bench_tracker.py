"""Feeding the tracker: messages per second, and memory that stays flat.

Feeds 100,000 responses (acknowledgements, device responses, errors, future-dated
instruction outcomes, throttled device and DCC alerts, for 20,000 requests) to a
fresh :class:`duis.Tracker`, made on the fly from the project's own examples, and
prints messages per second and the peak resident memory after 10,000 and after
100,000 messages. In the same run it times the floor every feed pays, parsing the
same messages with ``duis.xml.parse``, and prints the ratio. A smaller sample is fed
with ``durable=True`` (an fsync per message) to show what durability costs.

    python benchmarks/bench_tracker.py [--messages 100000] [--min-rate 300] [--max-growth-mb 25]

Exits 1 when the rate is below ``--min-rate`` messages/s or the peak memory grows by
more than ``--max-growth-mb`` between 10,000 and the last message (a tracker that
kept messages in memory would grow by hundreds of MB here).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(_ROOT))

from duis import Tracker  # noqa: E402
from duis.xml import parse  # noqa: E402

_EXAMPLES = _ROOT / "examples" / "responses"
_USER = "00-24-13-01-00-00-00-01"
_T0 = 1_717_171_717_000


def _templates() -> dict[str, str]:
    read = lambda name: (_EXAMPLES / name).read_text("utf-8")  # noqa: E731
    alert = read("device-alert.xml").replace(
        "<sr:AlertCode>8F35</sr:AlertCode>",
        "<sr:AlertCode>8F35</sr:AlertCode>"
        "<sr:ThrottledAlertSequenceId>{seq}</sr:ThrottledAlertSequenceId>"
        "<sr:ThrottledAlertCount>{count}</sr:ThrottledAlertCount>",
    )
    return {
        "ack": read("acknowledgement.xml"),
        "response": read("read-firmware-version.xml"),
        "error": read("ineligible-role.xml"),
        "outcome": read("future-dated-alert.xml"),
        "alert": alert,
    }


def _device(i: int) -> str:
    return "00-DB-12-34-56-" + "-".join(f"{b:02X}" for b in (i >> 16 & 255, i >> 8 & 255, i & 255))


def messages(n: int) -> Iterator[bytes]:
    """``n`` distinct responses and alerts, five per request, built as they are fed."""
    t = _templates()
    for i in range(n):
        request, kind = divmod(i, 5)
        device = _device(request % 4096)
        rid = f"{_USER}:{device}:{_T0 + request}"
        if kind == 0:
            text = t["ack"].replace(
                "00-24-13-01-00-00-00-01:00-DB-12-34-56-78-90-C1:1717171717002", rid
            )
        elif kind == 1:
            source = t["error"] if request % 7 == 0 else t["response"]
            text = source.replace(
                source.split("<sr:RequestID>")[1].split("</sr:RequestID>")[0], rid, 1
            )
        elif kind in (2, 3):
            text = (
                t["outcome"]
                .replace("00-24-13-01-00-00-00-01:00-DB-12-34-56-78-90-A2:1717171717006", rid)
                .replace("<sr:InstructionNumber>1<", f"<sr:InstructionNumber>{kind - 1}<")
            )
        else:
            text = (
                t["alert"]
                .replace("00-DB-12-34-56-78-90-A2:", f"{device}:")
                .replace(":1717171718000", f":{_T0 + i}")
                .format(seq=request // 4096 * 2 + 1, count=request % 5)
            )
        yield text.encode("utf-8")


def _peak_mb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def _feed(tracker: Tracker, n: int, marks: tuple[int, ...]) -> tuple[float, dict[int, float]]:
    peaks: dict[int, float] = {}
    start = time.perf_counter()
    for i, data in enumerate(messages(n), 1):
        tracker.add(data)
        if i in marks:
            peaks[i] = _peak_mb()
    return time.perf_counter() - start, peaks


def _parse_floor(n: int) -> float:
    start = time.perf_counter()
    for data in messages(n):
        parse(data)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--min-rate", type=float, default=300.0)
    parser.add_argument("--max-growth-mb", type=float, default=25.0)
    parser.add_argument("--durable-sample", type=int, default=2_000)
    args = parser.parse_args(argv)
    n = args.messages
    first = min(10_000, n)
    with tempfile.TemporaryDirectory() as folder:
        gc.collect()
        floor = _parse_floor(min(n, 20_000)) * (n / min(n, 20_000))
        with Tracker(Path(folder) / "bench.db", durable=False) as tracker:
            elapsed, peaks = _feed(tracker, n, (first, n))
            status = tracker.status(at=datetime(2024, 6, 1, tzinfo=timezone.utc))
        with Tracker(Path(folder) / "durable.db", durable=True) as durable:
            sample = min(args.durable_sample, n)
            durable_elapsed, _ = _feed(durable, sample, ())
    rate = n / elapsed
    growth = peaks[n] - peaks[first]
    print(f"tracker (durable=False): {n} messages in {elapsed:.1f} s = {rate:,.0f} messages/s")
    print(
        f"floor (duis.xml.parse only): {n / floor:,.0f} messages/s; "
        f"tracker / parse time = {elapsed / floor:.1f}x"
    )
    print(
        f"tracker (durable=True, fsync per message): {sample / durable_elapsed:,.0f} messages/s "
        f"over {sample}"
    )
    print(f"peak RSS after {first:,} messages: {peaks[first]:.1f} MB")
    print(f"peak RSS after {n:,} messages: {peaks[n]:.1f} MB (growth {growth:+.1f} MB)")
    print(
        f"status: {len(status.requests)} requests {status.counts()}, "
        f"{len(status.future_dated)} future-dated, {len(status.throttling)} devices throttled"
    )
    failed = False
    if rate < args.min_rate:
        print(f"MISSED: {rate:,.0f} messages/s is below {args.min_rate:,.0f}")
        failed = True
    if growth > args.max_growth_mb:
        print(f"MISSED: memory grew {growth:.1f} MB (budget {args.max_growth_mb} MB)")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
