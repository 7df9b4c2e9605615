"""Prometheus text-format metrics for one worker process, kept without a dependency.

Counters and a latency histogram per endpoint, refusals by rule id. Each worker
keeps its own numbers and labels them with its process id, so a scrape through a
load balancer shows which worker answered; sum over ``worker`` for the service.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable

__all__ = ["Metrics"]

#: Histogram bucket upper bounds in seconds: fine below 20 ms, where signing lives.
BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
)  # fmt: skip


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + inner + "}"


class Metrics:
    """Request counts, latencies and refusals; updated from the event loop only."""

    def __init__(self) -> None:
        self.worker = str(os.getpid())
        self.requests: defaultdict[tuple[str, str, int], int] = defaultdict(int)
        self.refusals: defaultdict[tuple[str, str], int] = defaultdict(int)
        self._buckets: defaultdict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self._sum: defaultdict[str, float] = defaultdict(float)
        self._count: defaultdict[str, int] = defaultdict(int)
        self.in_flight = 0

    def observe(
        self, route: str, method: str, status: int, seconds: float, rule: str | None
    ) -> None:
        self.requests[(route, method, status)] += 1
        if rule is not None:
            self.refusals[(route, rule)] += 1
        buckets = self._buckets[route]
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                buckets[i] += 1
                break
        self._sum[route] += seconds
        self._count[route] += 1

    def render(self) -> bytes:
        w = ("worker", self.worker)
        out: list[str] = [
            "# HELP duis_serve_requests_total HTTP requests answered, by route, method and status.",
            "# TYPE duis_serve_requests_total counter",
        ]
        for (route, method, status), n in sorted(self.requests.items()):
            labels = _labels([w, ("route", route), ("method", method), ("status", str(status))])
            out.append(f"duis_serve_requests_total{labels} {n}")
        out += [
            "# HELP duis_serve_refusals_total Requests refused, by route and rule id.",
            "# TYPE duis_serve_refusals_total counter",
        ]
        for (route, rule), n in sorted(self.refusals.items()):
            labels = _labels([w, ("route", route), ("rule", rule)])
            out.append(f"duis_serve_refusals_total{labels} {n}")
        out += [
            "# HELP duis_serve_request_duration_seconds Time from request to response.",
            "# TYPE duis_serve_request_duration_seconds histogram",
        ]
        for route in sorted(self._count):
            cumulative = 0
            for bound, n in zip(BUCKETS, self._buckets[route], strict=True):
                cumulative += n
                labels = _labels([w, ("route", route), ("le", repr(bound))])
                out.append(f"duis_serve_request_duration_seconds_bucket{labels} {cumulative}")
            labels = _labels([w, ("route", route), ("le", "+Inf")])
            out.append(f"duis_serve_request_duration_seconds_bucket{labels} {self._count[route]}")
            base = _labels([w, ("route", route)])
            out.append(f"duis_serve_request_duration_seconds_sum{base} {self._sum[route]:.6f}")
            out.append(f"duis_serve_request_duration_seconds_count{base} {self._count[route]}")
        out += [
            "# HELP duis_serve_in_flight Requests being handled now.",
            "# TYPE duis_serve_in_flight gauge",
            f"duis_serve_in_flight{_labels([w])} {self.in_flight}",
        ]
        return ("\n".join(out) + "\n").encode("utf-8")
