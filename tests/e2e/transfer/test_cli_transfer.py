"""`itsm ticket import` and `itsm ticket export` run as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli, describe
from tests.e2e.transfer.support import add_people
from tests.integration.transfer.support import write_csv, write_jsonl

ERROR = "error: {n} invalid rows; nothing imported (use --skip-invalid to import the valid ones)"


@pytest.fixture
def desk(cli: Cli, fresh_db_url: str) -> Cli:
    """``itsm`` on a database with an admin (the acting user), a technician, a requester."""
    add_people(fresh_db_url)
    return cli


def test_import_and_export(desk: Cli, tmp_path: Path) -> None:
    first = desk.json("ticket", "create", "Made by hand", "x", "other", "low", "req")["number"]
    day = first[4:12]
    rows = [
        {"title": "Cafetera rota", "category": "hardware", "requester": "req", "assignee": "tec"},
        {"title": "Correo lento", "category": "software", "requester": "req", "priority": "high"},
        {
            "title": "Cuenta bloqueada",
            "category": "account",
            "requester": "req",
            "status": "closed",
            "created_at": "2026-01-15T08:00:00+00:00",
            "closed_at": "2026-01-15T09:00:00+00:00",
        },
    ]
    out = desk.ok("ticket", "import", str(write_csv(tmp_path / "in.csv", rows)))
    assert out == f"Imported 3 tickets (first TKT-{day}-0002, last TKT-20260115-0001).\n"
    report = desk.json("ticket", "import", str(write_jsonl(tmp_path / "in.jsonl", rows[:1])))
    assert report == {
        "imported": 1,
        "already_present": 0,
        "skipped": 0,
        "first_number": f"TKT-{day}-0004",
        "last_number": f"TKT-{day}-0004",
        "skipped_rows": [],
    }
    assert desk.json("ticket", "stats")["total"] == 5
    found = desk.json("ticket", "search", "cafetera")
    assert [t["number"] for t in found["items"]] == [f"TKT-{day}-0004", f"TKT-{day}-0002"]
    history = desk.json("ticket", "history", f"TKT-{day}-0002")
    assert [(e["kind"], e["actor"]) for e in history] == [("created", "ana"), ("assigned", "ana")]

    exported = list(csv.DictReader(io.StringIO(desk.ok("ticket", "export"), newline="")))
    assert [r["title"] for r in exported] == ["Made by hand"] + [r["title"] for r in rows] + [
        "Cafetera rota"
    ]
    closed = exported[3]
    assert (closed["status"], closed["closed_at"]) == ("closed", "2026-01-15T09:00:00+00:00")

    target = tmp_path / "out" / "active.jsonl"
    target.parent.mkdir()
    message = desk.ok("ticket", "export", "--active", "--text", "cafetera", "-o", str(target))
    assert message == f"Exported 2 tickets to {target}.\n"
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["number"] for line in lines] == [f"TKT-{day}-0002", f"TKT-{day}-0004"]
    assert list(target.parent.iterdir()) == [target]  # no partial file left behind
    assert desk.ok("ticket", "export", "--status", "closed", "--format", "jsonl").count("\n") == 1
    # An export imports again: ids and numbers are ignored, new ones are given.
    again = desk.json("ticket", "import", str(target))
    assert (again["imported"], again["first_number"]) == (2, f"TKT-{day}-0005")


def test_invalid_rows_are_listed_and_nothing_is_imported(desk: Cli, tmp_path: Path) -> None:
    rows = [{"title": f"Row {i}", "category": "other", "requester": "req"} for i in range(30)]
    rows[1]["category"] = "hardwre"
    rows[4]["requester"] = "nobody"
    path = write_csv(tmp_path / "bad.csv", rows)
    result = desk.run("ticket", "import", str(path))
    assert result.returncode == ExitStatus.INVALID_INPUT, describe(result)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "line 3: invalid category 'hardwre'; allowed: hardware, software, network, account, other",
        "line 6: requester: user 'nobody' does not exist",
        ERROR.format(n=2),
    ]
    assert desk.json("ticket", "stats")["total"] == 0

    out = desk.ok("ticket", "import", "--skip-invalid", str(path))
    assert out.splitlines() == [
        "Imported 28 tickets (first TKT-{d}-0001, last TKT-{d}-0028).".format(
            d=desk.json("ticket", "list", "--limit", "1")["items"][0]["number"][4:12]
        ),
        "Skipped 2 invalid rows:",
        "line 3: invalid category 'hardwre'; allowed: hardware, software, network, account, other",
        "line 6: requester: user 'nobody' does not exist",
    ]


def test_only_twenty_problems_are_printed(desk: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("not json\n" * 25, encoding="utf-8")
    result = desk.run("ticket", "import", str(path))
    assert result.returncode == ExitStatus.INVALID_INPUT, describe(result)
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        "line 1: invalid JSON: Expecting value (column 1)",
        "line 2: invalid JSON: Expecting value (column 1)",
    ]
    assert lines[20:] == ["(5 more not shown)", ERROR.format(n=25)]


# What is refused before any row is written does not depend on the database.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_unusable_input(desk: Cli, tmp_path: Path) -> None:
    header = tmp_path / "header.csv"
    header.write_text("title,category,owner\n", encoding="utf-8")
    result = desk.run("ticket", "import", str(header))
    assert result.returncode == ExitStatus.INVALID_INPUT, describe(result)
    assert result.stderr.splitlines() == [
        "line 1: unknown column 'owner'; allowed: title, category, requester, description, "
        "priority, status, assignee, created_at, resolved_at, closed_at, resolution_note, "
        "source, external_id; missing required column 'requester'",
        "error: the header of header.csv is not usable; nothing imported",
    ]
    msg = desk.fail(ExitStatus.INVALID_INPUT, "ticket", "import", str(tmp_path / "gone.csv"))
    assert msg == f"error: cannot read {tmp_path / 'gone.csv'}: No such file or directory"
    msg = desk.fail(ExitStatus.INVALID_INPUT, "ticket", "import", str(tmp_path / "t.xlsx"))
    assert "pass --format csv or --format jsonl" in msg
    msg = desk.fail(ExitStatus.INVALID_INPUT, "ticket", "export", "--format", "xml")
    assert msg == "error: invalid format 'xml'; allowed: csv, jsonl"
    msg = desk.fail(ExitStatus.NOT_FOUND, "ticket", "export", "--assignee", "nobody")
    assert msg == "error: user 'nobody' does not exist"
    unwritable = tmp_path / "missing-dir" / "out.csv"
    msg = desk.fail(ExitStatus.INVALID_INPUT, "ticket", "export", "-o", str(unwritable))
    assert msg.startswith(f"error: cannot write {unwritable}")


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "'=already"]


def test_csv_formulas_are_guarded_and_import_back_exactly(desk: Cli, tmp_path: Path) -> None:
    for title in FORMULAS:
        desk.ok("ticket", "create", "--", title, "x", "other", "low", "req")
    guarded = list(csv.DictReader(io.StringIO(desk.ok("ticket", "export"), newline="")))
    assert [r["title"] for r in guarded] == ["'" + t for t in FORMULAS]
    raw = list(csv.DictReader(io.StringIO(desk.ok("ticket", "export", "--raw"), newline="")))
    assert [r["title"] for r in raw] == FORMULAS

    target = tmp_path / "guarded.csv"
    desk.ok("ticket", "export", "-o", str(target))
    desk.ok("ticket", "import", str(target))
    titles = [t["title"] for t in desk.json("ticket", "list")["items"]]
    assert sorted(titles) == sorted(FORMULAS + FORMULAS)


def test_export_writes_devices_in_place_and_never_follows_a_planted_file(
    desk: Cli, tmp_path: Path
) -> None:
    desk.ok("ticket", "create", "Impresora", "x", "other", "low", "req")
    # A device is written to, not replaced by a regular file.
    assert desk.ok("ticket", "export", "-o", "/dev/null") == "Exported 1 ticket to /dev/null.\n"
    assert Path("/dev/null").is_char_device()

    # The old fixed partial name, planted as a symlink, redirects nothing.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / ".out.csv.part").symlink_to(victim)
    target = tmp_path / "out.csv"
    desk.ok("ticket", "export", "-o", str(target))
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert target.read_text(encoding="utf-8").startswith("id,number,title")
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == [
        ".out.csv.part"
    ]


def test_spreadsheet_files_round_trip(desk: Cli, tmp_path: Path) -> None:
    """Excel's way: a BOM so accents survive, and ';' where the decimal mark is a comma."""
    desk.ok("ticket", "create", "Impresora atascada", "Año 2026", "hardware", "low", "req")
    target = tmp_path / "excel.csv"
    desk.ok("ticket", "export", "--excel", "-o", str(target))
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,number,title")
    assert desk.ok("ticket", "export", "--excel").startswith("\ufeffid,")
    desk.fail(ExitStatus.INVALID_INPUT, "ticket", "export", "--excel", "--format", "jsonl")

    semicolons = tmp_path / "es.csv"
    semicolons.write_bytes(
        b"\xef\xbb\xbftitle;description;category;requester\r\n"
        b"Monitor sin se\xc3\xb1al;Parpadea, luego nada;hardware;req\r\n"
    )
    assert desk.json("ticket", "import", str(semicolons))["imported"] == 1
    found = desk.json("ticket", "search", "monitor")["items"]
    assert [t["title"] for t in found] == ["Monitor sin señal"]

    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = desk.run("ticket", "import", str(deep))
    assert result.returncode == ExitStatus.INVALID_INPUT
    assert result.stderr.splitlines()[0] == "line 1: invalid JSON: nested too deeply"


def test_importing_a_file_twice_says_what_was_already_there(desk: Cli, tmp_path: Path) -> None:
    rows = [
        {"title": f"Ticket {i}", "category": "other", "requester": "req", "external_id": f"J-{i}"}
        for i in range(3)
    ]
    path = write_csv(tmp_path / "jira.csv", rows)
    assert desk.ok("ticket", "import", str(path)).startswith("Imported 3 tickets (first ")
    assert desk.ok("ticket", "import", str(path)) == (
        "Imported 0 tickets; 3 rows were already present (same external_id).\n"
    )
    rows.append({"title": "Nuevo", "category": "other", "requester": "req", "external_id": "J-9"})
    report = desk.json("ticket", "import", str(write_jsonl(tmp_path / "more.jsonl", rows)))
    assert (report["imported"], report["already_present"], report["skipped"]) == (1, 3, 0)
    exported = list(csv.DictReader(io.StringIO(desk.ok("ticket", "export"), newline="")))
    assert [r["external_id"] for r in exported] == ["J-0", "J-1", "J-2", "J-9"]
    assert desk.json("ticket", "show", exported[0]["number"])["external_id"] == "J-0"
