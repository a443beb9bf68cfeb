"""Convention 10 from the outside: ``--json`` everywhere, plain text on pipes, ``NO_COLOR``."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

import pytest

from tests.e2e.cli import ITSM, Cli, make_env

SGR = re.compile(r"\x1b\[([0-9;]*)m")


def test_every_read_command_speaks_json(demo: Cli) -> None:
    demo.ok("ticket", "comment", "1", "Reiniciado el monitor")

    page = demo.json("ticket", "list")
    assert set(page) == {"items", "next_cursor"}
    assert len(page["items"]) == 5
    assert page["next_cursor"] is None

    ticket = demo.json("ticket", "show", "1")
    assert ticket["id"] == 1
    assert ticket["title"] == "Monitor no funciona"
    assert [c["body"] for c in ticket["comments"]] == ["Reiniciado el monitor"]
    assert ticket["events"][0]["kind"] == "created"

    history = demo.json("ticket", "history", "1")
    assert isinstance(history, list)
    assert history == ticket["events"]

    found = demo.json("ticket", "search", "servidor")
    assert found["total"] == 1
    assert found["items"][0]["title"] == "Servidor de archivos no responde"
    assert isinstance(found["items"][0]["score"], float | int)

    stats = demo.json("ticket", "stats")
    assert stats["total"] == 5

    users = demo.json("user", "list")
    assert [u["username"] for u in users] == ["admin", "tech", "ana", "pedro"]
    assert demo.json("user", "show", "ana")["full_name"] == "Ana Torres"

    articles = demo.json("kb", "list")
    assert len(articles) == 3
    assert demo.json("kb", "show", str(articles[0]["id"]))["title"] == articles[0]["title"]
    hits = demo.json("kb", "search", "corporativa")
    assert [a["title"] for a in hits] == ["Conectarse a la Wi-Fi corporativa"]

    assets = demo.json("inventory", "list")
    assert {a["asset_tag"] for a in assets} == {"PC-0001", "MON-0001", "SRV-0001", "LAP-0001"}
    assert demo.json("inventory", "show", "fileserver")["asset_tag"] == "SRV-0001"

    current = demo.json("db", "current")
    assert current["up_to_date"] is True
    assert current["current"] == current["head"]

    overview = demo.json("overview")
    assert set(overview) == {"queue", "stats"}
    assert [t["priority"] for t in overview["queue"]][:3] == ["critical"] * 3
    assert overview["stats"] == stats


@pytest.mark.parametrize("backend", ["sqlite"])
def test_plain_output_on_a_pipe_has_no_escape_codes(demo: Cli) -> None:
    # Cli.run asserts on every call, on both databases, that no "\x1b[" reaches a pipe;
    # here the richest views with NO_COLOR unset and set (rendering is database-blind).
    assert "Monitor no funciona" in demo.ok("ticket", "list")
    assert "Description" in demo.ok("ticket", "show", "1", no_color=True)
    assert "Active queue" in demo.ok("overview", no_color=True)
    assert "Liberar espacio" in demo.ok("kb", "show", "1")
    assert "Laura Gómez" in demo.ok("user", "list", no_color=True)
    assert "fileserver" in demo.ok("inventory", "list")


def _read_all(fd: int, proc: subprocess.Popen[bytes]) -> bytes:
    out = b""
    deadline = time.monotonic() + 60
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([fd], [], [], left)[0]:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return out


def _on_terminal(env: dict[str, str], *args: str) -> tuple[int, str]:
    primary, secondary = pty.openpty()
    # A real terminal has a size: 50 rows of 160 columns, so tables are not folded.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    try:
        proc = subprocess.Popen(
            [str(ITSM), *args],
            stdin=subprocess.DEVNULL,
            stdout=secondary,
            stderr=subprocess.PIPE,
            env=env,
        )
        os.close(secondary)
        secondary = -1
        out = _read_all(primary, proc)
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
        assert err == b"", err
        return proc.returncode, out.decode("utf-8")
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)


def _colours(text: str) -> set[str]:
    """The SGR parameters that set a colour (foreground or background)."""
    found: set[str] = set()
    for params in SGR.findall(text):
        for p in params.split(";"):
            if p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107):
                found.add(p)
    return found


@pytest.mark.parametrize("backend", ["sqlite"])
def test_terminal_gets_colour_unless_no_color(fresh_db_url: str) -> None:
    cli = Cli(env=make_env(fresh_db_url))
    cli.ok("demo")
    env = {**cli.env, "TERM": "xterm-256color"}

    code, coloured = _on_terminal(env, "ticket", "list")
    assert code == 0
    assert "Monitor no funciona" in coloured
    assert _colours(coloured), coloured  # priorities and statuses are coloured

    code, plain = _on_terminal({**env, "NO_COLOR": "1"}, "ticket", "list")
    assert code == 0
    assert "Monitor no funciona" in plain
    assert not _colours(plain), plain  # bold/italic may stay; colour may not

    # no-color.org: an empty NO_COLOR does not count.
    code, empty = _on_terminal({**env, "NO_COLOR": ""}, "ticket", "list")
    assert code == 0
    assert _colours(empty), empty
