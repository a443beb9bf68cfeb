"""Synthetic probe results shaped like the real probes' output, for rule tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.snapshot import Snapshot

GIB = 1024**3
TIB = 1024**4
AT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def snapshot(**probes: dict[str, Any]) -> Snapshot:
    return Snapshot(collected_at=AT, duration_seconds=1.02, probes=dict(probes))


def cpu(utilisation: float | None = 10.0, load5_per_cpu: float | None = 0.2) -> dict[str, Any]:
    return {
        "status": "ok",
        "window_seconds": 1.0,
        "utilisation_percent": utilisation,
        "per_cpu_percent": [utilisation, utilisation],
        "logical_cpus": 2,
        "load_per_cpu": (
            None
            if load5_per_cpu is None
            else {"1m": load5_per_cpu, "5m": load5_per_cpu, "15m": load5_per_cpu}
        ),
    }


def memory(
    used_percent: float | None = 30.0,
    *,
    swap_total: int = 0,
    swap_percent: float | None = None,
    source: str = "host",
) -> dict[str, Any]:
    total = 16 * GIB
    available = int(total * (100 - (used_percent or 0)) / 100)
    return {
        "status": "ok",
        "source": source,
        "total_bytes": total,
        "available_bytes": available,
        "used_percent": used_percent,
        "swap": {
            "total_bytes": swap_total,
            "used_bytes": int(swap_total * (swap_percent or 0) / 100),
            "used_percent": swap_percent,
        },
    }


def filesystem(
    mountpoint: str = "/",
    *,
    used_percent: float | None = 40.0,
    free: int = 100 * GIB,
    inodes_percent: float | None = 5.0,
    readonly: bool = False,
) -> dict[str, Any]:
    return {
        "mountpoint": mountpoint,
        "device": "/dev/sda1",
        "fstype": "ext4",
        "status": "ok",
        "readonly": readonly,
        "total_bytes": 500 * GIB,
        "used_bytes": 400 * GIB,
        "free_bytes": free,
        "used_percent": used_percent,
        "inodes_total": 1000,
        "inodes_free": 1000 - int(10 * (inodes_percent or 0)),
        "inodes_used_percent": inodes_percent,
    }


def disk(*filesystems: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", "filesystems": list(filesystems)}


def interface(
    *,
    running: bool = True,
    admin_up: bool | None = True,
    loopback: bool = False,
    virtual: bool | None = False,
    errors: float | None = 0.0,
    drops: float | None = 0.0,
) -> dict[str, Any]:
    return {
        "running": running,
        "admin_up": admin_up,
        "loopback": loopback,
        "virtual": virtual,
        "errors_per_s": errors,
        "drops_per_s": drops,
    }


def network(
    interfaces: dict[str, dict[str, Any]] | None = None,
    reachability: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "status": "ok",
        "interfaces": {"eth0": interface()} if interfaces is None else interfaces,
        "reachability": reachability or [],
    }


def reach(target: str, *, ok: bool, kind: str = "tcp") -> dict[str, Any]:
    return {
        "kind": kind,
        "target": target,
        "ok": ok,
        "latency_ms": 1.5 if ok else None,
        "addresses": ["127.0.0.1"] if ok else [],
        "error": None if ok else "connection refused",
    }


def sensor(
    current: float, *, high: float | None = None, critical: float | None = None, name: str = "cpu"
) -> dict[str, Any]:
    return {
        "sensor": name,
        "current_celsius": current,
        "high_celsius": high,
        "critical_celsius": critical,
    }


def temperature(*sensors: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", "sensors": list(sensors)}


def only(findings: list[Finding], check: Check, subject: str | None = None) -> Finding:
    matches = [f for f in findings if f.check is check and subject in (None, f.subject)]
    assert len(matches) == 1, f"expected one {check} {subject or ''} finding, got {matches}"
    return matches[0]
