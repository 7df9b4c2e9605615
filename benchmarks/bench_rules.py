"""What the request rules add to ``duis.validate``: at most 20%, measured here.

Runs ``duis.validate`` over every reference request with DCC's official 5.4 schema,
once with the rules and once with them switched off (the pipeline's call replaced by a
no-op), interleaved in one process so both see the same machine. Prints microseconds
per message and the ratio; exits 1 when the rules cost more than the budget.

    python benchmarks/bench_rules.py [--rounds N] [--budget 0.20]

Needs the reference folder (``$DUIS_REFERENCE_DIR`` or ``../shared/reference``).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from duis.catalogue import UserRole
from duis.config import Config
from duis.ids import EUI64
from duis.report import Report
from duis.rules import check_request
from duis.schemas import SchemaRegistry

_ROOT = Path(__file__).resolve().parents[1]
# The pipeline module (private: ``duis.validate`` is the function).
pipeline = importlib.import_module("duis._validate")


def _reference() -> Path:
    env = os.environ.get("DUIS_REFERENCE_DIR")
    for candidate in ([Path(env)] if env else []) + [_ROOT.parent / "shared" / "reference"]:
        if (candidate / "dcc-schemas" / "5.4").is_dir():
            return candidate
    sys.exit("reference folder not found: set DUIS_REFERENCE_DIR")


def _no_rules(root: etree._Element, report: Report, config: Config) -> None:
    return None


def _run(
    messages: list[bytes], registry: SchemaRegistry, config: Config, rules: Callable[..., None]
) -> float:
    pipeline.check_request = rules  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        for data in messages:
            pipeline.validate(data, schemas=registry, config=config)
        return (time.perf_counter() - start) / len(messages)
    finally:
        pipeline.check_request = check_request


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--budget", type=float, default=0.20)
    args = parser.parse_args(argv)

    ref = _reference()
    registry = SchemaRegistry([ref / "dcc-schemas" / "5.4"])
    paths = sorted(p for p in (ref / "requests").rglob("*") if p.suffix.lower() == ".xml")
    messages = [p.read_bytes() for p in paths]
    messages = [m for m in messages if b"<sr:Request " in m[:400]]
    settings = {
        "no settings": Config(),
        "role + DCC EUI + SMETS2": Config(
            role=UserRole.IS, dcc_eui=EUI64.parse("90-B3-D5-1F-30-00-00-02"), smets=2
        ),
    }
    print(f"{len(messages)} reference requests, official DUIS 5.4 schema, {args.rounds} rounds")
    worst = 0.0
    for name, config in settings.items():
        for rules in (_no_rules, check_request):  # warm up: compile, caches
            _run(messages, registry, config, rules)
        without: list[float] = []
        with_rules: list[float] = []
        gc.disable()
        try:
            for _ in range(args.rounds):
                without.append(_run(messages, registry, config, _no_rules))
                with_rules.append(_run(messages, registry, config, check_request))
        finally:
            gc.enable()
        base, full = statistics.median(without), statistics.median(with_rules)
        ratio = full / base
        worst = max(worst, ratio - 1)
        print(
            f"  {name:<24} validate without rules {base * 1e6:7.1f} us/msg, "
            f"with rules {full * 1e6:7.1f} us/msg, ratio {ratio:.3f} "
            f"(rules +{(full - base) * 1e6:.1f} us, {100 * (ratio - 1):+.1f}%)"
        )
    verdict = "within" if worst <= args.budget else "OVER"
    print(f"rules cost at most {100 * worst:+.1f}%: {verdict} the {100 * args.budget:.0f}% budget")
    return 0 if worst <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
