"""Run the real ``itsm`` console script in a subprocess and judge what it printed.

Every call goes through a pipe, so every call also checks convention 10: no
escape codes reach a pipe, a success writes nothing on stderr, and a failure
writes exactly one ``error:`` line and never a traceback (unless ``--debug``).
:meth:`Cli.invoke` runs the same entry point in this process instead, for large
matrices where the process itself is not what is tested.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

ITSM = Path(sys.executable).with_name("itsm")
TIMEOUT = 90.0
ESC = "\x1b["
PYCACHE = Path(tempfile.gettempdir()) / "itsm-e2e-pycache"

# Variables of the developer's shell that would change what the command prints.
_SCRUBBED = (
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "LINES",
    "ITSM_DATABASE_URL",
    "ITSM_USER",
    "ITSM_PROFILE",
    "ITSM_TIMEZONE",
    "ITSM_LOG_LEVEL",
    "ITSM_LOG_FILE",
)

Result = subprocess.CompletedProcess[str]


def make_env(database_url: str | None, **extra: str) -> dict[str, str]:
    """The test process's environment (temp home from conftest) aimed at one database."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    # No accidental "the OS login is a user" match: the fallback actor is the first admin.
    env["USER"] = env["LOGNAME"] = "itsm-e2e-runner"
    env["PYTHONIOENCODING"] = "utf-8"
    if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        # Hundreds of runs: cache bytecode, outside the source tree the setting protects.
        env.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    if database_url is not None:
        env["ITSM_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run(
    *args: str,
    env: Mapping[str, str],
    input: str | None = None,
    no_color: bool = False,
    timeout: float = TIMEOUT,
) -> Result:
    """``itsm ARGS`` with stdout and stderr captured through pipes."""
    full_env = dict(env)
    if no_color:
        full_env["NO_COLOR"] = "1"
    else:
        full_env.pop("NO_COLOR", None)
    return subprocess.run(
        [str(ITSM), *args],
        env=full_env,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def describe(result: Result) -> str:
    return (
        f"itsm {' '.join(result.args[1:])!s:.300} -> {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}\n--- stderr ---\n{result.stderr[-3000:]}"
    )


def check_plain(result: Result) -> None:
    """A pipe never gets escape codes, and nobody ever gets an unasked-for traceback."""
    assert ESC not in result.stdout, describe(result)
    assert ESC not in result.stderr, describe(result)
    if "--debug" not in result.args:
        assert "Traceback" not in result.stdout + result.stderr, describe(result)


@dataclass(frozen=True)
class Cli:
    """``itsm`` bound to one environment (one database); ``env`` adds variables per call."""

    env: dict[str, str]

    def run(
        self,
        *args: str,
        input: str | None = None,
        no_color: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> Result:
        result = run(*args, env={**self.env, **(env or {})}, input=input, no_color=no_color)
        check_plain(result)
        return result

    def invoke(
        self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> Result:
        """``itsm ARGS`` in this process: :func:`itsm.cli.main.main` (the console script's
        own function, with its error handling) inside Typer's ``CliRunner`` isolation
        (this environment, captured standard streams, ``input`` as stdin).

        Not for tests of the process itself (exit through ``os._exit``, signals,
        what it imports): those run :meth:`run`.
        """
        from itsm.cli.main import exit_status, main

        wanted = {**self.env, **(env or {})}
        changes: dict[str, str | None] = {k: v for k, v in wanted.items() if os.environ.get(k) != v}
        changes |= {k: None for k in os.environ if k not in wanted}
        logger = logging.getLogger("itsm")  # the command configures it; the server shares it
        saved = (logger.level, logger.propagate, list(logger.handlers))
        try:
            with CliRunner().isolation(input=input, env=changes) as (out, err, _):
                try:
                    main(list(args))
                except SystemExit as exc:
                    code = exit_status(exc.code)
                sys.stdout.flush()
                sys.stderr.flush()
                stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
        finally:
            for handler in logger.handlers:
                if handler not in saved[2]:
                    handler.close()
            logger.setLevel(saved[0])
            logger.propagate = saved[1]
            logger.handlers[:] = saved[2]
        result = Result([str(ITSM), *args], code, stdout, stderr)
        check_plain(result)
        return result

    def ok(
        self,
        *args: str,
        input: str | None = None,
        no_color: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Run, require success and a silent stderr; return stdout."""
        result = self.run(*args, input=input, no_color=no_color, env=env)
        assert result.returncode == 0, describe(result)
        assert result.stderr == "", describe(result)
        return result.stdout

    def json(
        self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> Any:
        """Run a ``--json`` command and parse its whole stdout as one JSON document."""
        if "--json" not in args:
            args = (*args, "--json")
        return json.loads(self.ok(*args, input=input, env=env))

    def fail(
        self,
        code: int,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Run, require exit ``code``, nothing on stdout and one ``error:`` line; return it."""
        result = self.run(*args, input=input, env=env)
        assert result.returncode == code, describe(result)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, describe(result)
        assert lines[0].startswith("error: "), describe(result)
        assert result.stdout == "", describe(result)
        return lines[0]
