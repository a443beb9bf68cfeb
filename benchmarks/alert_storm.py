"""An alert storm: one Alertmanager notification of 1,000 new alerts, through ``itsm serve``.

Alertmanager gives up on a webhook after 10 s and then sends the whole group again,
so the figure is the wall time of one POST, as Alertmanager sees it. Per database: a
real API server (``itsm serve``, one worker, a subprocess) on a throw-away database
migrated to head, an agent token (``itsm token create --agent``, as docs/api.md
tells Alertmanager's operators), and rounds of three notifications of the same N
alerts, each alert with its own label set: all firing and new (each opens a
ticket), the same again (each has its ticket, updated within the comment interval:
nothing is written), and all resolved (each resolves its ticket). Every answer is
checked alert by alert. The body is encoded before the clock starts.

Target: the new alerts' notification <= 3 s on each database (median of the rounds).
No baseline: the target is absolute; the repeat and the resolution are figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks._core import (
    ALERT_STORM_ALERTS,
    ALERT_STORM_MAX_S,
    Figure,
    Result,
    RunConfig,
    Target,
    median,
)
from benchmarks._env import (
    api_server,
    isolated_settings_env,
    itsm_command,
    postgres_database,
    postgres_reachable,
    postgres_sqlalchemy_url,
    sqlite_url,
)
from itsm.integrations.alertmanager import labels_fingerprint

NAME = "alert_storm"
TITLE = "Alert storm: one Alertmanager notification of 1,000 new alerts, then resolved"
PATH = "/api/v1/integrations/alertmanager"
SEVERITIES = ("critical", "warning", "info", "warning")
PHASES = (  # (label, alert status, the action every alert must get)
    ("new", "firing", "opened"),
    ("repeat", "firing", "ignored"),
    ("resolved", "resolved", "resolved"),
)


def notification(round_no: int, count: int, status: str) -> bytes:
    """A version 4 payload as Alertmanager sends it: ``count`` alerts of one group."""
    alerts = []
    for i in range(count):
        labels = {
            "alertname": "NodeFilesystemAlmostFull",
            "instance": f"node{round_no:02d}-{i:04d}.example.org:9100",
            "job": "node",
            "mountpoint": "/var",
            "severity": SEVERITIES[i % len(SEVERITIES)],
        }
        alerts.append(
            {
                "status": status,
                "labels": labels,
                "annotations": {
                    "summary": f"/var on {labels['instance']} is 95 % full",
                    "description": "Filesystem has less than 5 % space left.",
                    "runbook_url": "https://runbooks.example.org/NodeFilesystemAlmostFull",
                },
                "startsAt": "2026-03-01T10:00:00.123Z",
                "endsAt": "2026-03-01T11:00:00Z"
                if status == "resolved"
                else "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=node_filesystem",
                "fingerprint": labels_fingerprint(labels),
            }
        )
    payload = {
        "version": "4",
        "groupKey": '{}:{alertname="NodeFilesystemAlmostFull"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "itsm",
        "groupLabels": {"alertname": "NodeFilesystemAlmostFull"},
        "commonLabels": {"alertname": "NodeFilesystemAlmostFull", "job": "node"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }
    return json.dumps(payload).encode()


@contextmanager
def _database(kind: str, home: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(home / "alerts.db")
        return
    with postgres_database() as name:
        yield postgres_sqlalchemy_url(name)


def _agent_token(env: dict[str, str]) -> str:
    cmd = [itsm_command(), "token", "create", "alertmanager", "--agent", "--scope", "alerts"]
    cmd.append("--json")
    issued = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return str(json.loads(issued.stdout)["token"])


def _storm(url: str, token: str, rounds: int, count: int) -> dict[str, list[float]]:
    """Seconds per notification, by phase; stops at the first unexpected answer."""
    seconds: dict[str, list[float]] = {label: [] for label, _, _ in PHASES}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        for round_no in range(rounds):
            for label, status, action in PHASES:
                body = notification(round_no, count, status)
                t0 = time.perf_counter()
                response = client.post(PATH, content=body)
                seconds[label].append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise RuntimeError(f"{label}: {response.status_code} {response.text[:300]}")
                actions = Counter(a["action"] for a in response.json()["alerts"])
                if actions != Counter({action: count}):
                    raise RuntimeError(f"{label}: expected {count} {action}, got {dict(actions)}")
    return seconds


def run(cfg: RunConfig) -> Result:
    count = cfg.size(full=ALERT_STORM_ALERTS, smoke=100)
    rounds = cfg.size(full=3, smoke=1)
    # A smaller storm gets the same time per alert.
    limit = ALERT_STORM_MAX_S * count / ALERT_STORM_ALERTS
    result = Result(name=NAME, title=TITLE)
    result.notes.append(
        f"{rounds} round(s) of {count:,} alerts: new, repeated, resolved; one POST each; "
        "one uvicorn worker; wall time from the request sent to the answer read"
    )
    kinds = [("sqlite", "SQLite"), ("postgresql", "PostgreSQL")]
    for kind, lab in kinds:
        if kind == "postgresql" and (reason := postgres_reachable()) is not None:
            result.skipped.append(f"{lab}: server not reachable ({reason})")
            continue
        with isolated_settings_env() as home, _database(kind, home) as db_url:
            env = dict(os.environ)
            env["ITSM_DATABASE_URL"] = db_url
            itsm = itsm_command()
            subprocess.run([itsm, "db", "upgrade"], env=env, check=True, capture_output=True)
            token = _agent_token(env)
            cfg.log(f"{NAME}/{kind}: {rounds} round(s) of {count:,} alerts")
            with api_server(env, home / "server.log") as (url, _pid):
                seconds = _storm(url, token, rounds, count)
        _report(result, lab, seconds, count, limit)
    return result


def _report(
    result: Result, lab: str, seconds: dict[str, list[float]], count: int, limit: float
) -> None:
    for label, _status, action in PHASES:
        runs = seconds[label]
        result.figures.append(
            Figure(
                f"{lab}: {count:,} alerts, {label}",
                median(runs),
                "s",
                detail=(
                    f"median of {len(runs)}; every alert {action}; "
                    f"{1000 * median(runs) / count:.2f} ms per alert; max {max(runs):.2f} s"
                ),
            )
        )
    new = median(seconds["new"])
    result.targets.append(
        Target(
            f"{lab}: one notification of {count:,} new alerts <= {limit:g} s",
            new <= limit,
            f"{new:.2f} s",
        )
    )
    result.data[lab] = {label: [round(v, 4) for v in runs] for label, runs in seconds.items()} | {
        "alerts": count
    }
