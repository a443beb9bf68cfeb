"""Network probe: interface state, error/drop rates, throughput and reachability.

Rates come from the shared :class:`SampleWindow`. Reachability checks (DNS
resolution, TCP connect) start *before* the probe waits for the window, on
their own threads with one overall deadline, so a full run still lasts
about one window. Each interface records whether it is administratively up,
has a carrier ("running"), and is virtual (Linux sysfs), so the rules can
tell a dead NIC from an idle ``docker0``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from itsm.diagnostics.config import DiagnosticsSettings, ReachabilitySettings, parse_tcp_target
from itsm.diagnostics.findings import Check
from itsm.diagnostics.probes._deadline import DeadlineBatch
from itsm.diagnostics.probes.window import SampleWindow

SYS_CLASS_NET = Path("/sys/class/net")


def collect(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> dict[str, Any]:
    # Started first so that the checks run while the window elapses.
    pending = (
        PendingReachability(settings.reachability)
        if settings.enabled(Check.NETWORK_REACH)
        else None
    )
    win = window or SampleWindow.start(settings.sample_window_seconds, processes=False)
    start, end = win.net()
    elapsed = win.elapsed_seconds
    stats = psutil.net_if_stats()
    addresses = psutil.net_if_addrs()
    interfaces = {
        name: {
            **_state(name, stats[name]),
            **_addresses(addresses.get(name, [])),
            **interface_rates(start.get(name), end.get(name), elapsed),
        }
        for name in sorted(stats)
    }
    return {
        "status": "ok",
        "window_seconds": round(elapsed, 3),
        "interfaces": interfaces,
        "reachability": pending.results() if pending is not None else [],
    }


def _state(name: str, st: Any) -> dict[str, Any]:
    flags = set(str(getattr(st, "flags", "")).split(",")) - {""}
    return {
        "running": bool(st.isup),  # psutil: carrier present ("running"), not just "up"
        "admin_up": ("up" in flags) if flags else None,
        "loopback": "loopback" in flags or name == "lo",
        "virtual": _is_virtual(name),
        "speed_mbps": st.speed or None,
        "mtu": st.mtu,
    }


def _is_virtual(name: str) -> bool | None:
    link = SYS_CLASS_NET / name
    if not link.exists():
        return None  # not Linux, or sysfs not mounted: cannot tell
    return "/devices/virtual/" in str(link.resolve())


def _addresses(addrs: list[Any]) -> dict[str, Any]:
    mac: str | None = None
    ipv4: list[str] = []
    ipv6: list[str] = []
    for addr in addrs:
        if addr.family == psutil.AF_LINK:
            mac = mac or addr.address
        elif addr.family == socket.AF_INET:
            ipv4.append(addr.address)
        elif addr.family == socket.AF_INET6:
            ipv6.append(addr.address)
    return {"mac": mac, "ipv4": ipv4, "ipv6": ipv6}


def interface_rates(
    start: Mapping[str, int] | None, end: Mapping[str, int] | None, elapsed: float
) -> dict[str, Any]:
    """Per-second rates between two ``net_io_counters`` readings of one interface."""
    if start is None or end is None or elapsed <= 0:
        return {
            "rx_bytes_per_s": None,
            "tx_bytes_per_s": None,
            "errors_per_s": None,
            "drops_per_s": None,
            "errors_total": None,
            "drops_total": None,
        }

    def rate(*fields: str) -> float:
        delta = sum(end[f] - start[f] for f in fields)
        return round(max(0, delta) / elapsed, 3)  # a reset counter is not a negative rate

    return {
        "rx_bytes_per_s": rate("bytes_recv"),
        "tx_bytes_per_s": rate("bytes_sent"),
        "errors_per_s": rate("errin", "errout"),
        "drops_per_s": rate("dropin", "dropout"),
        "errors_total": end["errin"] + end["errout"],
        "drops_total": end["dropin"] + end["dropout"],
    }


class PendingReachability:
    """Reachability checks in flight; :meth:`results` waits for them (bounded)."""

    def __init__(self, settings: ReachabilitySettings) -> None:
        timeout = settings.timeout_seconds
        calls: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {}
        for target in settings.tcp:
            calls[("tcp", target)] = partial(check_tcp, target, timeout)
        for name in settings.dns:
            calls[("dns", name)] = partial(check_dns, name)
        self._timeout = timeout
        self._batch = DeadlineBatch(calls, timeout)

    def results(self) -> list[dict[str, Any]]:
        results = []
        for (kind, target), outcome in self._batch.wait().items():
            if outcome.value is not None:
                results.append(outcome.value)
                continue
            error = (
                f"timed out after {self._timeout:g}s"
                if outcome.timed_out
                else f"{type(outcome.error).__name__}: {outcome.error}"
            )
            results.append(_failed(kind, target, error))
        return results


def check_tcp(target: str, timeout: float) -> dict[str, Any]:
    """Open (and close) a TCP connection to ``host:port``; report latency or the error."""
    host, port = parse_tcp_target(target)
    began = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            peer = str(sock.getpeername()[0])
    except OSError as exc:
        return _failed("tcp", target, _describe(exc, timeout))
    return {
        "kind": "tcp",
        "target": target,
        "ok": True,
        "latency_ms": round((time.perf_counter() - began) * 1000, 2),
        "addresses": [peer],
        "error": None,
    }


def check_dns(name: str) -> dict[str, Any]:
    """Resolve ``name`` with the system resolver (``getaddrinfo``)."""
    began = time.perf_counter()
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return _failed("dns", name, _describe(exc, None))
    return {
        "kind": "dns",
        "target": name,
        "ok": True,
        "latency_ms": round((time.perf_counter() - began) * 1000, 2),
        "addresses": sorted({str(info[4][0]) for info in infos}),
        "error": None,
    }


def _failed(kind: str, target: str, error: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "target": target,
        "ok": False,
        "latency_ms": None,
        "addresses": [],
        "error": error,
    }


def _describe(exc: OSError, timeout: float | None) -> str:
    if isinstance(exc, socket.gaierror):
        return f"name resolution failed: {exc.strerror or exc}"
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g}s" if timeout is not None else "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return exc.strerror or str(exc)
