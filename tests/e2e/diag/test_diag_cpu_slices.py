"""A one-off run's CPU check on a really busy machine (CPU burners), real psutil.

The burners spin on every logical CPU; the test starts sampling only once each
has said it spins and has used CPU time (observed, not slept for).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psutil

from tests.e2e.cli import Cli, describe
from tests.e2e.diag.conftest import BASE, finding, report_of

BURN = "import sys\nprint('spinning', flush=True)\nwhile True:\n    pass\n"
#: CPU utilisation judged alone, with thresholds a machine full of burners exceeds.
BUSY = {
    **BASE,
    "ITSM_DIAGNOSTICS__DISABLED_CHECKS": '["cpu.load", "disk.usage", "disk.inodes",'
    ' "disk.readonly", "memory.available", "memory.swap", "temperature", "network.errors",'
    ' "network.interface", "network.reach"]',
    "ITSM_DIAGNOSTICS__CPU__WARNING": "20",
    "ITSM_DIAGNOSTICS__CPU__CRITICAL": "30",
    "ITSM_DIAGNOSTICS__RUN_WINDOW_SECONDS": "1.5",
    "ITSM_DIAGNOSTICS__PERSIST_SAMPLES": "3",
}


@contextmanager
def burners() -> Iterator[list[subprocess.Popen[str]]]:
    procs = [
        subprocess.Popen([sys.executable, "-c", BURN], stdout=subprocess.PIPE, text=True)
        for _ in range(psutil.cpu_count(logical=True) or 1)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline() == "spinning\n"
        deadline = time.monotonic() + 30
        while any(psutil.Process(p.pid).cpu_times().user < 0.05 for p in procs):
            assert time.monotonic() < deadline, "the burners never got CPU time"
            os.sched_yield()
        yield procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def _cpu_tickets(cli: Cli) -> list[dict[str, Any]]:
    page = cli.json("ticket", "list", "--limit", "500")
    return [t for t in page["items"] if t["title"].endswith(": cpu.utilisation cpu")]


def test_sustained_load_in_every_slice_opens_one_critical_ticket(cli: Cli) -> None:
    with burners():
        first = cli.run("diag", "run", "--json", env=BUSY)
        again = cli.run("diag", "run", "--json", env=BUSY)
    for result in (first, again):
        assert result.returncode == 2, describe(result)  # Nagios CRITICAL
        report = report_of(result)
        cpu = report["probes"]["cpu"]
        assert cpu["window_seconds"] >= 1.5
        slices = cpu["slices_percent"]
        assert len(slices) == 3
        assert all(s >= 30 for s in slices), slices  # every core spun all along
        assert finding(report, "cpu.utilisation", "cpu")["severity"] == "critical"
    (ticket,) = _cpu_tickets(cli)  # the second run found the first one's ticket
    assert (ticket["priority"], ticket["status"], ticket["source"]) == (
        "critical",
        "open",
        "diagnostic",
    )
