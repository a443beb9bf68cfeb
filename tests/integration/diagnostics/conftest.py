"""Fixtures for the probes on the real machine: settings and a CPU burner."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from itsm.diagnostics.config import DiagnosticsSettings


@pytest.fixture
def settings() -> DiagnosticsSettings:
    # A short window keeps the suite fast; no fqdn lookup, so no resolver traffic.
    return DiagnosticsSettings(sample_window_seconds=0.3, resolve_fqdn=False, top_processes=50)


@pytest.fixture
def busy_cpu() -> Iterator[None]:
    """Keep one core busy with real work while the test measures."""
    stop = threading.Event()

    def spin() -> None:
        n = 0
        while not stop.is_set():
            n += 1

    thread = threading.Thread(target=spin, name="busy-cpu", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
