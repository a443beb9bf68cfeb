"""Cost of the diagnostics agent (``itsm diag watch``): CPU share and resident memory.

The agent runs as a real subprocess with the real probes, storing every report
and applying the automatic-ticket logic on a throw-away SQLite database (the
embedded default); a second agent runs with ``--no-store`` (reports only); a
third sends every report to a real API server (``itsm serve`` on the same
throw-away database, a separate process that is not measured) with
``--server``, through its on-disk spool, and never loads SQLAlchemy. The
baseline, run the same way, is a bare psutil loop that takes the same readings
(CPU over a 1 s window, memory, every filesystem, network counters) and prints
one line per sample: what any Python agent costs at least.

CPU is measured over whole cycles after the first one (imports, migrations and
the first sample are start-up, not steady state) and reported as the share of
one core at a 10 s interval: CPU seconds per cycle / 10 s. Memory is the
largest RSS seen (USS, the process's own pages, is in the detail).

Targets: under 1 % of one core at a 10 s interval for every agent; under 50 MB
resident for the fleet agent (``--server``), under 75 MB for the storing one. The
``--no-store`` agent and the ratios to the bare loop (which does less work) are
figures only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import psutil

from benchmarks._core import (
    AGENT_MAX_CPU_PERCENT,
    FLEET_AGENT_MAX_RSS_MB,
    STORING_AGENT_MAX_RSS_MB,
    Figure,
    Result,
    RunConfig,
    Target,
)
from benchmarks._env import api_server, isolated_settings_env, itsm_command

NAME = "agent_watch"
TITLE = "Diagnostics agent: itsm diag watch"
REFERENCE_INTERVAL_S = 10.0

_RAW_LOOP = """
import sys, time, psutil
interval = float(sys.argv[1])
psutil.cpu_percent(None)
while True:
    began = time.monotonic()
    cpu = psutil.cpu_percent(interval=1.0)
    mem = psutil.virtual_memory()
    disks = [psutil.disk_usage(p.mountpoint) for p in psutil.disk_partitions()]
    net = psutil.net_io_counters(pernic=True)
    print(f"{cpu} {mem.percent} {len(disks)} {len(net)}", flush=True)
    time.sleep(max(0.0, interval - (time.monotonic() - began)))
"""


@dataclass(frozen=True)
class Sample:
    cpu_seconds_per_cycle: float
    rss_mb: float
    uss_mb: float

    @property
    def cpu_percent_at_reference(self) -> float:
        return 100 * self.cpu_seconds_per_cycle / REFERENCE_INTERVAL_S


def _measure(cmd: list[str], env: dict[str, str], cycles: int) -> Sample:
    """Run ``cmd`` (one output line per cycle) and measure ``cycles`` steady cycles."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        watched = psutil.Process(proc.pid)
        assert proc.stdout is not None
        _line(proc)  # the first cycle: start-up
        start_cpu = sum(watched.cpu_times()[:2])
        rss = uss = 0.0
        for _ in range(cycles):
            _line(proc)
            info = watched.memory_full_info()
            rss, uss = max(rss, info.rss / 2**20), max(uss, info.uss / 2**20)
        spent = sum(watched.cpu_times()[:2]) - start_cpu
        return Sample(spent / cycles, rss, uss)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"agent exited early ({proc.poll()}): {err.strip()[:500]}")
    return line


def run(cfg: RunConfig) -> Result:
    interval = cfg.size(full=10, smoke=2)
    cycles = cfg.size(full=6, smoke=3)
    itsm = itsm_command()
    result = Result(name=NAME, title=TITLE)
    with isolated_settings_env() as home:
        env = dict(os.environ)
        env["ITSM_DATABASE_URL"] = f"sqlite:///{home / 'agent.db'}"
        env["PYTHONUNBUFFERED"] = "1"
        subprocess.run([itsm, "db", "upgrade"], env=env, check=True, capture_output=True)
        watch = [itsm, "diag", "watch", "--interval", str(interval)]
        cfg.log(f"{NAME}: {cycles} cycles at {interval} s for each of 4 processes")
        started = time.monotonic()
        raw = _measure([sys.executable, "-c", _RAW_LOOP, str(interval)], env, cycles)
        storing = _measure(watch, env, cycles)
        reports_only = _measure([*watch, "--no-store"], env, cycles)
        issued = subprocess.run(
            [itsm, "token", "create", "agent-bench", "--agent", "--scope", "reports", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        token_file = home / "agent.token"
        token_file.write_text(json.loads(issued.stdout)["token"], encoding="utf-8")
        agent_env = {k: v for k, v in env.items() if k != "ITSM_DATABASE_URL"}  # no database
        with api_server(env, home / "server.log") as (url, _pid):
            remote_cmd = [*watch, "--server", url, "--token-file", str(token_file)]
            remote_cmd += ["--spool-dir", str(home / "spool")]
            remote = _measure(remote_cmd, agent_env, cycles)
        result.data["seconds"] = round(time.monotonic() - started, 1)

    result.figures = [
        Figure(
            "raw psutil loop: CPU at 10 s",
            raw.cpu_percent_at_reference,
            "% of a core",
            detail="baseline",
        ),
        Figure(
            "agent storing: CPU at 10 s",
            storing.cpu_percent_at_reference,
            "% of a core",
            baseline="raw psutil loop",
            baseline_value=raw.cpu_percent_at_reference,
        ),
        Figure(
            "agent --no-store: CPU at 10 s",
            reports_only.cpu_percent_at_reference,
            "% of a core",
            baseline="raw psutil loop",
            baseline_value=raw.cpu_percent_at_reference,
        ),
        Figure("raw psutil loop: RSS", raw.rss_mb, "MB", detail=f"USS {raw.uss_mb:.1f} MB"),
        Figure(
            "agent storing: RSS",
            storing.rss_mb,
            "MB",
            baseline="raw psutil loop",
            baseline_value=raw.rss_mb,
            detail=f"USS {storing.uss_mb:.1f} MB",
        ),
        Figure(
            "agent --no-store: RSS",
            reports_only.rss_mb,
            "MB",
            baseline="raw psutil loop",
            baseline_value=raw.rss_mb,
            detail=f"USS {reports_only.uss_mb:.1f} MB",
        ),
        Figure(
            "agent --server: CPU at 10 s",
            remote.cpu_percent_at_reference,
            "% of a core",
            baseline="raw psutil loop",
            baseline_value=raw.cpu_percent_at_reference,
        ),
        Figure(
            "agent --server: RSS",
            remote.rss_mb,
            "MB",
            baseline="raw psutil loop",
            baseline_value=raw.rss_mb,
            detail=f"USS {remote.uss_mb:.1f} MB",
        ),
    ]
    samples = (
        ("storing", storing, STORING_AGENT_MAX_RSS_MB),
        ("--no-store", reports_only, None),
        ("--server", remote, FLEET_AGENT_MAX_RSS_MB),
    )
    for label, sample, max_rss in samples:
        cpu = sample.cpu_percent_at_reference
        result.targets.append(
            Target(
                f"agent {label}: CPU < {AGENT_MAX_CPU_PERCENT:g} % of a core at 10 s",
                cpu < AGENT_MAX_CPU_PERCENT,
                f"{cpu:.2f} %",
            )
        )
        if max_rss is not None:
            result.targets.append(
                Target(
                    f"agent {label}: RSS < {max_rss:g} MB",
                    sample.rss_mb < max_rss,
                    f"{sample.rss_mb:.1f} MB",
                )
            )
    if cfg.smoke:
        result.notes.append(
            f"smoke run: {interval} s interval; CPU is per-cycle cost scaled to a 10 s interval"
        )
    return result
