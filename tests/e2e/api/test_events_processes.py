"""Two ``itsm serve`` processes on one PostgreSQL database both stream a change that a
third process (the CLI) commits; a server with open streams stops promptly on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from itsm.accounts import service as accounts
from itsm.accounts.schemas import TokenCreate
from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.e2e.api.event_stream import events
from tests.e2e.cli import ITSM, make_env, run

STOP_WITHIN_S = 15.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    env: dict[str, str], log: Path, *extra: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``itsm serve [EXTRA]`` in a process of its own, once ``/readyz`` answers."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(ITSM), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"itsm serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)  # polling an observed condition: the server answering
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_servers_stream_what_the_cli_commits(fresh_db_url: str, tmp_path: Path) -> None:
    db = open_database(Settings(database_url=fresh_db_url))
    with db.session() as session:
        tech = users.create_user(
            session, data=UserCreate(username="tina", full_name="Tina", role="technician")
        )
        _, token = accounts.create_token(session, owner=tech, data=TokenCreate(name="live"))
        requester = tech.id
    db.dispose()
    env = make_env(fresh_db_url)
    with ExitStack() as stack:
        (first, _), (second, second_proc) = (
            stack.enter_context(serving(env, tmp_path / f"serve-{n}.log")) for n in (1, 2)
        )
        heard_first = stack.enter_context(events(first, token))
        heard_second = stack.enter_context(events(second, token))

        created = run(
            "ticket",
            "create",
            "Printer jam",
            "Paper stuck",
            "hardware",
            "high",
            str(requester),
            "--json",
            env=env,
        )
        assert created.returncode == 0, created.stderr
        ticket_id = int(json.loads(created.stdout)["id"])

        for heard in (heard_first, heard_second):
            (event,) = heard.until("ticket.created", ticket_id=ticket_id)
            assert event.data["source"] == "cli"

        # SIGTERM with a stream open: the stream ends and the server exits, not hangs.
        stopped_at = time.monotonic()
        second_proc.send_signal(signal.SIGTERM)
        with pytest.raises(AssertionError, match="the event stream ended"):
            heard_second.next()  # ended by the server, not cut
        # uvicorn raises the signal again once shut down: the usual status of a SIGTERM
        assert second_proc.wait(timeout=STOP_WITHIN_S) in (0, -signal.SIGTERM)
        assert time.monotonic() - stopped_at < STOP_WITHIN_S
