"""Databases from the command line: migrations, the embedded default, paging, concurrency."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from itsm.cli.exit import ExitStatus
from tests import pg
from tests.e2e.cli import ITSM, Cli, check_plain, make_env


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """An empty PostgreSQL database: a server's schema is upgraded only on request."""
    pg.require_postgres()
    name = pg.create_database("itsm_empty")
    try:
        yield pg.url_for(name)
    finally:
        pg.drop_database(name)


def test_an_empty_sqlite_file_migrates_itself_on_first_use(tmp_path: Path) -> None:
    cli = Cli(env=make_env(f"sqlite:///{tmp_path / 'named.db'}"))
    assert cli.json("ticket", "list") == {"items": [], "next_cursor": None}
    current = cli.json("db", "current")
    assert current["current"] == current["head"]


@pytest.mark.postgres
def test_empty_database_is_refused_until_upgraded(empty_pg_url: str) -> None:
    cli = Cli(env=make_env(empty_pg_url))
    for args in (["ticket", "list"], ["demo"]):
        msg = cli.fail(ExitStatus.DATABASE_NOT_MIGRATED, *args)
        assert "itsm db upgrade" in msg

    before = cli.json("db", "current")
    assert before["current"] is None
    assert before["up_to_date"] is False
    assert "needs 'itsm db upgrade'" in cli.ok("db", "current")

    assert "upgraded from empty to" in cli.ok("db", "upgrade")
    after = cli.json("db", "current")
    assert after["current"] == after["head"] == before["head"]
    assert after["up_to_date"] is True
    assert "is up to date" in cli.ok("db", "upgrade")  # idempotent

    assert cli.json("ticket", "list") == {"items": [], "next_cursor": None}


def test_default_embedded_sqlite_is_created_and_migrated(tmp_path: Path) -> None:
    data_home = tmp_path / "xdg-data"
    cli = Cli(env=make_env(None, XDG_DATA_HOME=str(data_home)))
    database = data_home / "itsm" / "itsm.db"
    assert not database.exists()

    assert cli.ok("demo").startswith("Demo data loaded: 4 users, 5 tickets")
    assert database.is_file()
    current = cli.json("db", "current")
    assert current["database"] == f"sqlite:///{database}"
    assert current["up_to_date"] is True
    assert cli.json("ticket", "stats")["total"] == 5


def test_keyset_pagination_visits_every_ticket_once(demo: Cli) -> None:
    everything = demo.json("ticket", "list", "--limit", "500")
    assert everything["next_cursor"] is None
    all_ids = [t["id"] for t in everything["items"]]
    assert len(all_ids) == 5

    seen: list[int] = []
    page = demo.json("ticket", "list", "--limit", "2")
    pages = 1
    while True:
        assert len(page["items"]) <= 2
        seen.extend(t["id"] for t in page["items"])
        if page["next_cursor"] is None:
            break
        page = demo.json("ticket", "list", "--limit", "2", "--cursor", page["next_cursor"])
        pages += 1
        assert pages <= 10
    assert pages == 3
    assert seen == all_ids  # same order, each exactly once

    assert "More: --cursor " in demo.ok("ticket", "list", "--limit", "2")
    msg = demo.fail(ExitStatus.INVALID_INPUT, "ticket", "list", "--cursor", "not-a-cursor")
    assert "cursor" in msg


def test_concurrent_creates_get_distinct_numbers(cli: Cli) -> None:
    cli.ok("user", "add", "ana", "Ana Torres")
    procs = [
        subprocess.Popen(
            [
                str(ITSM),
                *("ticket", "create", f"Concurrente {i}", "Prueba", "software", "low", "ana"),
                "--json",
            ],
            env=cli.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        for i in range(6)
    ]
    numbers: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        check_plain(result)
        assert proc.returncode == 0, err
        assert err == ""
        numbers.append(json.loads(out)["number"])
    assert len(set(numbers)) == 6
    listed = cli.json("ticket", "list")["items"]
    assert sorted(t["number"] for t in listed) == sorted(numbers)
    suffixes = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    if len({n.split("-")[1] for n in numbers}) == 1:  # all on one day: no gaps
        assert suffixes == list(range(1, 7))
