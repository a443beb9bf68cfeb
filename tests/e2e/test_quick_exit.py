"""The console script leaves with ``os._exit`` after the command (``itsm.cli.main.leave``).

What must survive the skipped interpreter teardown: every byte of the output, the
exit status, the log file, and the database (the next command sees the change).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from itsm.cli.main import exit_status
from tests.e2e.cli import TIMEOUT, Cli


def test_a_long_output_arrives_whole_and_the_change_is_there_for_the_next_command(
    cli: Cli, tmp_path: Path
) -> None:
    rows = "\n".join(
        json.dumps(
            {
                "title": f"Printer {n} jams",
                "description": "x" * 300,
                "requester": "ana",
                "category": "hardware",
                "priority": "low",
            }
        )
        for n in range(400)
    )
    source = tmp_path / "tickets.jsonl"
    source.write_text(rows + "\n", encoding="utf-8")
    cli.ok("user", "add", "ana", "Ana")
    cli.ok("ticket", "import", str(source))
    exported = cli.ok("ticket", "export", "--format", "jsonl")  # ~150 KB through a pipe
    assert len(exported) > 100_000
    titles = sorted(json.loads(line)["title"] for line in exported.splitlines())
    assert len(titles) == 400
    assert titles[0].startswith("Printer 0 jams")


def test_python_dash_m_exits_the_same_way_with_the_command_s_status(cli: Cli) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "itsm", "ticket", "show", "424242"],
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("error: ticket '424242' does not exist")


def test_the_log_file_and_the_spool_are_written(cli: Cli, tmp_path: Path) -> None:
    log, spool = tmp_path / "itsm.log", tmp_path / "spool"
    done = cli.run(
        "diag",
        "run",
        "--server",
        "http://127.0.0.1:9",  # the discard port: nothing listens
        "--token",
        "itsm_agent_token",
        "--spool-dir",
        str(spool),
        env={"ITSM_LOG_FILE": str(log)},
    )
    assert done.returncode in (0, 1, 2, 3), done.stderr
    assert "kept in the spool" in log.read_text(encoding="utf-8")
    assert len(list(spool.glob("*.json"))) == 1


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (4, 4), (256 + 3, 3), ("boom", 1)])
def test_exit_status_reads_system_exit_as_the_interpreter_does(code: object, status: int) -> None:
    assert exit_status(code) == status


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [("ticket", "list"), ("ticket", "export"), ("user", "list")])
def test_a_full_disk_is_one_plain_error_line(cli: Cli, args: tuple[str, ...]) -> None:
    cli.ok("user", "add", "ana", "Ana")
    with Path("/dev/full").open("w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "itsm", *args],
            env=cli.env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr == "error: cannot write the output: No space left on device\n"
