"""What every command gets: settings, consoles, the acting user and the database.

Built once by the root callback and passed through Typer's context, so tests can
inject settings and consoles without touching globals. The database is opened
lazily: ``itsm --help`` and ``itsm db current`` never pay for what they don't use.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.orm import Session

    from itsm.config import Settings
    from itsm.db.runtime import Database
    from itsm.users.models import User


def make_console(*, stderr: bool = False) -> Console:
    from itsm.cli.output import SafeConsole

    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    width = None if terminal else int(os.environ.get("COLUMNS", "160"))
    return SafeConsole(
        file=stream,
        stderr=stderr,
        highlight=False,
        soft_wrap=False,
        width=width,
        no_color=bool(os.environ.get("NO_COLOR")) or None,  # no-color.org: empty means unset
    )


@dataclass
class AppContext:
    overrides: dict[str, Any] = field(default_factory=dict)
    debug: bool = False
    actor_ref: str | None = None
    _console: Console | None = None
    _err: Console | None = None
    _settings: Settings | None = None
    _db: Database | None = None

    @property
    def console(self) -> Console:
        """Standard output; built on first use so that ``--help`` never loads Rich."""
        if self._console is None:
            self._console = make_console()
        return self._console

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = make_console(stderr=True)
        return self._err

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from itsm.cli.timezone import show_times_in
            from itsm.config import load_settings
            from itsm.logs import configure_logging

            self._settings = load_settings(**self.overrides)
            configure_logging(self._settings)
            show_times_in(self._settings.zone)
        return self._settings

    @property
    def db(self) -> Database:
        if self._db is None:
            from itsm.db.runtime import open_database

            self._db = open_database(self.settings)
        return self._db

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        with self.db.session(write=write) as session:
            yield session

    def actor(self, session: Session) -> User | None:
        from itsm.users import service as users

        return users.resolve_actor(session, ref=self.actor_ref or self.settings.user)

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None
