"""``itsm diag watch`` end to end: debounced tickets, and a clean stop on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from tests.e2e.cli import ITSM, TIMEOUT, Cli, describe
from tests.e2e.diag.conftest import LOW_DISK

SAMPLE_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (HEALTHY|WARNING|CRITICAL|UNKNOWN) ")


def test_watch_opens_a_ticket_once_the_problem_persisted(cli: Cli) -> None:
    env = {**LOW_DISK, "ITSM_DIAGNOSTICS__PERSIST_SAMPLES": "2"}
    out = cli.ok("diag", "watch", "--interval", "1", "--count", "2", env=env)
    lines = out.splitlines()
    samples = [line for line in lines if SAMPLE_LINE.match(line)]
    assert len(samples) == 2, out
    assert samples[0].endswith("0 active problems; no ticket changes"), out
    assert "opened TKT-" in samples[1], out
    assert lines[-1] == "Stopped after 2 samples."
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
    assert re.search(r"^Stopped after \d+ samples?\.$", out, re.MULTILINE), describe(result)
    assert err == "", describe(result)
    assert "Traceback" not in out + err


_PROBE = """
import atexit, sys
UNNEEDED = ("alembic", "rich", "fastapi", "starlette", "uvicorn", "httpx")
OTHER_DOMAINS = ("itsm.accounts.", "itsm.kb.", "itsm.reports.", "itsm.api.routers")
if "sqlite" in sys.argv[1]:  # SQLAlchemy's PostgreSQL dialect costs 2 MB
    OTHER_DOMAINS += ("sqlalchemy.dialects.postgresql",)
def report():
    loaded = sorted(
        m for m in sys.modules
        if m.split(".")[0] in UNNEEDED or m.startswith(OTHER_DOMAINS)
    )
    print(f"PROBE {','.join(loaded)}", file=sys.stderr)
atexit.register(report)
from itsm.cli.main import main
main(sys.argv[2:])
"""


def test_the_local_agent_loads_only_what_it_uses(cli: Cli) -> None:
    """Issue 3 (memory): no Alembic on a database at head, no Rich for plain lines,
    no other door and no unrelated domain; each would cost the agent megabytes."""
    args = ["diag", "watch", "--interval", "1", "--count", "2"]
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, cli.env["ITSM_DATABASE_URL"], *args],
        env={**cli.env, **LOW_DISK},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    samples = [line for line in done.stdout.splitlines() if SAMPLE_LINE.match(line)]
    assert len(samples) == 2, done.stdout
    assert done.stdout.splitlines()[-1] == "Stopped after 2 samples.", done.stdout
    probe = [line for line in done.stderr.splitlines() if line.startswith("PROBE")]
    assert probe == ["PROBE "], done.stderr
