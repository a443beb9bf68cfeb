"""A bounded on-disk queue of reports waiting for the server, oldest first.

One file per report, written to a temporary name, fsynced and linked into place,
so no reader sees half a report; deleted only once the server answered 2xx. A full
spool drops its oldest reports with a warning. Standard library only.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from itsm.diagnostics.errors import SpoolNotWritable

log = logging.getLogger(__name__)

_DIGITS = 16
_NAME = re.compile(rf"^(?P<seq>\d{{{_DIGITS}}})-(?P<id>[0-9A-Za-z-]{{1,64}})\.json$")
_TEMP_PREFIX = ".spool-"


@dataclass(frozen=True, slots=True)
class Entry:
    """One spooled report: its file, its place in the queue and its size."""

    path: Path
    seq: int
    report_id: str
    size: int

    def read(self) -> bytes:
        return self.path.read_bytes()


class Spool:
    def __init__(self, directory: Path, *, max_reports: int, max_bytes: int) -> None:
        if max_reports < 1 or max_bytes < 1:
            raise ValueError("a spool must hold at least one report and one byte")
        self.directory = directory
        self.max_reports = max_reports
        self.max_bytes = max_bytes
        self.dropped = 0  # reports dropped to respect the bounds, since this object was made

    def open(self) -> Spool:
        """Create the directory (owner-only), prove it writable, clear interrupted writes."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self.directory.is_dir():
                raise NotADirectoryError(self.directory)
            with tempfile.TemporaryFile(dir=self.directory):
                pass
            for stray in self.directory.glob(f"{_TEMP_PREFIX}*"):
                stray.unlink(missing_ok=True)
        except OSError as exc:
            raise SpoolNotWritable(self.directory, exc.strerror or str(exc)) from exc
        return self

    def entries(self) -> list[Entry]:
        """Every spooled report, oldest first."""
        found = []
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        for name in names:
            match = _NAME.match(name)
            if match is None:
                continue
            path = self.directory / name
            try:
                size = path.stat().st_size
            except FileNotFoundError:  # sent and removed meanwhile
                continue
            found.append(Entry(path, int(match["seq"]), match["id"], size))
        found.sort(key=lambda e: e.seq)
        return found

    def put(self, report_id: str, payload: bytes) -> Entry:
        """Append a report (after dropping the oldest ones if the spool is full)."""
        if not re.fullmatch(r"[0-9A-Za-z-]{1,64}", report_id):
            raise ValueError(f"unusable report id {report_id!r}")
        entries = self.entries()
        self._make_room(entries, len(payload))
        seq = entries[-1].seq + 1 if entries else 1
        try:
            fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".tmp", dir=self.directory)
        except OSError as exc:
            raise SpoolNotWritable(self.directory, exc.strerror or str(exc)) from exc
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            target = self._link(temp, seq, report_id)
        except OSError as exc:
            raise SpoolNotWritable(self.directory, exc.strerror or str(exc)) from exc
        finally:
            temp.unlink(missing_ok=True)
        _fsync_directory(self.directory)
        return Entry(target, int(target.name[:_DIGITS]), report_id, len(payload))

    def remove(self, entries: list[Entry]) -> None:
        for entry in entries:
            entry.path.unlink(missing_ok=True)

    def _link(self, temp: Path, seq: int, report_id: str) -> Path:
        """Give ``temp`` the first free name from ``seq`` on; never overwrite a report."""
        while True:
            target = self.directory / f"{seq:0{_DIGITS}d}-{report_id}.json"
            try:
                os.link(temp, target)
                return target
            except FileExistsError:
                seq += 1  # another writer took this place in the queue
            except OSError:  # no hard links on this filesystem
                if target.exists():
                    seq += 1
                    continue
                os.replace(temp, target)
                return target

    def _make_room(self, entries: list[Entry], incoming: int) -> None:
        count = len(entries)
        size = sum(e.size for e in entries)
        victims: list[Entry] = []
        for entry in entries:  # oldest first; the new report is always kept
            if count + 1 <= self.max_reports and size + incoming <= self.max_bytes:
                break
            victims.append(entry)
            count -= 1
            size -= entry.size
        if not victims:
            return
        self.remove(victims)
        self.dropped += len(victims)
        log.warning(
            "report spool %s is full (at most %d reports, %d bytes): dropped the %d oldest "
            "(%s to %s)",
            self.directory,
            self.max_reports,
            self.max_bytes,
            len(victims),
            victims[0].report_id,
            victims[-1].report_id,
        )


def _fsync_directory(directory: Path) -> None:
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
