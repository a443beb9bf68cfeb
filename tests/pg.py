"""The real PostgreSQL server for tests: reachability, throw-away databases."""

from __future__ import annotations

import os
import queue
import threading
import uuid
from typing import Any

import psycopg
import pytest

ADMIN_DSN = os.environ.get("ITSM_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def url_for(dbname: str) -> str:
    base = ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{dbname}"


def reachable() -> str | None:
    """``None`` when the server answers, else the reason it does not."""
    try:
        with psycopg.connect(ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_postgres() -> None:
    """Fail in CI (PostgreSQL is part of the job), skip visibly elsewhere."""
    reason = reachable()
    if reason is None:
        return
    message = f"PostgreSQL at {ADMIN_DSN} is not reachable: {reason}"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def admin() -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit connection to the server's maintenance database."""
    return psycopg.connect(ADMIN_DSN, autocommit=True)


def create_database(prefix: str, template: str | None = None) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        tpl = f" TEMPLATE {template}" if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{tpl}')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Dropper:
    """Drops databases in a thread, so that a test's teardown does not wait for it.

    PostgreSQL 15's ``DROP DATABASE`` waits for a checkpoint; the next test need
    not. At most ``backlog`` databases wait; :meth:`close` drops them all and
    raises if any drop failed.
    """

    def __init__(self, backlog: int = 8) -> None:
        self._doomed: queue.Queue[str | None] = queue.Queue(maxsize=backlog)
        self._failures: list[str] = []
        self._thread = threading.Thread(target=self._work, name="pg-dropper", daemon=True)
        self._thread.start()

    def drop(self, name: str) -> None:
        self._doomed.put(name)

    def close(self) -> None:
        self._doomed.put(None)
        self._thread.join()
        if self._failures:
            raise RuntimeError("could not drop: " + "; ".join(self._failures))

    def _work(self) -> None:
        while (name := self._doomed.get()) is not None:
            try:
                drop_database(name)
            except psycopg.Error as exc:
                self._failures.append(f"{name}: {exc}")
