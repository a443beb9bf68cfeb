"""The global --config and --profile flags reach the command, and every `itsm serve` worker."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil

from itsm.cli.serve import worker_environment
from tests.e2e.cli import ITSM, TIMEOUT, Cli, make_env
from tests.waiting import wait_until


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _two_workers(flags: list[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """``itsm FLAGS serve --workers 2`` until the block ends; yields its URL once ready."""
    port = _free_port()
    args = [*flags, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(ITSM), *args], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        ready = None
        while ready is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
                time.sleep(0.1)
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"
        workers = psutil.Process(proc.pid).children()
        assert len(workers) >= 2, log.read_text(errors="replace")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=TIMEOUT)
    _, alive = psutil.wait_procs(workers, timeout=TIMEOUT)  # uvicorn stops its workers
    assert not alive
    assert "2 workers" in log.read_text(errors="replace")


def test_config_and_profile_flags_reach_every_worker(fresh_db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "itsm.toml"
    # Without the profile, a worker would open an unmigrated database and fail to start.
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "base.db"}"\n'
        f'[profiles.production]\ndatabase_url = "{fresh_db_url}"\n',
        encoding="utf-8",
    )
    env = make_env(None)
    env.pop("ITSM_CONFIG", None)
    flags = ["--config", str(config), "--profile", "production"]
    with _two_workers(flags, env, tmp_path / "serve.log"):
        pass


def test_every_worker_logs_its_requests_as_configured(fresh_db_url: str, tmp_path: Path) -> None:
    """A worker is a new interpreter: it sets up the log as the settings say, too."""
    log_file = tmp_path / "itsm.log"
    env = make_env(
        fresh_db_url, ITSM_LOG_LEVEL="INFO", ITSM_LOG_FORMAT="json", ITSM_LOG_FILE=str(log_file)
    )

    def served() -> list[dict[str, Any]]:
        lines = [json.loads(x) for x in log_file.read_text(encoding="utf-8").splitlines()]
        return [x for x in lines if x["message"] == "http.request" and x["path"] == "/healthz"]

    with _two_workers([], env, tmp_path / "serve.log") as url:
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        wait_until("a worker logged the request", lambda: log_file.exists() and served() != [])
    (line,) = served()
    assert (line["logger"], line["level"], line["method"], line["status"]) == (
        "itsm.api.http",
        "INFO",
        "GET",
        200,
    )


def test_worker_environment_carries_only_the_flags_given() -> None:
    base = {"PATH": "/bin", "ITSM_PROFILE": "test"}
    assert worker_environment(base, {"profile": None, "config_file": None}) == base
    given = worker_environment(base, {"profile": "production", "config_file": Path("/c.toml")})
    assert given == {"PATH": "/bin", "ITSM_PROFILE": "production", "ITSM_CONFIG": "/c.toml"}
    assert base["ITSM_PROFILE"] == "test"


def test_config_and_profile_flags_choose_the_file_and_its_table(
    fresh_db_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "itsm.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "base.db"}"\n'
        f'[profiles.test]\ndatabase_url = "{fresh_db_url}"\n'
        "[profiles.test.diagnostics.disk]\ncritical = 99.0\n",
        encoding="utf-8",
    )
    env = make_env(None)
    env.pop("ITSM_CONFIG", None)
    cli = Cli(env=env)
    cli.ok("--config", str(config), "--profile", "test", "user", "add", "ana", "Ana")
    listed = cli.json("--config", str(config), "--profile", "test", "user", "list")
    assert [u["username"] for u in listed] == ["ana"]
    # Without --profile, the top level's database: another (new) file, empty.
    assert cli.json("--config", str(config), "user", "list") == []
    missing = tmp_path / "missing.toml"
    line = cli.fail(7, "--config", str(missing), "user", "list")
    assert line == f"error: config file {missing} (from --config or ITSM_CONFIG) does not exist"
