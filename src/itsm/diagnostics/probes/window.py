"""One sampling window shared by every rate-based probe.

CPU, per-process and network rates are differences between two counter readings:
the runner opens one :class:`SampleWindow`, the instant probes run while it
elapses, and the first probe that asks for a delta closes it, so a run lasts one
window, not one per probe. A probe called alone opens its own.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import psutil

T = TypeVar("T")

#: ``{"user": seconds, "idle": seconds, ...}`` as returned by ``psutil.cpu_times``.
CpuTimes = dict[str, float]
#: ``{interface: {"bytes_sent": n, "errin": n, ...}}``.
NetCounters = dict[str, dict[str, int]]


class WindowReadError(RuntimeError):
    """A counter could not be read at one end of the window."""


@dataclass(frozen=True, slots=True)
class CpuReading:
    total: CpuTimes
    per_cpu: list[CpuTimes]


@dataclass(frozen=True, slots=True)
class ProcessUsage:
    """One process over the window; ``cpu_percent`` is of ONE core (may exceed 100)."""

    pid: int
    name: str
    username: str | None
    cpu_percent: float
    rss_bytes: int
    memory_percent: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SampleWindow:
    """Counter readings at both ends of a ``seconds``-long interval.

    Both ends are explicit readings: ``psutil.cpu_percent()``'s first call returns
    a meaningless 0.0.
    """

    def __init__(self, seconds: float, *, processes: bool = True, slices: int = 1) -> None:
        self.seconds = seconds
        self.slices = max(1, slices)
        self._cpu_marks: list[CpuReading | Exception] = []  # CPU times between slices
        self._want_processes = processes
        self._lock = threading.Lock()
        self._started_at = time.monotonic()
        self._cpu_start = _attempt(_read_cpu)
        self._net_start = _attempt(_read_net)
        self._primed = _attempt(_prime_processes) if processes else []
        self._closed = False
        self._elapsed = 0.0
        self._cpu_end: CpuReading | Exception = WindowReadError("window not closed")
        self._net_end: NetCounters | Exception = WindowReadError("window not closed")
        self._processes: list[ProcessUsage] | Exception = []

    @classmethod
    def start(cls, seconds: float, *, processes: bool = True, slices: int = 1) -> SampleWindow:
        """Take the opening readings now; ``processes`` also primes per-process CPU;
        ``slices`` > 1 also reads CPU times between that many equal slices."""
        return cls(seconds, processes=processes, slices=slices)

    def close(self) -> None:
        """Wait for the rest of the window and take the closing readings (idempotent)."""
        with self._lock:
            if self._closed:
                return
            for part in range(1, self.slices + 1):
                remaining = self._started_at + self.seconds * part / self.slices - time.monotonic()
                if remaining > 0:
                    time.sleep(remaining)
                if part < self.slices:
                    self._cpu_marks.append(_attempt(_read_cpu))
            self._cpu_end = _attempt(_read_cpu)
            self._net_end = _attempt(_read_net)
            self._elapsed = time.monotonic() - self._started_at
            primed = self._primed
            if self._want_processes:
                self._processes = (
                    primed if isinstance(primed, Exception) else _attempt(lambda: _usage(primed))
                )
            self._closed = True

    @property
    def elapsed_seconds(self) -> float:
        self.close()
        return self._elapsed

    def cpu(self) -> tuple[CpuReading, CpuReading]:
        self.close()
        return _unwrap(self._cpu_start, "CPU times"), _unwrap(self._cpu_end, "CPU times")

    def cpu_slices(self) -> list[tuple[CpuReading, CpuReading]]:
        """The CPU readings at both ends of each slice (one pair: the whole window)."""
        self.close()
        marks = [self._cpu_start, *self._cpu_marks, self._cpu_end]
        readings = [_unwrap(m, "CPU times") for m in marks]
        return list(itertools.pairwise(readings))

    def net(self) -> tuple[NetCounters, NetCounters]:
        self.close()
        return _unwrap(self._net_start, "network counters"), _unwrap(
            self._net_end, "network counters"
        )

    def processes(self) -> list[ProcessUsage]:
        self.close()
        if not self._want_processes:
            raise WindowReadError("this window was opened without process sampling")
        return _unwrap(self._processes, "process list")


def _attempt(read: Callable[[], T]) -> T | Exception:
    try:
        return read()
    except Exception as exc:  # surfaced by _unwrap to the probe that needs it
        return exc


def _unwrap(value: T | Exception, what: str) -> T:
    if isinstance(value, Exception):
        raise WindowReadError(f"cannot read {what}: {type(value).__name__}: {value}") from value
    return value


def _read_cpu() -> CpuReading:
    return CpuReading(
        total=dict(psutil.cpu_times()._asdict()),
        per_cpu=[dict(c._asdict()) for c in psutil.cpu_times(percpu=True)],
    )


def _read_net() -> NetCounters:
    return {
        name: dict(counters._asdict())
        for name, counters in psutil.net_io_counters(pernic=True, nowrap=True).items()
    }


def _prime_processes() -> list[psutil.Process]:
    primed = []
    for proc in psutil.process_iter():
        try:
            proc.cpu_percent(None)  # first call only records the starting point
        except psutil.Error:
            continue
        primed.append(proc)
    return primed


def _usage(primed: list[psutil.Process]) -> list[ProcessUsage]:
    usage = []
    for proc in primed:
        try:
            if not proc.is_running():  # exited, or its PID was reused
                continue
            with proc.oneshot():
                cpu = proc.cpu_percent(None)
                try:
                    username: str | None = proc.username()
                except (psutil.AccessDenied, KeyError):
                    username = None
                usage.append(
                    ProcessUsage(
                        pid=proc.pid,
                        name=proc.name(),
                        username=username,
                        cpu_percent=round(cpu, 1),
                        rss_bytes=int(proc.memory_info().rss),
                        memory_percent=round(proc.memory_percent(), 2),
                    )
                )
        except psutil.Error:
            continue  # vanished or not ours to read: not part of the picture
    return usage
