"""Disk probe: space, inodes and read-only state of every real mounted filesystem.

``psutil.disk_partitions(all=False)`` drops every "nodev" filesystem, which
on Linux includes ``overlay``: the root filesystem of every container. So
all mounts are listed and pseudo filesystems are filtered here instead, an
overlay being kept only when it is ``/``. Bind mounts of one filesystem are
reported once (same ``st_dev``). ``statvfs`` runs under a deadline because
on a dead network mount it blocks forever.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from functools import partial
from typing import Any

import psutil

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.probes._deadline import run_with_deadline
from itsm.diagnostics.probes.window import SampleWindow

#: Kernel, virtual-memory and read-only-image filesystems: never "full" in a useful sense.
PSEUDO_FSTYPES = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "cpuset", "debugfs",
        "devfs", "devpts", "devtmpfs", "efivarfs", "fdescfs", "fusectl", "hugetlbfs",
        "iso9660", "mqueue", "nfsd", "none", "nsfs", "pipefs", "proc", "pstore", "ramfs",
        "rootfs", "rpc_pipefs", "securityfs", "selinuxfs", "sockfs", "squashfs", "sysfs",
        "tmpfs", "tracefs", "udf", "fuse.gvfsd-fuse", "fuse.lxcfs", "fuse.portal",
        "fuse.snapfuse", "fuse.xdg-document-portal",
    }
)  # fmt: skip
#: Union filesystems: a container's root, or noise (Docker layers) anywhere else.
UNION_FSTYPES = frozenset({"overlay", "overlayfs", "aufs", "fuse-overlayfs", "fuse.fuse-overlayfs"})


def is_real_filesystem(fstype: str, mountpoint: str) -> bool:
    kind = fstype.lower()
    if kind in UNION_FSTYPES:
        return mountpoint == "/"
    return kind not in PSEUDO_FSTYPES


@dataclass(frozen=True, slots=True)
class _Stat:
    device_id: int
    is_dir: bool
    total: int
    used: int
    free: int
    files: int
    files_free: int
    readonly_flag: bool


def collect(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> dict[str, Any]:
    del window
    cfg = settings.disk
    partitions = sorted(
        (
            p
            for p in psutil.disk_partitions(all=True)
            if is_real_filesystem(p.fstype, p.mountpoint)
            and not any(fnmatch.fnmatchcase(p.mountpoint, pat) for pat in cfg.ignore_mountpoints)
        ),
        key=lambda p: (len(p.mountpoint), p.mountpoint),  # "/" first, then parents first
    )
    stats = run_with_deadline(
        {p.mountpoint: partial(_stat, p.mountpoint) for p in partitions},
        cfg.statvfs_timeout_seconds,
    )
    seen: set[int] = set()
    filesystems: list[dict[str, Any]] = []
    for part in partitions:
        entry: dict[str, Any] = {
            "mountpoint": part.mountpoint,
            "device": part.device,
            "fstype": part.fstype,
        }
        outcome = stats[part.mountpoint]
        if outcome.timed_out:
            reason = f"statvfs timed out after {cfg.statvfs_timeout_seconds:g}s"
            filesystems.append({**entry, "status": "unknown", "reason": reason})
            continue
        st = outcome.value
        if st is None:
            reason = f"{type(outcome.error).__name__}: {outcome.error}"
            filesystems.append({**entry, "status": "unknown", "reason": reason})
            continue
        if not st.is_dir or st.device_id in seen:
            continue  # a file bind-mount, or another view of a filesystem already listed
        seen.add(st.device_id)
        filesystems.append({**entry, "status": "ok", **_figures(st, part.opts)})
    filesystems.sort(key=lambda f: f["mountpoint"])
    return {"status": "ok", "filesystems": filesystems}


def _figures(st: _Stat, opts: str) -> dict[str, Any]:
    usable = st.used + st.free
    inodes_used = st.files - st.files_free
    return {
        "readonly": "ro" in opts.split(",") or st.readonly_flag,
        "total_bytes": st.total,
        "used_bytes": st.used,
        "free_bytes": st.free,
        # Like df: percent of the space ordinary users can have (root's reserve excluded).
        "used_percent": round(100.0 * st.used / usable, 2) if usable > 0 else None,
        "inodes_total": st.files,
        "inodes_free": st.files_free,
        # Filesystems without a fixed inode table (btrfs, ZFS...) report 0 inodes.
        "inodes_used_percent": round(100.0 * inodes_used / st.files, 2) if st.files > 0 else None,
    }


def _stat(mountpoint: str) -> _Stat:
    info = os.stat(mountpoint)
    is_dir = os.path.isdir(mountpoint)
    if not hasattr(os, "statvfs"):  # Windows: no inodes nor read-only flag
        usage = psutil.disk_usage(mountpoint)
        return _Stat(info.st_dev, is_dir, usage.total, usage.used, usage.free, 0, 0, False)
    vfs = os.statvfs(mountpoint)
    return _Stat(
        device_id=info.st_dev,
        is_dir=is_dir,
        total=vfs.f_blocks * vfs.f_frsize,
        used=(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize,
        free=vfs.f_bavail * vfs.f_frsize,
        files=vfs.f_files,
        files_free=vfs.f_ffree,
        readonly_flag=bool(vfs.f_flag & os.ST_RDONLY),
    )
