"""``duis sign`` killed with SIGKILL at random points of a 2,000-file batch, 20 times.

Run: ``python benchmarks/crash_sign.py [--files 2000] [--kills 20] [--seed 1]`` from the
repository root (POSIX only; uses the project's own test PKI in ``examples/pki``).
The suite keeps a small version (tests/test_cli_sign_batch.py); this is the issue's
full check, too slow for CI. Half the kills hit ``-o DIR`` runs, half ``--in-place``
runs. After every kill:

* no input changed (``-o``), or each file is its original bytes or a complete signed
  request (``--in-place``: replaced only by rename);
* every output present is complete: well-formed, one ds:SignatureValue, the root
  closed (no half-written target; a killed write may leave only a hidden ``.*.tmp``);
* no counter is handed out twice, across all the runs (they share one counter store),
  and a final uninterrupted run gets counters above every one seen.

Prints what each kill left and exits 1 on any violation, 2 if it cannot run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"
PKI = ROOT / "examples" / "pki"
COUNTER = re.compile(rb"<sr:RequestID>[^<]*:(\d+)</sr:RequestID>")
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}

problems: list[str] = []


def sign_cmd(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "duis", "sign", "-q", "--isolated", "--keystore", str(PKI),
            "--counter-db", str(db), *args]  # fmt: skip


def complete_output(path: Path, data: bytes) -> int | None:
    """The counter of a complete signed output, or None (and a problem noted)."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        problems.append(f"{path}: not well-formed ({exc}): half-written?")
        return None
    if data.count(b"<ds:SignatureValue>") != 1 or not root.tag.endswith("}Request"):
        problems.append(f"{path}: not one complete signed request")
        return None
    found = COUNTER.search(data)
    if found is None:
        problems.append(f"{path}: no RequestID counter")
        return None
    return int(found.group(1))


def note_counter(seen: dict[int, str], counter: int | None, where: str) -> None:
    if counter is None:
        return
    if counter in seen:
        problems.append(f"counter {counter} handed out twice: {seen[counter]} and {where}")
    seen[counter] = where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if os.name != "posix" or not GOOD.is_file():
        print("needs POSIX and examples/ (run from the repository root)", file=sys.stderr)
        sys.exit(2)
    rng = random.Random(args.seed)
    original = GOOD.read_bytes()
    with tempfile.TemporaryDirectory(prefix="crash-sign-") as name:
        tmp = Path(name)
        src = tmp / "src"
        src.mkdir()
        for i in range(args.files):
            (src / f"r{i:05}.xml").write_bytes(original)
        db = tmp / "counters.db"
        # One uninterrupted run first: how long a batch takes, so kills land inside it.
        start = time.perf_counter()
        first = tmp / "out-full"
        first.mkdir()
        done = subprocess.run(
            sign_cmd(db, "-o", str(first), str(src)), env=ENV, capture_output=True
        )
        full = time.perf_counter() - start
        if done.returncode != 0:
            print(f"duis sign failed: {done.stderr.decode()[-500:]}", file=sys.stderr)
            sys.exit(2)
        seen: dict[int, str] = {}
        for path in sorted(first.glob("*.xml")):
            note_counter(seen, complete_output(path, path.read_bytes()), str(path))
        print(f"{args.files} files signed in {full:.1f}s; {args.kills} kills follow")
        for attempt in range(args.kills):
            in_place = attempt % 2 == 1
            if in_place:
                target = tmp / f"inplace-{attempt}"
                shutil.copytree(src, target)
                cmd = sign_cmd(db, "--in-place", str(target))
            else:
                target = tmp / f"out-{attempt}"
                target.mkdir()
                cmd = sign_cmd(db, "-o", str(target), str(src))
            proc = subprocess.Popen(
                cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            delay = rng.uniform(0.05, full * 1.05)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            signed = kept = temps = 0
            for path in sorted(target.iterdir()):
                if path.name.startswith(".") and path.name.endswith(".tmp"):
                    temps += 1
                    continue
                data = path.read_bytes()
                if in_place and data == original:
                    kept += 1
                    continue
                signed += 1
                note_counter(seen, complete_output(path, data), str(path))
            if not in_place:
                changed = [p for p in src.iterdir() if p.read_bytes() != original]
                if changed:
                    problems.append(f"kill {attempt}: {len(changed)} input(s) changed")
            how = "--in-place" if in_place else "-o DIR   "
            print(
                f"  kill {attempt + 1:2} {how} after {delay:5.2f}s (exit {proc.returncode}): "
                f"{signed} signed, {kept} untouched, {temps} hidden temporaries"
            )
            shutil.rmtree(target)
        # Counters reserved by killed runs but never written are skipped, not reissued.
        last = tmp / "out-last"
        last.mkdir()
        done = subprocess.run(sign_cmd(db, "-o", str(last), str(src)), env=ENV, capture_output=True)
        if done.returncode != 0:
            problems.append(f"final run exited {done.returncode}")
        before = max(seen) if seen else 0
        for path in sorted(last.glob("*.xml")):
            counter = complete_output(path, path.read_bytes())
            note_counter(seen, counter, str(path))
            if counter is not None and counter <= before:
                problems.append(f"final run reissued counter {counter} (<= {before})")
                break
    if problems:
        print(f"{len(problems)} problem(s):")
        for line in problems[:20]:
            print("  " + line)
        sys.exit(1)
    print(f"ok: {len(seen)} counters, all distinct; inputs intact; no half-written output")


if __name__ == "__main__":
    main()
