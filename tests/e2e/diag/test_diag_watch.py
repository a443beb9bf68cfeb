"""``itsm diag watch`` end to end: debounced tickets, and a clean stop on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from typing import Any

from tests.e2e.cli import ITSM, Cli, describe
from tests.e2e.diag.conftest import LOW_DISK

SAMPLE_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (HEALTHY|WARNING|CRITICAL|UNKNOWN) ")


def test_watch_opens_a_ticket_once_the_problem_persisted(cli: Cli) -> None:
    env = {**LOW_DISK, "ITSM_DIAGNOSTICS__PERSIST_SAMPLES": "2"}
    out = cli.ok("diag", "watch", "--interval", "1", "--count", "2", env=env)
    lines = out.splitlines()
    samples = [line for line in lines if SAMPLE_LINE.match(line)]
    assert len(samples) == 2, out
    assert samples[0].endswith("0 active problem(s); no ticket changes"), out
    assert "opened TKT-" in samples[1], out
    assert lines[-1] == "Stopped after 2 sample(s)."
    page: dict[str, Any] = cli.json("ticket", "list")
    numbers = {t["number"] for t in page["items"] if t["source"] == "diagnostic"}
    assert numbers
    assert all(n in samples[1] for n in numbers)


def test_sigterm_stops_watch_promptly_and_cleanly(cli: Cli) -> None:
    env = {**cli.env, **LOW_DISK}  # no PYTHONUNBUFFERED: lines must reach a pipe as they happen
    proc = subprocess.Popen(
        [str(ITSM), "diag", "watch", "--interval", "1"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    watchdog = threading.Timer(90, proc.kill)  # a hung agent fails the test, not the suite
    watchdog.start()
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # blocks until the first sample was processed
        assert SAMPLE_LINE.match(first), first
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, first + out, err)
    assert proc.returncode == 0, describe(result)
    assert took < 10
    assert re.search(r"^Stopped after \d+ sample\(s\)\.$", out, re.MULTILINE), describe(result)
    assert err == "", describe(result)
    assert "Traceback" not in out + err
