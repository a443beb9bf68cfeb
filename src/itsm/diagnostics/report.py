"""The versioned JSON report of one diagnostics run, and its files on disk.

The report is the contract between the agent and whatever stores or reads
it (the ``diagnostic_reports`` table, a remote server, a human with ``jq``),
so it is a strict Pydantic model with a ``schema_version``; the schema is
documented in ``docs/diagnostics-report.md``. Files are written atomically
(temporary file, fsync, ``os.replace``) so a reader or a crash never sees
half a report, and pruning only ever deletes files whose name it wrote.
"""

from __future__ import annotations

import json
import os
import platform
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from itsm import __version__
from itsm.diagnostics.errors import InvalidReport, ReportDirectoryNotWritable, ReportNotFound
from itsm.diagnostics.findings import Finding, NoNul
from itsm.diagnostics.rules import overall_severity
from itsm.diagnostics.severity import Severity
from itsm.diagnostics.snapshot import Snapshot

SCHEMA_VERSION: Final = 1
_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_REPORT_NAME = re.compile(r"^diag-.+-(?P<ts>\d{8}T\d{6}Z)(?:-\d+)?\.json$")
_TEMP_NAME = re.compile(r"^\.diag-.+\.tmp$")
_STALE_TEMP = timedelta(hours=1)


_LIMITS = {
    "hostname": 255,
    "fqdn": 255,
    "machine_id": 100,
    "product_uuid": 100,
    "serial": 200,
    "vendor": 200,
    "model": 200,
    "os": 200,
    "kernel": 200,
    "architecture": 64,
}


class HostIdentity(BaseModel):
    """Who the report is about; the inventory matches machine_id / product_uuid first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hostname: Annotated[str, Field(min_length=1, max_length=_LIMITS["hostname"]), NoNul]
    fqdn: Annotated[str, Field(max_length=_LIMITS["fqdn"]), NoNul] | None = None
    machine_id: Annotated[str, Field(max_length=_LIMITS["machine_id"]), NoNul] | None = None
    product_uuid: Annotated[str, Field(max_length=_LIMITS["product_uuid"]), NoNul] | None = None
    serial: Annotated[str, Field(max_length=_LIMITS["serial"]), NoNul] | None = None
    vendor: Annotated[str, Field(max_length=_LIMITS["vendor"]), NoNul] | None = None
    model: Annotated[str, Field(max_length=_LIMITS["model"]), NoNul] | None = None
    os: Annotated[str, Field(max_length=_LIMITS["os"]), NoNul] | None = None
    kernel: Annotated[str, Field(max_length=_LIMITS["kernel"]), NoNul] | None = None
    architecture: Annotated[str, Field(max_length=_LIMITS["architecture"]), NoNul] | None = None


class Report(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    # Unique per run, so a report pushed or replayed twice is stored once.
    report_id: UUID = Field(default_factory=uuid4)
    agent_version: str = __version__
    host: HostIdentity
    collected_at: AwareDatetime
    duration_seconds: float = Field(ge=0)
    severity: Severity
    checks: list[Finding]
    probes: dict[str, dict[str, Any]]

    @field_validator("collected_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00 is in the year 10000
            raise ValueError("is out of range once in UTC") from None


def build_report(snapshot: Snapshot, findings: list[Finding]) -> Report:
    """Assemble the report (with a fresh ``report_id``); severity is the worst finding's."""
    return Report(
        host=_identity(snapshot.probes.get("system", {})),
        collected_at=snapshot.collected_at,
        duration_seconds=snapshot.duration_seconds,
        severity=overall_severity(findings),
        checks=findings,
        probes=snapshot.probes,
    )


def _identity(system: dict[str, Any]) -> HostIdentity:
    # The report must name its host even when the system probe failed.
    fallback = _fit("hostname", platform.node()) or "unknown"
    if system.get("status") != "ok":
        return HostIdentity(hostname=fallback)
    dmi = system.get("dmi")
    dmi = dmi if isinstance(dmi, dict) else {}
    return HostIdentity(
        hostname=_fit("hostname", system.get("hostname")) or fallback,
        fqdn=_fit("fqdn", system.get("fqdn")),
        machine_id=_fit("machine_id", system.get("machine_id")),
        product_uuid=_fit("product_uuid", dmi.get("product_uuid")),
        serial=_fit("serial", dmi.get("product_serial")),
        vendor=_fit("vendor", dmi.get("sys_vendor")),
        model=_fit("model", dmi.get("product_name")),
        os=_fit("os", system.get("os")),
        kernel=_fit("kernel", system.get("kernel")),
        architecture=_fit("architecture", system.get("architecture")),
    )


def _fit(field: str, value: Any) -> str | None:
    """A probe's text made acceptable to :class:`HostIdentity` (``None`` if nothing is left)."""
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "")[: _LIMITS[field]] or None


def report_filename(report: Report) -> str:
    """``diag-<host>-<YYYYmmddTHHMMSSZ>.json``, the host reduced to safe characters."""
    host = re.sub(r"[^A-Za-z0-9._-]", "_", report.host.hostname)[:64].strip(".") or "unknown"
    return f"diag-{host}-{report.collected_at.strftime(_TIMESTAMP)}.json"


def ensure_writable(directory: Path) -> None:
    """Create ``directory`` if needed and prove a file can be written there."""
    if directory.exists() and not directory.is_dir():
        raise ReportDirectoryNotWritable(directory, "it is a file, not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise ReportDirectoryNotWritable(directory, _reason(exc)) from exc


def write_report(report: Report, directory: Path) -> Path:
    """Write ``report`` atomically into ``directory`` (created if missing); return its path.

    Two reports of the same second get ``-1``, ``-2``... suffixes instead of
    overwriting each other. Raises :class:`ReportDirectoryNotWritable`.
    """
    payload = report.model_dump_json(indent=2).encode() + b"\n"
    stem = report_filename(report).removesuffix(".json")
    if directory.exists() and not directory.is_dir():
        raise ReportDirectoryNotWritable(directory, "it is a file, not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ReportDirectoryNotWritable(directory, _reason(exc)) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        target = _free_path(directory, stem)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ReportDirectoryNotWritable(directory, _reason(exc)) from exc
    _fsync_directory(directory)
    return target


def _free_path(directory: Path, stem: str) -> Path:
    candidate = directory / f"{stem}.json"
    suffix = 0
    while candidate.exists():
        suffix += 1
        candidate = directory / f"{stem}-{suffix}.json"
    return candidate


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible everywhere (Windows), hence best effort.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_report(path: Path) -> Report:
    """Load a report file; :class:`ReportNotFound` or :class:`InvalidReport` otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ReportNotFound(path) from exc
    except OSError as exc:
        raise InvalidReport(str(path), _reason(exc)) from exc
    return parse_report(raw, source=str(path))


def parse_report(raw: bytes | str, *, source: str = "input") -> Report:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidReport(source, f"not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise InvalidReport(source, "not a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InvalidReport(
            source, f"schema_version {version!r} is not supported (expected {SCHEMA_VERSION})"
        )
    try:
        return Report.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "report"
        raise InvalidReport(source, f"{where}: {first['msg']}") from exc


def prune_reports(
    directory: Path, retention_days: int, *, now: datetime | None = None
) -> list[Path]:
    """Delete reports older than ``retention_days`` (by the time in their name).

    Also removes temporary files left by an interrupted write (after an hour).
    Files not named by :func:`write_report` are never touched. Returns the
    deleted paths; a missing directory has nothing to prune.
    """
    if retention_days < 1:
        raise ValueError(f"retention_days must be at least 1, got {retention_days}")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    if not directory.is_dir():
        return []
    removed = []
    for path in sorted(directory.iterdir()):
        if not _expired(path, cutoff) or not path.is_file():
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # pruned concurrently
        except OSError as exc:
            raise ReportDirectoryNotWritable(directory, _reason(exc)) from exc
        removed.append(path)
    return removed


def _expired(path: Path, cutoff: datetime) -> bool:
    match = _REPORT_NAME.match(path.name)
    if match:
        try:
            stamp = datetime.strptime(match["ts"], _TIMESTAMP).replace(tzinfo=UTC)
        except ValueError:  # looks like ours but is not a real date: leave it alone
            return False
        return stamp < cutoff
    if _TEMP_NAME.match(path.name):
        try:
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            return False
        # A writer may still be busy with it: judged on the real clock, not ``now``.
        return datetime.now(UTC) - modified > _STALE_TEMP
    return False
