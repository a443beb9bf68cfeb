"""Memory probe: use based on *available* memory, swap, and the container's limit.

"Free" memory is misleading (the page cache makes it look near zero on a
healthy host), so use is ``1 - available / total``. Inside a container the
host total is irrelevant: the cgroup limit is what the OOM killer enforces,
so when a limit below the host's RAM is set (cgroup v2 ``memory.max`` or v1
``memory.limit_in_bytes``), the figures are computed against it, with the
working set (usage minus reclaimable ``inactive_file``), as kubelet does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.probes.window import SampleWindow

PROC_SELF_CGROUP = Path("/proc/self/cgroup")
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True, slots=True)
class CgroupMemory:
    version: int
    limit_bytes: int | None  # None: no limit anywhere up the hierarchy
    usage_bytes: int
    inactive_file_bytes: int

    @property
    def working_set_bytes(self) -> int:
        return max(0, self.usage_bytes - self.inactive_file_bytes)


def collect(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> dict[str, Any]:
    del settings, window  # instantaneous readings; signature shared by every probe
    vm = psutil.virtual_memory()
    host = _figures(int(vm.total), int(vm.available))
    cgroup = read_cgroup_memory()
    # A "limit" at or above the host's RAM (v1 spells "none" as ~2**63) limits nothing.
    limit = cgroup.limit_bytes if cgroup is not None else None
    if cgroup is not None and limit is not None and limit < vm.total:
        effective = _figures(limit, limit - cgroup.working_set_bytes)
        source = f"cgroup_v{cgroup.version}"
    else:
        effective, source, limit = host, "host", None
    swap = psutil.swap_memory()
    return {
        "status": "ok",
        "source": source,
        **effective,
        "host": host,
        "cgroup": (
            {
                "version": cgroup.version,
                "limit_bytes": limit,
                "usage_bytes": cgroup.usage_bytes,
                "working_set_bytes": cgroup.working_set_bytes,
            }
            if cgroup is not None
            else None
        ),
        "swap": {
            "total_bytes": int(swap.total),
            "used_bytes": int(swap.used),
            "used_percent": round(100.0 * swap.used / swap.total, 2) if swap.total else None,
        },
    }


def _figures(total: int, available: int) -> dict[str, Any]:
    available = min(max(0, available), total)
    used_percent = round(100.0 * (total - available) / total, 2) if total > 0 else None
    return {"total_bytes": total, "available_bytes": available, "used_percent": used_percent}


def read_cgroup_memory(
    *, proc_cgroup: Path = PROC_SELF_CGROUP, root: Path = CGROUP_ROOT
) -> CgroupMemory | None:
    """This process's memory cgroup, or ``None`` when there is none or it is unreadable.

    ``proc_cgroup`` and ``root`` are parameters so tests can point them at a
    directory tree laid out like ``/sys/fs/cgroup``.
    """
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    v1_path = v2_path = None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if "memory" in controllers.split(","):
            v1_path = path
        elif hierarchy == "0" and not controllers:
            v2_path = path
    if v1_path is not None and (root / "memory").is_dir():
        return _read_v1(root / "memory", v1_path)
    if v2_path is not None and (root / "cgroup.controllers").is_file():
        return _read_v2(root, v2_path)
    return None


def _own_dir(base: Path, path: str) -> Path:
    # With a cgroup namespace (containers) the listed path is not visible under
    # the mount: the mount root is then this process's own cgroup.
    own = base / path.strip("/")
    return own if own.is_dir() else base


def _read_v2(base: Path, path: str) -> CgroupMemory | None:
    own = _own_dir(base, path)
    usage = _read_int(own / "memory.current")
    if usage is None:
        return None
    limits = []
    directory = own
    while True:  # the effective limit is the smallest one up the hierarchy
        raw = _read(directory / "memory.max")
        if raw is not None and raw != "max" and raw.isdigit():
            limits.append(int(raw))
        if directory == base or base not in directory.parents:
            break
        directory = directory.parent
    stat = _read_stat(own / "memory.stat")
    return CgroupMemory(2, min(limits, default=None), usage, stat.get("inactive_file", 0))


def _read_v1(base: Path, path: str) -> CgroupMemory | None:
    own = _own_dir(base, path)
    usage = _read_int(own / "memory.usage_in_bytes")
    if usage is None:
        return None
    stat = _read_stat(own / "memory.stat")
    limits = [
        x
        for x in (_read_int(own / "memory.limit_in_bytes"), stat.get("hierarchical_memory_limit"))
        if x is not None
    ]
    inactive = stat.get("total_inactive_file", stat.get("inactive_file", 0))
    return CgroupMemory(1, min(limits, default=None), usage, inactive)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _read_int(path: Path) -> int | None:
    raw = _read(path)
    return int(raw) if raw is not None and raw.isdigit() else None


def _read_stat(path: Path) -> dict[str, int]:
    stat: dict[str, int] = {}
    for line in (_read(path) or "").splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            stat[key] = int(value)
    return stat
