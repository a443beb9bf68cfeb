"""Pure helpers of the probes, on synthetic counters and real files in tmp_path."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from itsm.diagnostics.probes._deadline import call_with_deadline, run_with_deadline
from itsm.diagnostics.probes.cpu import busy_percent, time_share
from itsm.diagnostics.probes.disk import is_real_filesystem
from itsm.diagnostics.probes.memory import CgroupMemory, read_cgroup_memory
from itsm.diagnostics.probes.network import interface_rates
from itsm.diagnostics.probes.system import (
    detect_virtualization,
    read_cpu_model,
    read_dmi,
    read_machine_id,
)

START = {"user": 100.0, "nice": 0.0, "system": 50.0, "idle": 800.0, "iowait": 50.0}


def advanced(**deltas: float) -> dict[str, float]:
    return {k: v + deltas.get(k, 0.0) for k, v in START.items()}


def test_busy_percent_from_cpu_time_deltas() -> None:
    end = advanced(user=30, system=10, idle=50, iowait=10)
    assert busy_percent(START, end) == 40.0
    assert time_share(START, end, "iowait") == 10.0


def test_busy_percent_never_counts_guest_time_twice() -> None:
    start = {**START, "guest": 0.0, "guest_nice": 0.0}
    end = {**advanced(user=50, idle=50), "guest": 40.0, "guest_nice": 0.0}
    assert busy_percent(start, end) == 50.0


def test_no_elapsed_cpu_time_is_no_measurement_not_zero() -> None:
    assert busy_percent(START, START) is None
    assert time_share(START, START, "iowait") is None


def test_counter_reset_does_not_go_negative() -> None:
    end = advanced(user=-100, idle=10)
    assert busy_percent(START, end) == 0.0


def test_time_share_of_an_unreported_field_is_none() -> None:
    assert time_share(START, advanced(idle=10), "steal") is None


@pytest.mark.parametrize(
    ("fstype", "mountpoint", "real"),
    [
        ("ext4", "/", True),
        ("xfs", "/var/lib/postgresql", True),
        ("nfs4", "/mnt/share", True),
        ("vfat", "/boot/efi", True),
        ("overlay", "/", True),  # a container's root filesystem
        ("overlay", "/var/lib/docker/overlay2/abc/merged", False),
        ("tmpfs", "/run", False),
        ("devtmpfs", "/dev", False),
        ("squashfs", "/snap/core/123", False),
        ("proc", "/proc", False),
        ("cgroup2", "/sys/fs/cgroup", False),
        ("fuse.lxcfs", "/proc/meminfo", False),
        ("iso9660", "/media/cdrom", False),
    ],
)
def test_real_filesystems(fstype: str, mountpoint: str, real: bool) -> None:
    assert is_real_filesystem(fstype, mountpoint) is real


COUNTERS = {
    "bytes_sent": 1000,
    "bytes_recv": 5000,
    "errin": 1,
    "errout": 0,
    "dropin": 10,
    "dropout": 0,
}


def test_interface_rates_per_second() -> None:
    end = {**COUNTERS, "bytes_recv": 7000, "errin": 5, "errout": 1, "dropin": 30}
    rates = interface_rates(COUNTERS, end, 2.0)
    assert rates == {
        "rx_bytes_per_s": 1000.0,
        "tx_bytes_per_s": 0.0,
        "errors_per_s": 2.5,
        "drops_per_s": 10.0,
        "errors_total": 6,
        "drops_total": 30,
    }


def test_interface_rates_without_both_readings_are_none() -> None:
    assert set(interface_rates(None, COUNTERS, 1.0).values()) == {None}
    assert set(interface_rates(COUNTERS, COUNTERS, 0.0).values()) == {None}


def test_interface_rates_after_a_counter_reset_are_zero() -> None:
    end = {k: 0 for k in COUNTERS}
    assert interface_rates(COUNTERS, end, 1.0)["rx_bytes_per_s"] == 0.0


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def test_cgroup_v2_limit_and_working_set(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "proc": "0::/\n",
            "cg/cgroup.controllers": "cpu memory\n",
            "cg/memory.max": "2147483648\n",
            "cg/memory.current": "1073741824\n",
            "cg/memory.stat": "anon 1\ninactive_file 268435456\nactive_file 5\n",
        },
    )
    found = read_cgroup_memory(proc_cgroup=tmp_path / "proc", root=tmp_path / "cg")
    assert found == CgroupMemory(2, 2 * 1024**3, 1024**3, 256 * 1024**2)
    assert found is not None
    assert found.working_set_bytes == 768 * 1024**2


def test_cgroup_v2_without_limit(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "proc": "0::/\n",
            "cg/cgroup.controllers": "memory\n",
            "cg/memory.max": "max\n",
            "cg/memory.current": "100\n",
        },
    )
    found = read_cgroup_memory(proc_cgroup=tmp_path / "proc", root=tmp_path / "cg")
    assert found == CgroupMemory(2, None, 100, 0)


def test_cgroup_v2_effective_limit_is_the_smallest_up_the_tree(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "proc": "0::/system.slice/app.service\n",
            "cg/cgroup.controllers": "memory\n",
            "cg/system.slice/memory.max": "1000\n",
            "cg/system.slice/app.service/memory.max": "max\n",
            "cg/system.slice/app.service/memory.current": "600\n",
            "cg/system.slice/app.service/memory.stat": "inactive_file 100\n",
        },
    )
    found = read_cgroup_memory(proc_cgroup=tmp_path / "proc", root=tmp_path / "cg")
    assert found == CgroupMemory(2, 1000, 600, 100)


def test_cgroup_v1_uses_the_hierarchical_limit(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "proc": "12:pids:/\n4:memory:/docker/abc\n0::/\n",
            "cg/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "cg/memory/memory.usage_in_bytes": "500\n",
            "cg/memory/memory.stat": (
                "inactive_file 7\nhierarchical_memory_limit 4000\ntotal_inactive_file 50\n"
            ),
        },
    )
    # /docker/abc is not visible (cgroup namespace): the mount root is ours
    found = read_cgroup_memory(proc_cgroup=tmp_path / "proc", root=tmp_path / "cg")
    assert found == CgroupMemory(1, 4000, 500, 50)


def test_no_cgroup_information(tmp_path: Path) -> None:
    assert read_cgroup_memory(proc_cgroup=tmp_path / "absent", root=tmp_path) is None
    _tree(tmp_path, {"proc": "0::/\n"})  # v2 listed, but no cgroup2 mount
    assert read_cgroup_memory(proc_cgroup=tmp_path / "proc", root=tmp_path / "cg") is None
    _tree(tmp_path, {"cg/cgroup.controllers": "memory\n"})  # mount without memory.current
    assert read_cgroup_memory(proc_cgroup=tmp_path / "proc", root=tmp_path / "cg") is None


def test_machine_id_first_readable_non_placeholder(tmp_path: Path) -> None:
    _tree(tmp_path, {"empty": "\n", "id": "3d1219c7c4c5404aaa1f6d2a48adfda4\n"})
    paths = (tmp_path / "missing", tmp_path / "empty", tmp_path / "id")
    assert read_machine_id(paths) == "3d1219c7c4c5404aaa1f6d2a48adfda4"
    assert read_machine_id((tmp_path / "missing",)) is None


def test_dmi_fields_drop_placeholders_and_unreadable_ones(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "product_uuid": "4C4C4544-0042-3510-8052-B4C04F4D4E31\n",
            "product_serial": "To Be Filled By O.E.M.\n",
            "sys_vendor": "LENOVO\n",
        },
    )
    assert read_dmi(tmp_path) == {
        "product_uuid": "4C4C4544-0042-3510-8052-B4C04F4D4E31",
        "product_serial": None,
        "sys_vendor": "LENOVO",
        "product_name": None,
    }


X86_CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
flags\t\t: fpu vme de pse tsc msr hypervisor lahf_lm
"""
ARM_CPUINFO = """processor\t: 0
Features\t: fp asimd evtstrm
Hardware\t: BCM2835
"""


def test_cpu_model_from_cpuinfo() -> None:
    assert read_cpu_model(X86_CPUINFO) == "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"
    assert read_cpu_model(ARM_CPUINFO) == "BCM2835"


NO_DMI: dict[str, str | None] = {"sys_vendor": None, "product_name": None}


def test_virtualization_detection(tmp_path: Path) -> None:
    absent = (tmp_path / ".dockerenv",)
    assert detect_virtualization(NO_DMI, X86_CPUINFO, markers=absent) == "vm"
    assert detect_virtualization(NO_DMI, ARM_CPUINFO, markers=absent) is None
    kvm = {"sys_vendor": "QEMU", "product_name": "Standard PC (Q35 + ICH9, 2009)"}
    assert detect_virtualization(kvm, ARM_CPUINFO, markers=absent) == "vm"
    dell = {"sys_vendor": "Dell Inc.", "product_name": "PowerEdge R640"}
    assert detect_virtualization(dell, ARM_CPUINFO, markers=absent) is None
    absent[0].write_text("")
    assert detect_virtualization(dell, ARM_CPUINFO, markers=absent) == "container"


def test_run_with_deadline_reports_values_errors_and_timeouts() -> None:
    release = threading.Event()

    def fail() -> int:
        raise OSError("boom")

    def hang() -> int:
        release.wait(10)
        return 3

    began = time.monotonic()
    try:
        outcomes = run_with_deadline({"ok": lambda: 1, "fail": fail, "hang": hang}, 0.2)
    finally:
        release.set()
    assert time.monotonic() - began < 2
    assert outcomes["ok"].ok
    assert outcomes["ok"].value == 1
    assert not outcomes["fail"].ok
    assert isinstance(outcomes["fail"].error, OSError)
    assert outcomes["hang"].timed_out
    assert not outcomes["hang"].ok
    assert call_with_deadline(lambda: "x", 1.0).value == "x"
