"""Each probe on the real machine, with real psutil readings: types and sane ranges."""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.probes import cpu, disk, memory, network, system, temperature
from itsm.diagnostics.probes.window import SampleWindow


def is_percent(value: Any) -> bool:
    return isinstance(value, float | int) and 0 <= value <= 100


def serialisable(result: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(result))  # type: ignore[no-any-return]


@pytest.mark.usefixtures("busy_cpu")
def test_cpu_measures_real_work_over_the_window(settings: DiagnosticsSettings) -> None:
    result = cpu.collect(settings)
    assert serialisable(result) == result
    assert result["status"] == "ok"
    assert result["window_seconds"] >= settings.sample_window_seconds
    # A core spins in this process: not psutil's meaningless first-call 0.0.
    assert result["utilisation_percent"] > 0
    assert is_percent(result["utilisation_percent"])
    logical = psutil.cpu_count(logical=True)
    assert result["logical_cpus"] == logical
    assert len(result["per_cpu_percent"]) == logical
    assert all(p is None or is_percent(p) for p in result["per_cpu_percent"])
    assert max(p or 0 for p in result["per_cpu_percent"]) > 0
    load = result["load_average"]
    assert load is not None
    assert set(load) == {"1m", "5m", "15m"}
    assert result["load_per_cpu"]["5m"] == pytest.approx(load["5m"] / logical, abs=1e-3)
    freq = result["frequency_mhz"]
    assert freq is None or freq["current"] is None or freq["current"] > 0


def test_memory_is_based_on_available(settings: DiagnosticsSettings) -> None:
    result = memory.collect(settings)
    assert serialisable(result) == result
    assert result["source"] in {"host", "cgroup_v1", "cgroup_v2"}
    assert 0 <= result["available_bytes"] <= result["total_bytes"]
    assert is_percent(result["used_percent"])
    host = result["host"]
    assert host["total_bytes"] == psutil.virtual_memory().total
    if result["source"] == "host":
        assert result["total_bytes"] == host["total_bytes"]
    else:
        assert result["total_bytes"] == result["cgroup"]["limit_bytes"] < host["total_bytes"]
    swap = result["swap"]
    if swap["total_bytes"] == 0:
        assert swap["used_percent"] is None
    else:
        assert 0 <= swap["used_bytes"] <= swap["total_bytes"]
        assert is_percent(swap["used_percent"])


def test_disk_lists_the_root_filesystem(settings: DiagnosticsSettings) -> None:
    result = disk.collect(settings)
    assert serialisable(result) == result
    by_mount = {fs["mountpoint"]: fs for fs in result["filesystems"]}
    assert "/" in by_mount
    root = by_mount["/"]
    assert root["status"] == "ok"
    assert root["total_bytes"] > 0
    assert 0 <= root["free_bytes"] <= root["total_bytes"]
    assert is_percent(root["used_percent"])
    assert root["inodes_used_percent"] is None or is_percent(root["inodes_used_percent"])
    assert isinstance(root["readonly"], bool)
    for fs in result["filesystems"]:
        assert fs["fstype"] not in {"proc", "sysfs", "tmpfs", "devtmpfs", "cgroup", "squashfs"}
    assert len({fs["mountpoint"] for fs in result["filesystems"]}) == len(result["filesystems"])


def test_disk_ignore_patterns_are_honoured(settings: DiagnosticsSettings) -> None:
    ignoring = settings.model_copy(
        update={"disk": settings.disk.model_copy(update={"ignore_mountpoints": ["/"]})}
    )
    assert "/" not in {fs["mountpoint"] for fs in disk.collect(ignoring)["filesystems"]}


def test_network_interfaces_and_rates(settings: DiagnosticsSettings) -> None:
    result = network.collect(settings)
    assert serialisable(result) == result
    interfaces = result["interfaces"]
    assert set(interfaces) == set(psutil.net_if_stats())
    loopbacks = [name for name, i in interfaces.items() if i["loopback"]]
    assert loopbacks, "every host has a loopback interface"
    assert interfaces[loopbacks[0]]["running"] is True
    for iface in interfaces.values():
        assert isinstance(iface["running"], bool)
        for key in ("rx_bytes_per_s", "tx_bytes_per_s", "errors_per_s", "drops_per_s"):
            assert iface[key] is None or iface[key] >= 0
    assert result["reachability"] == []


def test_temperature_is_available_or_says_why_not(settings: DiagnosticsSettings) -> None:
    result = temperature.collect(settings)
    assert serialisable(result) == result
    assert result["status"] in {"ok", "unavailable"}
    if result["status"] == "unavailable":
        assert result["reason"]
        return
    for sensor in result["sensors"]:
        assert isinstance(sensor["sensor"], str)
        assert -50 < sensor["current_celsius"] < 200


@pytest.mark.usefixtures("busy_cpu")
def test_system_identity_uptime_and_top_processes(settings: DiagnosticsSettings) -> None:
    result = system.collect(settings)
    assert serialisable(result) == result
    assert result["hostname"] == socket.gethostname()
    assert result["fqdn"] is None  # resolve_fqdn is off in these tests
    assert result["kernel"] == os.uname().release
    assert result["architecture"] == os.uname().machine
    machine_id = Path("/etc/machine-id")
    if machine_id.exists() and machine_id.read_text().strip():
        assert result["machine_id"] == machine_id.read_text().strip()
    assert set(result["dmi"]) == {"product_uuid", "product_serial", "sys_vendor", "product_name"}
    assert result["uptime_seconds"] > 0
    assert datetime.fromisoformat(result["boot_time"]).tzinfo is not None
    assert isinstance(result["virtual"], bool)
    top = result["top_processes"]
    assert 0 < len(top["by_cpu"]) <= settings.top_processes
    assert [p["cpu_percent"] for p in top["by_cpu"]] == sorted(
        (p["cpu_percent"] for p in top["by_cpu"]), reverse=True
    )
    assert [p["rss_bytes"] for p in top["by_memory"]] == sorted(
        (p["rss_bytes"] for p in top["by_memory"]), reverse=True
    )
    ours = [p for p in top["by_cpu"] if p["pid"] == os.getpid()]
    assert ours, "this process spins a core, it must rank among the top CPU users"
    assert ours[0]["cpu_percent"] > 0
    assert "cmdline" not in ours[0]


def test_system_without_process_sampling(settings: DiagnosticsSettings) -> None:
    result = system.collect(settings.model_copy(update={"top_processes": 0}))
    assert result["top_processes"] is None
    assert result["process_count"] > 0


def test_a_window_without_process_sampling_keeps_the_identity(
    settings: DiagnosticsSettings,
) -> None:
    window = SampleWindow.start(0.1, processes=False)
    result = system.collect(settings, window=window)
    assert result["status"] == "ok"
    assert result["top_processes"] is None
    assert "without process sampling" in result["top_processes_error"]


def test_probes_share_one_window(settings: DiagnosticsSettings) -> None:
    window = SampleWindow.start(0.5)
    first = cpu.collect(settings, window=window)
    second = network.collect(settings, window=window)
    assert first["window_seconds"] == second["window_seconds"]
    assert window.elapsed_seconds == pytest.approx(first["window_seconds"], abs=1e-3)
