"""User text cannot drive the technician's terminal: control characters are shown, not obeyed.

A title with OSC 0 (window title), SGR 8 (hidden text), OSC 52 (clipboard write) or a
C1 CSI reaches every command that prints it, on a pipe and on a real terminal (a pty).
"""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Mapping

from tests.e2e.cli import ITSM, TIMEOUT, Cli

HOSTILE = "Impresora \x1b]0;pwned\x07 \x1b[8moculto\x1b[0m \x1b]52;c;ZXZpbA==\x07 \x9b31m fin"
#: What each hostile sequence must look like once shown.
SHOWN = ("\\x1b]0;pwned\\x07", "\\x1b[8moculto", "\\x1b]52;c;ZXZpbA==", "\\x9b31m fin")
#: What must never reach the terminal raw. Rich's own styles use plain SGR codes, never
#: these: OSC sequences, "hidden" SGR 8, BEL, the 8-bit CSI.
RAW = ("\x1b]", "\x1b[8m", "\x07", "\x9b")
#: Wide enough that the ticket list's title column shows the escaped title on one line.
WIDE = "320"


def _on_a_terminal(args: tuple[str, ...], env: Mapping[str, str]) -> str:
    """``itsm ARGS`` with stdout on a pseudo-terminal, as a technician's shell runs it."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [str(ITSM), *args],
            env={**env, "COLUMNS": WIDE, "TERM": "xterm-256color"},
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=follower,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the command exited and closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    return b"".join(chunks).decode("utf-8")


def _judge(out: str) -> None:
    for raw in RAW:
        assert raw not in out, (raw, out)
    for shown in SHOWN:
        assert shown in out, (shown, out)


def test_hostile_text_is_shown_not_obeyed(cli: Cli) -> None:
    cli.ok("user", "add", "eve", HOSTILE, "--role", "user")
    ticket = cli.json("ticket", "create", HOSTILE, HOSTILE, "hardware", "high", "eve")
    ref = ticket["number"]
    cli.ok("ticket", "comment", ref, HOSTILE)
    cli.ok("kb", "add", HOSTILE, HOSTILE)
    cli.ok("inventory", "add", "PC-0001", "desktop", "--model", HOSTILE, "--owner", "eve")

    # --json escapes them already, and keeps the text exactly as given.
    assert cli.json("ticket", "show", ref)["title"] == HOSTILE

    reads = (
        ("ticket", "show", ref),
        ("ticket", "list"),
        ("user", "list"),
        ("user", "show", "eve"),
        ("kb", "show", "1"),
        ("kb", "list"),
        ("inventory", "show", "PC-0001"),
    )
    for args in reads:
        _judge(cli.ok(*args, env={"COLUMNS": WIDE}))
        _judge(_on_a_terminal(args, cli.env))


def test_error_lines_show_control_characters(cli: Cli) -> None:
    line = cli.fail(4, "user", "show", "x\x1b]0;pwned\x07")
    for raw in RAW[:3]:
        assert raw not in line
    assert "\\x1b]0;pwned\\x07" in line
