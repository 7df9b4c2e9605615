"""``duis inspect``'s body decoding stays linear on hostile bodies (issue 14.3).

Times :func:`mmc.describe` (what ``duis inspect`` runs) on bodies with many undeclared
attributes, many stray siblings and many valid repeated children, at a size N and at
4N, in one process. Linear work gives a ratio near 4, quadratic near 16; exits 1 when a
ratio exceeds the budget or the 4N case takes longer than the time budget.

    python benchmarks/bench_inspect.py [--n 20000] [--ratio 8] [--seconds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duis.xml
import mmc
from duis.schemas import default_registry

_ROOT = Path(__file__).resolve().parents[1]
_REQUEST = (_ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml").read_bytes()


def _with_body(inner: bytes) -> bytes:
    start = _REQUEST.index(b"<sr:Body>") + len(b"<sr:Body>")
    return _REQUEST[:start] + inner + _REQUEST[_REQUEST.index(b"</sr:Body>") :]


CASES: dict[str, Callable[[int], bytes]] = {
    "undeclared attributes": lambda n: _with_body(
        b"<sr:ReadInventory" + b"".join(b' a%d="x"' % i for i in range(n // 10)) + b"/>"
    ),
    "stray siblings": lambda n: _with_body(
        b"<sr:ReadInventory>" + b"<sr:X>1</sr:X>" * n + b"</sr:ReadInventory>"
    ),
    "unchecked repeated children": lambda n: _with_body(
        b"<sr:UpdateMeterBalance>" + b"<sr:X>1</sr:X>" * n + b"</sr:UpdateMeterBalance>"
    ),
}


def _time(data: bytes) -> float:
    registry = default_registry()
    tree = duis.xml.parse(data)
    start = time.perf_counter()
    mmc.describe(tree, registry=registry)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--ratio", type=float, default=8.0)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    _time(_REQUEST)  # compile the decoder outside the measurements
    failed = False
    for name, make in CASES.items():
        small = min(_time(make(args.n)) for _ in range(3))
        large = min(_time(make(4 * args.n)) for _ in range(3))
        ratio = large / small if small > 0 else 0.0
        ok = ratio <= args.ratio and large <= args.seconds
        failed |= not ok
        print(
            f"{name:30} N={args.n}: {small * 1000:8.1f} ms  4N: {large * 1000:8.1f} ms  "
            f"ratio {ratio:4.1f} (budget {args.ratio})  {'ok' if ok else 'MISSED'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
