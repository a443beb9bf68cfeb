"""Reachability against a TCP server started here; only 127.0.0.1 / ::1 are contacted."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

import pytest

from itsm.diagnostics.config import DiagnosticsSettings, ReachabilitySettings
from itsm.diagnostics.findings import Check
from itsm.diagnostics.probes import network
from itsm.diagnostics.rules import Severity, evaluate
from itsm.diagnostics.snapshot import Snapshot


def _serve(server: socket.socket, stop: threading.Event) -> None:
    server.settimeout(0.05)
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        conn.close()


@contextmanager
def listening(family: socket.AddressFamily, host: str) -> Iterator[int]:
    """A TCP server on ``host`` accepting (and closing) connections; yields its port."""
    with socket.socket(family, socket.SOCK_STREAM) as server:
        server.bind((host, 0))
        server.listen()
        stop = threading.Event()
        thread = threading.Thread(target=_serve, args=(server, stop), daemon=True)
        thread.start()
        try:
            yield int(server.getsockname()[1])
        finally:
            stop.set()
            thread.join(5)


@pytest.fixture
def open_port() -> Iterator[int]:
    with listening(socket.AF_INET, "127.0.0.1") as port:
        yield port


@pytest.fixture
def closed_port() -> int:
    """A port that was just free on 127.0.0.1: nothing listens there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_tcp_connect_to_a_listening_port(open_port: int) -> None:
    result = network.check_tcp(f"127.0.0.1:{open_port}", 2.0)
    assert result["ok"] is True
    assert result["error"] is None
    assert result["addresses"] == ["127.0.0.1"]
    assert 0 <= result["latency_ms"] < 2000


def test_tcp_connect_to_a_closed_port_is_refused(closed_port: int) -> None:
    result = network.check_tcp(f"127.0.0.1:{closed_port}", 2.0)
    assert result["ok"] is False
    assert result["error"] == "connection refused"
    assert result["latency_ms"] is None


def test_tcp_connect_over_ipv6_loopback() -> None:
    with ExitStack() as stack:
        try:
            port = stack.enter_context(listening(socket.AF_INET6, "::1"))
        except OSError:
            pytest.skip("::1 is not configured on this host")
        assert network.check_tcp(f"[::1]:{port}", 2.0)["ok"] is True


def test_dns_resolution_of_localhost() -> None:
    result = network.check_dns("localhost")
    assert result["ok"] is True
    assert set(result["addresses"]) & {"127.0.0.1", "::1"}


def test_network_probe_runs_the_checks_and_the_rules_judge_them(
    open_port: int, closed_port: int
) -> None:
    settings = DiagnosticsSettings(
        sample_window_seconds=0.2,
        reachability=ReachabilitySettings(
            tcp=[f"127.0.0.1:{open_port}", f"localhost:{closed_port}"],
            dns=["localhost"],
            timeout_seconds=2.0,
        ),
    )
    result = network.collect(settings)
    assert [(r["kind"], r["target"], r["ok"]) for r in result["reachability"]] == [
        ("tcp", f"127.0.0.1:{open_port}", True),
        ("tcp", f"localhost:{closed_port}", False),
        ("dns", "localhost", True),
    ]
    snapshot = Snapshot(datetime.now(UTC), 0.2, {"network": result})
    findings = evaluate(snapshot, settings)
    reach = {f.subject: f.severity for f in findings if f.check is Check.NETWORK_REACH}
    assert reach == {
        f"tcp:127.0.0.1:{open_port}": Severity.HEALTHY,
        f"tcp:localhost:{closed_port}": Severity.CRITICAL,
        "dns:localhost": Severity.HEALTHY,
    }


def test_reachability_is_skipped_when_disabled(open_port: int) -> None:
    settings = DiagnosticsSettings(
        sample_window_seconds=0.1,
        reachability=ReachabilitySettings(tcp=[f"127.0.0.1:{open_port}"]),
        disabled_checks=frozenset({Check.NETWORK_REACH}),
    )
    assert network.collect(settings)["reachability"] == []
