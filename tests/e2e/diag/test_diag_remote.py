"""``itsm diag watch --server``: the agent sends its reports to a real API server.

The agent is the real ``itsm`` console script in a subprocess; the server is
the real API, in a thread (``tests.live_server.running``) or, where it must be
killed and started again on the same port, an ``itsm serve`` subprocess. Both
use the test's own database (SQLite and PostgreSQL), which the test reads to
check what arrived.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import func, select

from itsm.accounts import service as accounts
from itsm.accounts.models import TokenKind
from itsm.accounts.schemas import TokenCreate
from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.diagnostics.autoticket import agent_user
from itsm.diagnostics.models import DiagnosticReport
from itsm.tickets.models import ACTIVE_STATUSES, Ticket
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.e2e.cli import ITSM, Cli, describe, make_env
from tests.e2e.diag.conftest import BASE, EXIT, LOW_DISK
from tests.live_server import running, scopes_for

TIMEOUT = 120.0


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=url, data_dir=tmp_path / "server-data")


def _token(url: str, *, kind: TokenKind = TokenKind.AGENT, role: str | None = None) -> str:
    db = open_database(Settings(database_url=url))
    try:
        with db.session() as session:
            if role is None:
                owner = agent_user(session, "itsm-agent")
            else:
                owner = users.create_user(
                    session, data=UserCreate(username=role, full_name=role.title(), role=role)
                )
            return accounts.create_token(
                session, owner=owner, data=TokenCreate(name="t", kind=kind, scopes=scopes_for(kind))
            )[1]
    finally:
        db.dispose()


def _stored(url: str) -> list[str]:
    """Report ids in the order the server stored them."""
    db = open_database(Settings(database_url=url))
    try:
        with db.session(write=False) as session:
            stmt = select(DiagnosticReport.report_id).order_by(DiagnosticReport.id)
            return list(session.scalars(stmt))
    finally:
        db.dispose()


def _active_tickets_per_fingerprint(url: str) -> list[int]:
    db = open_database(Settings(database_url=url))
    try:
        with db.session(write=False) as session:
            stmt = (
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.source == "diagnostic")
                .group_by(Ticket.fingerprint)
            )
            return list(session.scalars(stmt))
    finally:
        db.dispose()


def _written(reports_dir: Path) -> list[str]:
    """Report ids of every report the agent wrote, oldest first."""
    reports = [json.loads(p.read_text()) for p in reports_dir.glob("diag-*.json")]
    return [r["report_id"] for r in sorted(reports, key=lambda r: r["collected_at"])]


def _spooled(spool: Path) -> list[str]:
    return [p.name.split("-", 1)[1].removesuffix(".json") for p in sorted(spool.glob("*.json"))]


def _token_file(tmp_path: Path, token: str) -> Path:
    path = tmp_path / "agent.token"
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``itsm serve`` on a fixed port, to be killed and started again."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(ITSM), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"itsm serve did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None


@contextmanager
def server_process(env: dict[str, str], log: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(env, _free_port(), log)
    server.start()
    try:
        yield server
    finally:
        server.kill()


class Agent:
    """``itsm diag watch`` in a subprocess, read line by line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [str(ITSM), "diag", "watch", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._watchdog = threading.Timer(TIMEOUT, self.proc.kill)  # a hung agent fails the test
        self._watchdog.start()

    def until(self, wanted: str) -> str:
        """Read sample lines until one contains ``wanted``; return it."""
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"agent ended before {wanted!r}:\n" + "".join(self.lines))
            self.lines.append(line)
            if wanted in line:
                return line

    def stop(self) -> tuple[int, str, str]:
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=60)
        self._watchdog.cancel()
        return self.proc.returncode, "".join(self.lines) + out, err

    def close(self) -> None:
        self._watchdog.cancel()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def test_reports_sent_to_the_server_are_stored_and_open_tickets(
    cli: Cli, fresh_db_url: str, tmp_path: Path
) -> None:
    token_file = _token_file(tmp_path, _token(fresh_db_url))
    with running(_settings(fresh_db_url, tmp_path)) as url:
        env = {
            **LOW_DISK,
            "ITSM_DIAGNOSTICS__PERSIST_SAMPLES": "2",
            # The server, token and spool from settings this time, not from flags.
            "ITSM_DIAGNOSTICS__SERVER": url + "/api/v1/",
            "ITSM_DIAGNOSTICS__TOKEN_FILE": str(token_file),
            "ITSM_DIAGNOSTICS__SPOOL__DIRECTORY": str(tmp_path / "spool"),
        }
        out = cli.ok("diag", "watch", "--interval", "1", "--count", "3", env=env)
    samples = out.splitlines()[:-1]
    assert len(samples) == 3, out
    assert all(line.endswith("; sent") for line in samples), out
    assert "no ticket changes" in samples[0], out  # the problem has not persisted yet
    assert "opened TKT-" in samples[1], out
    assert out.splitlines()[-1] == "Stopped after 3 samples."
    assert len(_stored(fresh_db_url)) == 3
    assert _spooled(tmp_path / "spool") == []
    page = cli.json("ticket", "list")
    diagnostic = [t for t in page["items"] if t["source"] == "diagnostic"]
    assert diagnostic
    assert all(t["number"] in samples[1] for t in diagnostic)
    assert set(_active_tickets_per_fingerprint(fresh_db_url)) == {1}


def test_outage_every_report_arrives_once_and_in_order(
    cli: Cli, fresh_db_url: str, tmp_path: Path
) -> None:
    """The server is killed mid-run and started again: nothing lost, nothing twice."""
    token_file = _token_file(tmp_path, _token(fresh_db_url))
    reports_dir, spool = tmp_path / "reports", tmp_path / "spool"
    server_env = make_env(fresh_db_url, ITSM_LOG_LEVEL="WARNING")
    agent_env = {**cli.env, **LOW_DISK, "ITSM_DIAGNOSTICS__PERSIST_SAMPLES": "2"}
    with server_process(server_env, tmp_path / "server.log") as server:
        agent = Agent(
            [
                "--interval",
                "1",
                "--server",
                server.url,
                "--token-file",
                str(token_file),
                "--spool-dir",
                str(spool),
                "--reports-dir",
                str(reports_dir),
            ],
            agent_env,
        )
        try:
            agent.until("; sent")
            agent.until("; sent")
            server.kill()  # mid-run, without warning
            agent.until("; 1 report in the spool")
            agent.until("; 2 reports in the spool")
            agent.until("; 3 reports in the spool")
            assert len(_spooled(spool)) >= 3
            server.start()  # the same port and database
            agent.until("; sent")
            agent.until("; sent")
            code, out, err = agent.stop()
        finally:
            agent.close()
    result = subprocess.CompletedProcess(agent.proc.args, code, out, err)
    assert code == 0, describe(result)
    assert out.splitlines()[-1].startswith("Stopped after"), describe(result)
    assert "is not reachable" in err, describe(result)  # the outage was logged
    assert "Traceback" not in out + err
    written = _written(reports_dir)
    stored = _stored(fresh_db_url)
    assert len(written) >= 7
    assert stored == written  # every report, once, in the order it was made
    assert _spooled(spool) == []
    assert set(_active_tickets_per_fingerprint(fresh_db_url)) == {1}


def test_a_full_spool_drops_the_oldest_and_the_rest_arrive_in_order(
    cli: Cli, fresh_db_url: str, tmp_path: Path
) -> None:
    token_file = _token_file(tmp_path, _token(fresh_db_url))
    reports_dir, spool = tmp_path / "reports", tmp_path / "spool"
    nowhere = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    env = {**BASE, "ITSM_DIAGNOSTICS__SPOOL__MAX_REPORTS": "3"}
    args = ["--token-file", str(token_file), "--spool-dir", str(spool)]
    args += ["--reports-dir", str(reports_dir), "--interval", "1"]

    away = cli.run("diag", "watch", "--server", nowhere, "--count", "5", *args, env=env)

    assert away.returncode == 0, describe(away)
    counts = [line.rsplit("; ", 1)[1] for line in away.stdout.splitlines()[:5]]
    assert counts == [
        "1 report in the spool",
        "2 reports in the spool",
        *["3 reports in the spool"] * 3,
    ], describe(away)
    assert f"3 reports wait in the spool {spool}" in away.stdout, describe(away)
    assert "is not reachable" in away.stderr
    assert away.stderr.count("is full") == 2, describe(away)
    made = _written(reports_dir)
    assert _spooled(spool) == made[-3:]  # the newest three were kept

    with running(_settings(fresh_db_url, tmp_path)) as url:
        back = cli.ok("diag", "watch", "--server", url, "--count", "1", *args, env=env)
    assert back.splitlines()[0].endswith("; sent"), back
    made = _written(reports_dir)
    assert _stored(fresh_db_url) == made[2:]  # the 3 kept, then the new one, in order
    assert _spooled(spool) == []


def test_a_refused_token_stops_the_agent_with_one_clear_line(
    cli: Cli, fresh_db_url: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    technician = _token(fresh_db_url, kind=TokenKind.PERSONAL, role="technician")
    with running(_settings(fresh_db_url, tmp_path)) as url:
        common = ["--server", url, "--spool-dir", str(spool), "--interval", "1", "--count", "3"]
        bogus = cli.fail(10, "diag", "watch", *common, "--token", "itsm_not-a-real-token", env=BASE)
        assert bogus == f"error: server {url} refused the agent token: invalid API token"
        wrong = cli.fail(6, "diag", "watch", *common, "--token", technician, env=BASE)
        assert wrong == (
            f"error: server {url} does not let this token send reports: "
            "only agent tokens and admins may send diagnostic reports"
        )
        elsewhere = cli.fail(
            7,
            "diag",
            "watch",
            *common[2:],
            "--server",
            url + "/nothing-here",
            "--token",
            technician,
            env=BASE,
        )
        assert "is not an itsm report endpoint (404); check the server URL" in elsewhere
    assert _stored(fresh_db_url) == []
    assert len(_spooled(spool)) == 3  # kept for when the token is fixed: nothing lost


def test_remote_mode_mistakes_are_one_line_errors(cli: Cli, tmp_path: Path) -> None:
    spool = ["--spool-dir", str(tmp_path / "spool"), "--count", "1"]
    server = ["--server", "http://127.0.0.1:9"]
    missing = tmp_path / "missing.token"
    cases = [
        (3, [*server, "--no-store"], "--server and --no-store contradict each other"),
        (3, [*server, "--no-tickets", "--token", "t"], "--no-tickets does not apply with --server"),
        (3, ["--server", "ftp://x", "--token", "t"], "invalid server URL 'ftp://x'"),
        (3, ["--server", "http://u:p@x", "--token", "t"], "give the token separately"),
        (3, [*server, "--token", "t", "--token-file", str(missing)], "not both"),
        (7, server, "--server needs an agent token"),
        (7, [*server, "--token-file", str(missing)], f"cannot read the token file {missing}"),
    ]
    for code, args, message in cases:
        line = cli.fail(code, "diag", "watch", *args, *spool, env=BASE)
        assert message in line, (args, line)
    bad = cli.fail(7, "diag", "watch", *spool, env={**BASE, "ITSM_DIAGNOSTICS__SERVER": "nope"})
    assert "invalid setting diagnostics.server" in bad


_PROBE = """
import atexit, sys
HEAVY = (
    "sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "rich", "click", "pygments", "httpx"
)
def report():
    heavy = sorted(
        m for m, module in sys.modules.items()
        if module is not None
        and (m.split(".")[0] in HEAVY or (m.startswith("itsm.") and m.endswith(".models")))
    )
    # Peak RSS of this program (VmHWM; ru_maxrss would count the forking pytest's pages).
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    rss_mb = int(hwm.split()[1]) / 1024
    print(f"PROBE {rss_mb:.1f} {','.join(heavy)}", file=sys.stderr)
atexit.register(report)
from itsm.cli.main import main
main(sys.argv[1:])
"""


def test_the_remote_agent_loads_no_database_code_and_stays_small(
    cli: Cli, fresh_db_url: str, tmp_path: Path
) -> None:
    token_file = _token_file(tmp_path, _token(fresh_db_url))
    with running(_settings(fresh_db_url, tmp_path)) as url:
        args = ["diag", "watch", "--server", url, "--token-file", str(token_file)]
        args += ["--spool-dir", str(tmp_path / "spool"), "--interval", "1", "--count", "2"]
        env = {**cli.env, **BASE}
        env.pop("ITSM_DATABASE_URL")  # an agent host has no database at all
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("; sent") == 2, done.stdout
    probe = [line for line in done.stderr.splitlines() if line.startswith("PROBE ")]
    assert len(probe) == 1, done.stderr
    _, rss, heavy = (probe[0] + " ").split(" ", 2)
    assert heavy.strip() == "", f"the remote agent imported {heavy}"
    assert float(rss) < 50, f"peak RSS {rss} MB"  # issue 12's target for the fleet agent
    assert len(_stored(fresh_db_url)) == 2


def test_sigterm_while_the_server_is_away_keeps_the_reports(cli: Cli, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    nowhere = f"http://127.0.0.1:{_free_port()}"
    agent = Agent(
        ["--server", nowhere, "--token", "itsm_x", "--spool-dir", str(spool), "--interval", "1"],
        {**cli.env, **BASE},
    )
    try:
        agent.until("; 2 reports in the spool")
        code, out, err = agent.stop()
    finally:
        agent.close()
    assert code == 0, err
    assert re.search(r"^\d+ reports? waits? in the spool ", out, re.MULTILINE), out
    assert len(_spooled(spool)) >= 2


def test_a_single_run_sends_its_report_and_a_run_while_the_server_is_away_spools_it(
    cli: Cli, fresh_db_url: str, tmp_path: Path
) -> None:
    """``itsm diag run --server`` (cron on a remote host): the exit code is still the
    Nagios one, a report the server cannot take waits in the spool, and the next run
    sends it first, so the server stores every report once and in order."""
    token_file = _token_file(tmp_path, _token(fresh_db_url))
    spool, reports = tmp_path / "spool", tmp_path / "reports"
    base = [
        "diag", "run", "--token-file", str(token_file), "--spool-dir", str(spool),
        "--reports-dir", str(reports),
    ]  # fmt: skip
    with running(_settings(fresh_db_url, tmp_path)) as url:
        first = cli.run(*base, "--server", url, env=LOW_DISK)
    assert first.returncode == EXIT["critical"], describe(first)
    assert first.stderr == "", describe(first)
    # A single run's problems need no persistence: the server opened the ticket at once.
    assert re.search(r"Tickets opened +TKT-", first.stdout), describe(first)
    assert _stored(fresh_db_url) == _written(reports)

    away = cli.run(*base, "--server", f"http://127.0.0.1:{_free_port()}", env=LOW_DISK)
    assert away.returncode == EXIT["critical"], describe(away)
    assert "is not reachable" in away.stderr, describe(away)
    assert away.stderr.count("; 1 report kept in the spool") == 1, describe(away)
    assert "(s)" not in away.stderr, describe(away)
    assert _spooled(spool) == _written(reports)[1:]

    with running(_settings(fresh_db_url, tmp_path)) as url:
        back = cli.run(*base, "--server", url, env=LOW_DISK)
    assert back.returncode == EXIT["critical"], describe(back)
    assert back.stderr == "", describe(back)
    assert _spooled(spool) == []
    assert _stored(fresh_db_url) == _written(reports)  # all three, once each, in order
    assert len(_written(reports)) == 3
    assert set(_active_tickets_per_fingerprint(fresh_db_url)) == {1}  # commented, not reopened


def test_a_configured_server_leaves_a_local_no_tickets_check_alone(
    cli: Cli, fresh_db_url: str, tmp_path: Path
) -> None:
    """On an agent's host (``diagnostics.server`` set), ``itsm diag run --no-tickets``
    is still a local monitoring check: it stores here, sends nothing, exits 0-3."""
    env = {
        **LOW_DISK,
        "ITSM_DIAGNOSTICS__SERVER": f"http://127.0.0.1:{_free_port()}",  # nobody listens
        "ITSM_DIAGNOSTICS__TOKEN_FILE": str(_token_file(tmp_path, "itsm_unused")),
        "ITSM_DIAGNOSTICS__SPOOL__DIRECTORY": str(tmp_path / "spool"),
    }
    result = cli.run("diag", "run", "--no-tickets", "--json", env=env)
    assert result.returncode == EXIT["critical"], describe(result)
    assert result.stderr == "", describe(result)
    report = json.loads(result.stdout)
    assert _stored(fresh_db_url) == [report["report_id"]]
    assert not (tmp_path / "spool").exists() or _spooled(tmp_path / "spool") == []
