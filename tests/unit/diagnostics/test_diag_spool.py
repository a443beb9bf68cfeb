"""The report spool on the real filesystem: order, atomic files, bounds."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

import pytest

from itsm.diagnostics.errors import SpoolNotWritable
from itsm.diagnostics.spool import Spool


def _spool(tmp_path: Path, *, reports: int = 100, size: int = 1 << 20) -> Spool:
    return Spool(tmp_path / "spool", max_reports=reports, max_bytes=size).open()


def test_reports_come_back_in_the_order_they_were_put(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    ids = [str(uuid.uuid4()) for _ in range(12)]
    for n, report_id in enumerate(ids):
        spool.put(report_id, f'{{"n": {n}}}'.encode())
    entries = spool.entries()
    assert [e.report_id for e in entries] == ids
    assert [e.read() for e in entries] == [f'{{"n": {n}}}'.encode() for n in range(12)]
    names = [e.path.name for e in entries]
    assert names == sorted(names)  # the names alone sort in order
    assert entries[0].path.name.startswith("0000000000000001-")


def test_order_survives_a_restart_and_removal(tmp_path: Path) -> None:
    first = _spool(tmp_path)
    a, b = first.put("a", b"1"), first.put("b", b"2")
    first.remove([a])
    again = _spool(tmp_path)  # a new agent process on the same directory
    c = again.put("c", b"3")
    assert [e.report_id for e in again.entries()] == ["b", "c"]
    assert c.seq > b.seq


def test_interrupted_writes_are_ignored_and_cleared(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    spool.put("kept", b"{}")
    stray = spool.directory / ".spool-abc.tmp"
    stray.write_bytes(b'{"half')
    (spool.directory / "notes.txt").write_text("not a report")
    assert [e.report_id for e in spool.entries()] == ["kept"]
    _spool(tmp_path)
    assert not stray.exists()
    assert (spool.directory / "notes.txt").exists()  # files it did not write are left alone
    assert not [p for p in spool.directory.iterdir() if p.name.startswith(".spool-")]


def test_a_full_spool_drops_the_oldest_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = _spool(tmp_path, reports=3)
    for name in "abcde":
        with caplog.at_level(logging.WARNING, logger="itsm.diagnostics.spool"):
            spool.put(name, b"{}")
    assert [e.report_id for e in spool.entries()] == ["c", "d", "e"]
    assert spool.dropped == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "is full (at most 3 reports" in warnings[0]
    assert "dropped the 1 oldest (a to a)" in warnings[0]


def test_the_byte_bound_is_respected_and_the_newest_always_kept(tmp_path: Path) -> None:
    spool = _spool(tmp_path, size=100)
    for name in "abc":
        spool.put(name, b"x" * 40)
    assert [e.report_id for e in spool.entries()] == ["b", "c"]
    assert sum(e.size for e in spool.entries()) <= 100
    spool.put("huge", b"y" * 150)  # bigger than the bound: kept alone
    assert [e.report_id for e in spool.entries()] == ["huge"]


def test_files_are_owner_only_and_complete(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    entry = spool.put("r1", b'{"report": 1}')
    assert entry.path.read_bytes() == b'{"report": 1}'
    assert entry.size == 13
    assert (spool.directory.stat().st_mode & 0o777) == 0o700


def test_an_unusable_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SpoolNotWritable, match=f"cannot use the report spool {blocker}"):
        Spool(blocker, max_reports=1, max_bytes=1).open()
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(SpoolNotWritable):
            Spool(locked / "spool", max_reports=1, max_bytes=1).open()


def test_report_ids_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unusable report id"):
        _spool(tmp_path).put("../../etc/passwd", b"{}")
