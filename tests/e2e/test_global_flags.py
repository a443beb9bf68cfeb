"""The global --config and --profile flags reach the command, and every `itsm serve` worker."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import psutil

from itsm.cli.serve import worker_environment
from tests.e2e.cli import ITSM, TIMEOUT, Cli, make_env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    port, log = _free_port(), tmp_path / "serve.log"
    args = ["--config", str(config), "--profile", "production", "serve"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
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
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=TIMEOUT)
    _, alive = psutil.wait_procs(workers, timeout=TIMEOUT)  # uvicorn stops its workers
    assert not alive
    assert "2 workers" in log.read_text(errors="replace")


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
