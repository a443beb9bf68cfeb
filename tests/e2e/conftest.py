"""Fixtures for the end-to-end CLI tests: ``itsm`` aimed at a fresh database."""

from __future__ import annotations

import pytest

from tests.e2e.cli import Cli, make_env


@pytest.fixture
def cli(fresh_db_url: str) -> Cli:
    """``itsm`` on a migrated, empty database of this test's own (SQLite and PostgreSQL)."""
    return Cli(env=make_env(fresh_db_url))


@pytest.fixture
def demo(cli: Cli) -> Cli:
    """As ``cli``, after ``itsm demo`` filled the database with the design note's data."""
    out = cli.ok("demo")
    assert out.startswith("Demo data loaded: 4 users, 5 tickets, 3 knowledge-base articles")
    return cli
