"""Thresholds and knobs of the host diagnostics, validated once at start-up.

``DiagnosticsSettings`` is a plain ``BaseModel`` so that the application's
pydantic-settings ``Settings`` can nest it as ``settings.diagnostics`` (TOML
table ``[diagnostics.disk]``, env ``ITSM_DIAGNOSTICS__DISK__WARNING``). Each
check has its own small section so that overriding one value keeps the other
defaults. Invalid combinations (warning above critical, unknown check names,
malformed ``host:port``) fail here with a message naming what is allowed,
instead of producing silent nonsense at 3 a.m.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from itsm.diagnostics.findings import DISABLEABLE_CHECKS, Check

GIB = 1024**3

Percent = Annotated[float, Field(ge=0, le=100)]
NonNegative = Annotated[float, Field(ge=0)]
Celsius = Annotated[float, Field(ge=-50, le=200)]

#: Interfaces never judged: loopback and the virtual plumbing of containers and VMs.
DEFAULT_IGNORED_INTERFACES = (
    "lo",
    "docker*",
    "veth*",
    "br-*",
    "virbr*",
    "cni*",
    "flannel*",
    "cali*",
    "vxlan*",
    "kube-*",
    "ifb*",
    "dummy*",
)
MAX_REACH_TARGETS = 64


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Thresholds(_Section):
    """A warning/critical pair; a value at or above a limit reaches that severity."""

    warning: float
    critical: float

    @model_validator(mode="after")
    def _warning_not_above_critical(self) -> Self:
        if self.warning > self.critical:
            raise ValueError(
                f"warning ({self.warning:g}) must not exceed critical ({self.critical:g})"
            )
        return self


class CpuSettings(_Thresholds):
    """CPU utilisation over the sampling window, percent of all logical CPUs."""

    warning: Percent = 90.0
    critical: Percent = 98.0


class LoadSettings(_Thresholds):
    """Five-minute load average divided by the number of logical CPUs."""

    warning: NonNegative = 1.5
    critical: NonNegative = 3.0


class MemorySettings(_Thresholds):
    """Percent of memory in use, computed from *available* memory (not "free")."""

    warning: Percent = 85.0
    critical: Percent = 95.0


class SwapSettings(_Thresholds):
    """Percent of swap in use; a host without swap is healthy."""

    warning: Percent = 80.0
    critical: Percent = 95.0


class DiskSettings(_Thresholds):
    """Percent of a filesystem in use, spared on large disks by a free-space floor.

    A filesystem is critical only when ``percent >= critical`` AND its free
    space is below ``critical_min_free_bytes`` (likewise for warning), so a
    4 TB disk at 96 % with 150 GB left is not an emergency. ``None`` disables
    the floor: the percentage alone decides.
    """

    warning: Percent = 90.0
    critical: Percent = 95.0
    warning_min_free_bytes: int | None = Field(default=50 * GIB, ge=0)
    critical_min_free_bytes: int | None = Field(default=10 * GIB, ge=0)
    ignore_mountpoints: list[str] = Field(
        default_factory=list, description="fnmatch patterns of mount points never judged"
    )
    readonly_ok: list[str] = Field(
        default_factory=list, description="mount points that are read-only by design"
    )
    statvfs_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @model_validator(mode="after")
    def _floors_ordered(self) -> Self:
        warn, crit = self.warning_min_free_bytes, self.critical_min_free_bytes
        if (warn is None) != (crit is None):
            raise ValueError(
                "warning_min_free_bytes and critical_min_free_bytes must both be set or both "
                "be null"
            )
        if warn is not None and crit is not None and warn < crit:
            raise ValueError(
                f"warning_min_free_bytes ({warn}) must not be below "
                f"critical_min_free_bytes ({crit})"
            )
        return self


class InodeSettings(_Thresholds):
    """Percent of a filesystem's inodes in use (filesystems without a fixed table skip it)."""

    warning: Percent = 90.0
    critical: Percent = 95.0


class TemperatureSettings(_Thresholds):
    """Degrees Celsius; a sensor's own high/critical limits take precedence when reported."""

    warning: Celsius = 75.0
    critical: Celsius = 85.0


class NetworkSettings(_Section):
    """Per-interface error and drop rates (packets per second, in + out) over the window."""

    error_rate_warning: NonNegative = 1.0
    error_rate_critical: NonNegative = 10.0
    drop_rate_warning: NonNegative = 10.0
    drop_rate_critical: NonNegative = 100.0
    ignore_interfaces: list[str] = Field(
        default_factory=lambda: list(DEFAULT_IGNORED_INTERFACES),
        description="fnmatch patterns of interfaces never judged",
    )

    @model_validator(mode="after")
    def _rates_ordered(self) -> Self:
        for kind in ("error", "drop"):
            warn = getattr(self, f"{kind}_rate_warning")
            crit = getattr(self, f"{kind}_rate_critical")
            if warn > crit:
                raise ValueError(
                    f"{kind}_rate_warning ({warn:g}) must not exceed "
                    f"{kind}_rate_critical ({crit:g})"
                )
        return self


class ReachabilitySettings(_Section):
    """TCP endpoints (``host:port``, ``[v6]:port``) and DNS names checked concurrently."""

    tcp: list[str] = Field(default_factory=list)
    dns: list[str] = Field(default_factory=list)
    timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    failure_severity: Literal["warning", "critical"] = "critical"

    @field_validator("tcp")
    @classmethod
    def _valid_tcp(cls, targets: list[str]) -> list[str]:
        for target in targets:
            parse_tcp_target(target)
        return targets

    @field_validator("dns")
    @classmethod
    def _valid_dns(cls, names: list[str]) -> list[str]:
        for name in names:
            _check_host(name)
        return names

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if len(self.tcp) + len(self.dns) > MAX_REACH_TARGETS:
            raise ValueError(f"at most {MAX_REACH_TARGETS} reachability targets are allowed")
        return self


class TicketPolicySettings(_Section):
    """Whether findings open tickets, and how those tickets behave once open."""

    enabled: bool = True

    comment_interval_seconds: float = Field(
        default=3600, gt=0, description="at most one 'still failing' comment per interval"
    )
    on_recovery: Literal["resolve", "comment"] = "resolve"
    agent_username: str = Field(default="itsm-agent", min_length=1, max_length=64)


class SpoolSettings(_Section):
    """Where an agent that sends to a server keeps the reports the server could not take yet.

    One JSON file per report, oldest first; when either bound is reached the
    oldest reports are dropped (with a warning) to make room for the newest.
    """

    directory: Path | None = Field(
        default=None, description="default: the 'spool' directory in data_dir"
    )
    max_reports: int = Field(default=10_000, ge=1, le=1_000_000)
    max_bytes: int = Field(default=100 * 1024**2, ge=64 * 1024, le=100 * GIB)


class DiagnosticsSettings(_Section):
    """Everything the probes, the rules and the watch loop need; see each section."""

    cpu: CpuSettings = Field(default_factory=CpuSettings)
    load: LoadSettings = Field(default_factory=LoadSettings)
    memory: MemorySettings = Field(default_factory=MemorySettings)
    swap: SwapSettings = Field(default_factory=SwapSettings)
    disk: DiskSettings = Field(default_factory=DiskSettings)
    inodes: InodeSettings = Field(default_factory=InodeSettings)
    temperature: TemperatureSettings = Field(default_factory=TemperatureSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    reachability: ReachabilitySettings = Field(default_factory=ReachabilitySettings)
    tickets: TicketPolicySettings = Field(default_factory=TicketPolicySettings)

    sample_window_seconds: float = Field(default=1.0, ge=0.1, le=60)
    run_window_seconds: float = Field(
        default=5.0,
        ge=0.1,
        le=300,
        description="a one-off run's sampling window, its CPU read in persist_samples slices",
    )
    disabled_checks: frozenset[Check] = frozenset()
    clear_ratio: float = Field(
        default=0.9,
        gt=0,
        le=1,
        description="an active finding recovers once its value is below threshold * clear_ratio",
    )
    persist_samples: int = Field(
        default=3, ge=1, le=1000, description="samples a problem must last before it is active"
    )
    reports_dir: Path | None = None
    retention_days: int = Field(default=30, ge=1, le=3650)
    top_processes: int = Field(default=5, ge=0, le=50)
    resolve_fqdn: bool = True

    # Sending to a server (``itsm diag watch --server``) instead of storing locally.
    server: str | None = Field(
        default=None, description="base URL of the itsm API server, e.g. https://itsm.example.org"
    )
    token: SecretStr | None = Field(default=None, description="agent token for the server")
    token_file: Path | None = Field(default=None, description="file holding the agent token")
    send_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    send_batch_reports: int = Field(default=100, ge=1, le=500)
    spool: SpoolSettings = Field(default_factory=SpoolSettings)

    @field_validator("server")
    @classmethod
    def _valid_server(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else server_base_url(value)

    @field_validator("disabled_checks", mode="before")
    @classmethod
    def _known_checks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in (p.strip() for p in value.split(",")) if part]
        if not isinstance(value, list | tuple | set | frozenset):
            return value  # let pydantic report the type error
        names = [str(v) for v in value]
        valid = {c.value for c in DISABLEABLE_CHECKS}
        unknown = sorted(set(names) - valid)
        if unknown:
            raise ValueError(
                f"unknown check {'name' if len(unknown) == 1 else 'names'}: {', '.join(unknown)}; "
                f"valid names: {', '.join(sorted(valid))}"
            )
        return frozenset(names)

    def enabled(self, check: Check) -> bool:
        return check not in self.disabled_checks


_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def _check_host(host: str) -> None:
    """Accept an IP literal or a syntactically valid (possibly IDN) host name."""
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    try:
        ascii_name = host.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"invalid host name {host!r}") from None
    labels = ascii_name.split(".")
    if not ascii_name or len(ascii_name) > 253 or not all(_LABEL.match(x) for x in labels):
        raise ValueError(f"invalid host name {host!r}")


def parse_tcp_target(target: str) -> tuple[str, int]:
    """Split ``host:port`` or ``[ipv6]:port``; raise ``ValueError`` saying what is wrong."""
    text = target.strip()
    if text.startswith("["):
        host, sep, port_text = text[1:].partition("]:")
        if not sep:
            raise ValueError(f"invalid TCP target {target!r}: expected [ipv6]:port")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"invalid TCP target {target!r}: {host!r} is not IPv6") from None
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or not host:
            raise ValueError(f"invalid TCP target {target!r}: expected host:port")
        if ":" in host:
            raise ValueError(f"invalid TCP target {target!r}: write IPv6 as [address]:port")
        _check_host(host)
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"invalid TCP target {target!r}: port must be 1..65535")
    return host, int(port_text)


def server_base_url(url: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing ``/`` or ``/api/v1``.

    Raises ``ValueError`` saying what is wrong; credentials in the URL are
    refused (the token goes in a header, never in a URL that ends up in logs).
    """
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"invalid server URL {text!r}: expected http(s)://host[:port]")
    if parts.username or parts.password:
        raise ValueError(f"invalid server URL {text!r}: give the token separately, not in the URL")
    if parts.query or parts.fragment:
        raise ValueError(f"invalid server URL {text!r}: no query or fragment allowed")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"invalid server URL {text!r}: bad port") from None
    path = parts.path.rstrip("/").removesuffix("/api/v1").rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
