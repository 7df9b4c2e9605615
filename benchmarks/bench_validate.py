"""How fast is ``duis.validate`` next to raw lxml, and how light is a cold CLI run?

Run: ``python benchmarks/bench_validate.py [REFERENCE_DIR]``. It compares, in one run on
the same machine:

* ``duis.validate`` (safe parse, kind, schemaVersion, XSD, rules, report) over every
  reference request, against the floor: raw ``lxml.etree.fromstring`` + ``XMLSchema.validate``
  with the *same* compiled official DUIS 5.4 schema. Target: at most 1.5x the floor.
* A cold ``duis validate --schema-dir 5.4 requests/`` in a fresh process: wall time
  and peak RSS. Targets: under 1 s and under 100 MB on a 2-core machine.

The numbers are medians of repeated passes; the process prints ratios, not verdicts on
speed in absolute terms (machines differ); it exits 1 when a target is missed and 2 when it
cannot run.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from duis import Config, SchemaRegistry, validate

ROOT = Path(__file__).resolve().parents[1]
# The command a user runs: the installed console script, else ``python -m duis``.
_SCRIPT = shutil.which("duis")
DUIS = [_SCRIPT] if _SCRIPT else [sys.executable, "-m", "duis"]


def reference_dir() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    env = os.environ.get("DUIS_REFERENCE_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "reference"


def per_message(
    fns: list[Callable[[bytes], object]], corpus: list[bytes], passes: int = 21
) -> list[float]:
    """Median over passes of the mean seconds per message, for each function.

    The functions take turns within every pass, so a burst of load on this shared
    machine hits all of them alike instead of skewing one.
    """
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(passes):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for data in corpus:
                fn(data)
            samples[i].append((time.perf_counter() - start) / len(corpus))
    return [statistics.median(s) for s in samples]


def main() -> int:
    ref = reference_dir()
    bundle_dir = ref / "dcc-schemas" / "5.4"
    if not bundle_dir.is_dir():
        print(f"reference data not found at {ref}; pass its folder as the argument")
        return 2
    files = sorted(p for p in (ref / "requests").rglob("*") if p.suffix.lower() == ".xml")
    corpus = [p.read_bytes() for p in files]
    registry = SchemaRegistry([bundle_dir])
    bundle = registry.official[0]
    schema = bundle.compiled()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def raw(data: bytes) -> bool:
        return bool(schema.validate(etree.fromstring(data, parser)))

    config = Config()

    def ours(data: bytes) -> bool:
        return validate(data, schemas=registry, config=config).valid

    def ours_embedded(data: bytes) -> bool:
        return validate(data, config=config).valid

    per_message([raw, ours, ours_embedded], corpus, passes=2)  # warm caches and schemas
    t_raw, t_ours, t_emb = per_message([raw, ours, ours_embedded], corpus)
    mean_size = sum(map(len, corpus)) // len(corpus)
    print(f"corpus: {len(corpus)} reference requests, mean {mean_size} bytes")
    rows = [
        ("raw lxml parse + validate (DCC DUIS 5.4)", t_raw, ""),
        ("duis.validate (DCC DUIS 5.4, with rules)", t_ours, " (target <= 1.5x)"),
        ("duis.validate (embedded schema, with rules)", t_emb, ""),
    ]
    for label, seconds, note in rows:
        print(f"{label:45s} {seconds * 1e6:7.1f} us/message  ratio {seconds / t_raw:.2f}x{note}")

    walls = []
    rss = 0
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run(
            [
                *DUIS,
                "validate",
                "--schema-dir",
                str(bundle_dir),
                str(ref / "requests"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        walls.append(time.perf_counter() - start)
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            return 2
        rss = max(rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    wall = statistics.median(walls)
    print(
        f"cold 'duis validate' of {len(corpus)} files: {wall:.3f} s wall "
        f"(target < 1 s), peak RSS {rss / 1024:.0f} MB (target < 100 MB)"
    )
    missed = [
        name
        for name, ok in (
            ("validate <= 1.5x raw lxml", t_ours <= 1.5 * t_raw),
            ("cold CLI < 1 s", wall < 1.0),
            ("cold CLI < 100 MB", rss / 1024 < 100),
        )
        if not ok
    ]
    for name in missed:
        print(f"MISSED: {name}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
