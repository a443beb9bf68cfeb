"""``pip install itsm`` without extras: the CLI works on SQLite, and a command that
needs an extra says which one to install.

The core install is reproduced without the network: an interpreter without
site-packages (``python -S``) whose path holds itsm and exactly the distributions
its core requirements pull in (the same installed files, linked).
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import itsm
from tests.e2e.cli import make_env

MISSING_EXTRA = 12


def core_closure() -> set[str]:
    """Names of the distributions ``pip install itsm`` installs (no extras)."""
    seen: set[str] = set()
    todo = ["itsm"]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for spec in metadata.requires(name) or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen - {"itsm"}


@pytest.fixture(scope="module")
def core_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A directory of links to the core distributions' files, then itsm's source."""
    target = tmp_path_factory.mktemp("core-site")
    for name in core_closure():
        dist = metadata.distribution(name)
        for file in dist.files or []:
            top = file.parts[0]
            if top in {"..", "__pycache__"} or top.endswith(".pth"):
                continue  # scripts outside site-packages; no start-up hooks
            link = target / top
            if not link.exists():
                link.symlink_to(Path(str(dist.locate_file(top))))
    return f"{target}:{Path(itsm.__file__).parent.parent}"


def run_core(core_path: str, *args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = make_env(database_url, PYTHONPATH=core_path)
    return subprocess.run(
        [sys.executable, "-S", "-m", "itsm", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=90,
        check=False,
    )


def test_the_core_has_no_server_and_no_postgresql_driver() -> None:
    closure = core_closure()
    assert {"sqlalchemy", "typer", "argon2-cffi"} <= closure
    # The agent sends its reports with the standard library: no HTTP client library.
    assert not {"fastapi", "uvicorn", "prometheus-client", "psycopg", "httpx"} & closure


def test_the_core_runs_the_quick_start_on_sqlite(core_path: str, tmp_path: Path) -> None:
    """What ``make run`` does, on a core install."""
    url = f"sqlite:///{tmp_path / 'core.db'}"
    upgraded = run_core(core_path, "db", "upgrade", database_url=url)
    assert upgraded.returncode == 0, upgraded.stderr
    for command in (("demo", "--if-empty"), ("overview",), ("ticket", "list")):
        done = run_core(core_path, *command, database_url=url)
        assert done.returncode == 0, done.stderr
        assert done.stderr == "", command


def test_serve_without_the_server_extra_names_it(core_path: str, tmp_path: Path) -> None:
    result = run_core(core_path, "serve", database_url=f"sqlite:///{tmp_path / 'core.db'}")
    assert result.returncode == MISSING_EXTRA
    assert result.stderr == (
        "error: itsm serve needs the server extra: pip install 'itsm[server]'\n"
    )
    assert result.stdout == ""


def test_a_postgresql_url_without_the_driver_names_the_extra(core_path: str) -> None:
    result = run_core(
        core_path, "ticket", "list", database_url="postgresql://itsm@127.0.0.1:5432/itsm"
    )
    assert result.returncode == MISSING_EXTRA
    assert result.stderr == (
        "error: a postgresql:// database URL needs the postgresql extra: "
        "pip install 'itsm[postgresql]'\n"
    )
