"""``itsm demo`` gives each demo user a password and prints it; on the embedded
database ``--if-empty`` shows the saved logins again (as ``make run`` does)."""

from __future__ import annotations

import re
from pathlib import Path

from itsm.accounts.login import log_in
from itsm.config import LoginThrottle, Settings
from itsm.db.runtime import open_database
from tests.e2e.cli import Cli, make_env

LOGIN = re.compile(r"^  (\w+)\s+(\S+)  \((admin|technician|user)\)$", re.MULTILINE)


def test_demo_users_can_log_in_with_the_printed_passwords(cli: Cli, fresh_db_url: str) -> None:
    out = cli.ok("demo")
    logins = LOGIN.findall(out)
    assert [(name, role) for name, _, role in logins] == [
        ("admin", "admin"),
        ("tech", "technician"),
        ("ana", "user"),
        ("pedro", "user"),
    ]
    assert len({password for _, password, _ in logins}) == 4
    db = open_database(Settings(database_url=fresh_db_url))
    try:
        for name, password, _ in logins:
            who = log_in(
                db,
                username=name,
                password=password,
                address="t",
                rules=LoginThrottle(),
                then=lambda _session, user: user.username,
            )
            assert who == name
    finally:
        db.dispose()
    # Loading again with --force keeps the existing users' passwords: nothing printed.
    assert LOGIN.findall(cli.ok("demo", "--force")) == []


def test_the_embedded_database_keeps_its_demo_logins_for_later_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cli = Cli(env=make_env(None, XDG_DATA_HOME=str(data)))
    first = LOGIN.findall(cli.ok("demo", "--if-empty"))
    assert len(first) == 4
    saved = data / "itsm" / "demo-logins.txt"
    assert saved.stat().st_mode & 0o777 == 0o600
    again = cli.ok("demo", "--if-empty")
    assert "demo data not loaded" in again
    assert LOGIN.findall(again) == first
