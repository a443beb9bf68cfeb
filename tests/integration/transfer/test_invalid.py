"""Invalid files: every bad row reported with its line, nothing imported unless asked."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from itsm.errors import InvalidInput
from itsm.tickets import transfer
from itsm.tickets.transfer import ImportRejected, RowProblem
from itsm.tickets.transfer_read import Record, read_records

from .conftest import NOW, People, run_import
from .support import consistency, write_csv

CSV_HEADER = (
    "title,category,requester,assignee,created_at,status,resolution_note,resolved_at,closed_at"
)
CSV_ROWS = [
    "Fine,hardware,req,,,,,,",  # line 2
    "Bad category,hardwre,req,,,,,,",  # 3
    "Unknown requester,hardware,nobody,,,,,,",  # 4
    "Not staff,hardware,req,req,,,,,",  # 5
    "Bad date,hardware,req,,yesterday,,,,",  # 6
    ",hardware,req,,,,,,",  # 7: empty title
    '"Two lines\nin a title",hardware,req,,,,,,',  # 8-9: fine (a quoted newline)
    "No note,hardware,req,,,resolved,,,",  # 10
    "Future,hardware,req,,2099-01-01T00:00:00Z,,,,",  # 11
    "Too many,hardware,req,,,,,,,extra",  # 12
    "Open but resolved_at,hardware,req,,2025-12-01,open,,2026-01-01T00:00:00Z,",  # 13
    "Backwards,software,req,,2026-02-01T00:00:00Z,closed,x,2026-01-01T00:00:00Z,",  # 14
    "Gone requester,hardware,former,,,,,,",  # 15
    "Bad status,hardware,req,,,done,,,",  # 16
    "Two problems,hardwre,nobody,,,,,,",  # 17
]
EXPECTED = [
    RowProblem(
        3, "invalid category 'hardwre'; allowed: hardware, software, network, account, other"
    ),
    RowProblem(4, "requester: user 'nobody' does not exist"),
    RowProblem(5, "assignee: user 'req' is a user; tickets can be assigned to: admin, technician"),
    RowProblem(
        6,
        "invalid created_at 'yesterday': expected an ISO 8601 date-time like "
        "2026-11-27T09:30:00+01:00",
    ),
    RowProblem(7, "title must not be empty"),
    RowProblem(10, "status resolved needs a resolution_note (what fixed it)"),
    RowProblem(11, "created_at 2099-01-01T00:00:00+00:00 is in the future"),
    RowProblem(12, "has 10 fields but the header has 9 columns"),
    RowProblem(13, "resolved_at is given but the status is open"),
    RowProblem(14, "resolved_at is before created_at"),
    RowProblem(15, "requester: user 'former' is deactivated"),
    RowProblem(16, "invalid status 'done'; allowed: open, in_progress, pending, resolved, closed"),
    RowProblem(
        17,
        "requester: user 'nobody' does not exist; invalid category 'hardwre'; "
        "allowed: hardware, software, network, account, other",
    ),
]


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(text("SELECT count(*) FROM tickets")) or 0,
        session.scalar(text("SELECT count(*) FROM ticket_events")) or 0,
        session.scalar(text("SELECT coalesce(sum(last_value), 0) FROM ticket_counters")) or 0,
    )


@pytest.fixture
def bad_csv(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("\r\n".join([CSV_HEADER, *CSV_ROWS]) + "\r\n", encoding="utf-8")
    return path


def test_every_bad_row_is_reported_and_nothing_imported(
    session: Session, people: People, bad_csv: Path
) -> None:
    before = _counts(session)
    with pytest.raises(ImportRejected) as caught:
        run_import(session, bad_csv, actor=people.admin, now=NOW)
    assert caught.value.problems == EXPECTED
    assert caught.value.invalid == len(EXPECTED)
    # Each door names its own way to skip them (the CLI's flag, the API's parameter).
    assert caught.value.template == (
        "%(rows)s; nothing imported (use %(skip_invalid)s to import the valid ones)"
    )
    assert caught.value.fill(skip_invalid="--skip-invalid").message == (
        "13 invalid rows; nothing imported (use --skip-invalid to import the valid ones)"
    )
    assert _counts(session) == before


def test_skip_invalid_imports_the_valid_rows(
    session: Session, people: People, bad_csv: Path
) -> None:
    before = _counts(session)
    result = run_import(session, bad_csv, actor=people.admin, now=NOW, skip_invalid=True)
    assert (result.imported, result.skipped, result.problems) == (2, 13, EXPECTED)
    assert result.first_number == "TKT-20261127-0001"
    assert result.last_number == "TKT-20261127-0002"
    titles = session.scalars(text("SELECT title FROM tickets ORDER BY id")).all()[-2:]
    assert titles == ["Fine", "Two lines\nin a title"]
    tickets, events, counters = _counts(session)
    assert (tickets, events, counters) == (before[0] + 2, before[1] + 2, before[2] + 2)
    consistency(session.connection())


def test_jsonl_line_problems(session: Session, people: People, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [
        '{"title": "Fine", "category": "network", "requester": "req"}',
        '{"title": "Broken", "category": ',
        "",
        "[1, 2]",
        '{"title": "Colour", "category": "other", "requester": "req", "colour": "red"}',
        '{"title": 42, "category": "other", "requester": "req"}',
        '{"title": "Who", "category": "other", "requester": true}',
        '{"title": "No requester", "category": "other"}',
        '{"title": "Null extras", "category": "other", "requester": "req", "assignee": null}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        run_import(session, path, actor=people.admin)
    assert caught.value.problems == [
        RowProblem(2, "invalid JSON: Expecting value (column 32)"),
        RowProblem(4, "a line must hold one JSON object, not an array"),
        RowProblem(
            5,
            "unknown key 'colour'; allowed: title, category, requester, description, "
            "priority, status, assignee, created_at, resolved_at, closed_at, "
            "resolution_note, source, external_id",
        ),
        RowProblem(6, "invalid title 42: Input should be a valid string"),
        RowProblem(7, "invalid requester True: give a username or a user id"),
        RowProblem(8, "requester is required"),
    ]
    result = run_import(session, path, actor=people.admin, skip_invalid=True)
    assert (result.imported, result.skipped) == (2, 6)


def test_not_utf8_lines(session: Session, people: People, tmp_path: Path) -> None:
    csv_path = tmp_path / "latin1.csv"
    csv_path.write_bytes(
        b'title,category,requester\nFine,other,req\nCaf\xe9,other,req\n"multi\nl\xednea",other,req\n'
        b"Also fine,other,req\n"
    )
    jsonl_path = tmp_path / "latin1.jsonl"
    jsonl_path.write_bytes(
        b'{"title": "Caf\xe9", "category": "other", "requester": "req"}\n'
        b'{"title": "Fine", "category": "other", "requester": "req"}\n'
    )
    for path, expected in (
        (csv_path, [RowProblem(3, "not valid UTF-8 text"), RowProblem(4, "not valid UTF-8 text")]),
        (jsonl_path, [RowProblem(1, "not valid UTF-8 text")]),
    ):
        with pytest.raises(ImportRejected) as caught:
            run_import(session, path, actor=people.admin)
        assert caught.value.problems == expected


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (
            "title,category,requester,colour,size",
            "unknown columns 'colour', 'size'; allowed: title, category, requester, "
            "description, priority, status, assignee, created_at, resolved_at, closed_at, "
            "resolution_note, source, external_id",
        ),
        ("title,category", "missing required column 'requester'"),
        ("title,category,requester,title", "repeated column 'title'"),
    ],
)
def test_unusable_csv_header(
    session: Session, people: People, tmp_path: Path, header: str, reason: str
) -> None:
    path = tmp_path / "header.csv"
    path.write_text(f"{header}\nFine,other,req,x,y\n", encoding="utf-8")
    for skip in (False, True):  # skipping rows cannot help a broken header
        with pytest.raises(ImportRejected) as caught:
            run_import(session, path, actor=people.admin, skip_invalid=skip)
        assert caught.value.problems == [RowProblem(1, reason)]
        assert caught.value.message == "the header of header.csv is not usable; nothing imported"


def test_export_columns_are_accepted_and_ignored(
    session: Session, people: People, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            {
                "id": 999,
                "number": "TKT-20200101-0001",
                "title": "T",
                "category": "other",
                "requester": "req",
            }
        ],
        columns=["id", "number", "title", "category", "requester"],
    )
    result = run_import(session, path, actor=people.admin, now=NOW)
    assert result.first_number == "TKT-20261127-0001"


def test_format_from_extension_or_option(tmp_path: Path) -> None:
    assert transfer.format_of(tmp_path / "a.CSV", None) is transfer.Format.CSV
    assert transfer.format_of(tmp_path / "a.ndjson", None) is transfer.Format.JSONL
    assert transfer.format_of(tmp_path / "a.txt", "JSONL") is transfer.Format.JSONL
    with pytest.raises(InvalidInput, match="pass --format csv or --format jsonl"):
        transfer.format_of(tmp_path / "a.txt", None)
    with pytest.raises(InvalidInput, match="invalid format 'xml'"):
        transfer.format_of(tmp_path / "a.csv", "xml")
    with pytest.raises(InvalidInput, match="cannot read"):
        list(read_records(tmp_path / "missing.csv", transfer.Format.CSV))


def test_a_folder_is_refused_with_a_clear_error(
    session: Session, people: People, tmp_path: Path
) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(InvalidInput, match=r"cannot read .*folder\.csv: Is a directory"):
        run_import(session, folder, actor=people.admin)


def test_nul_characters_are_refused_up_front(
    session: Session, people: People, tmp_path: Path
) -> None:
    path = tmp_path / "nul.jsonl"
    path.write_text(
        '{"title": "A", "category": "other", "requester": "req", "description": "x\\u0000y"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        run_import(session, path, actor=people.admin)
    assert caught.value.problems == [RowProblem(1, "description contains a NUL character")]


def test_the_file_is_read_once_so_a_pipe_works(
    session: Session, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{"title": t, "category": "other", "requester": "req"} for t in "AB"]
    source = write_csv(tmp_path / "t.csv", rows)
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    reads = 0
    real = read_records

    def counted(file: Path, fmt: transfer.Format) -> Iterator[Record]:
        nonlocal reads
        reads += 1
        return real(file, fmt)

    feeder = threading.Thread(target=lambda: pipe.write_bytes(source.read_bytes()))
    feeder.start()
    monkeypatch.setattr(transfer, "read_records", counted)
    result = run_import(session, pipe, actor=people.admin)
    feeder.join()
    assert (reads, result.imported) == (1, 2)


def test_a_write_the_database_refuses_is_sqlalchemys_integrity_error(session: Session) -> None:
    """The import writes through :mod:`itsm.db.bulk` (COPY, multi-row INSERT); a refusal
    there still arrives as SQLAlchemy's IntegrityError, which the CLI reports as a
    conflict (exit 5), not as an unexpected error."""
    from sqlalchemy import Table
    from sqlalchemy.exc import IntegrityError

    from itsm.db import bulk
    from itsm.db.base import utcnow
    from itsm.tickets.models import TicketEvent
    from itsm.tickets.transfer_write import EVENT_COLUMNS

    table = TicketEvent.__table__
    assert isinstance(table, Table)
    when = bulk.time_text(session)(utcnow())
    orphan = (2_000_000_000, None, "created", None, None, "TKT-20261127-0001", when)
    with pytest.raises(IntegrityError):
        bulk.insert_rows(session, table, EVENT_COLUMNS, [orphan])  # no such ticket
