"""Run blocking calls concurrently with one overall deadline, on daemon threads.

``statvfs`` on a dead NFS mount, ``getaddrinfo`` against a silent resolver
and ``getfqdn`` can block far longer than any socket timeout, and none of
them can be cancelled. A ``ThreadPoolExecutor`` would join such a thread at
interpreter exit and hang the CLI; daemon threads let the run report
"timed out" and move on, leaving the stuck call to die with the process.
The number of calls is small and bounded by configuration (mounts, targets).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """Result of one call: a value, the exception it raised, or a timeout."""

    value: T | None = None
    error: Exception | None = None
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


class DeadlineBatch(Generic[K, T]):
    """Calls started at construction; :meth:`wait` collects them by the deadline."""

    def __init__(self, calls: Mapping[K, Callable[[], T]], timeout: float) -> None:
        self._keys = list(calls)
        self._results: dict[K, Outcome[T]] = {}
        self._lock = threading.Lock()
        self._deadline = time.monotonic() + timeout
        self._threads = [
            threading.Thread(target=self._run, args=(k, c), name="itsm-diagnostics", daemon=True)
            for k, c in calls.items()
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, key: K, call: Callable[[], T]) -> None:
        try:
            outcome: Outcome[T] = Outcome(value=call())
        except Exception as exc:  # reported to the caller as data
            outcome = Outcome(error=exc)
        with self._lock:
            self._results[key] = outcome

    def wait(self) -> dict[K, Outcome[T]]:
        """Block until every call is done or the deadline passed; late calls time out."""
        for thread in self._threads:
            thread.join(max(0.0, self._deadline - time.monotonic()))
        with self._lock:
            return {key: self._results.get(key, Outcome(timed_out=True)) for key in self._keys}


def run_with_deadline(calls: Mapping[K, Callable[[], T]], timeout: float) -> dict[K, Outcome[T]]:
    """Start every call at once and wait at most ``timeout`` seconds for all of them."""
    return DeadlineBatch(calls, timeout).wait()


def call_with_deadline(call: Callable[[], T], timeout: float) -> Outcome[T]:
    """Single-call form of :func:`run_with_deadline`."""
    return run_with_deadline({0: call}, timeout)[0]
