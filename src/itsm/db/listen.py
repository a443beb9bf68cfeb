"""Hear the domain events every process on a PostgreSQL database publishes (``LISTEN``).

One connection per server process, outside the pool (it stays in ``LISTEN`` for
the process's life): psycopg's asynchronous connection, because ``LISTEN`` has no
SQLAlchemy construct. A lost connection is opened again with a growing pause; the
events published meanwhile are lost, so ``on_gap`` is called once it is back and
the live views read everything again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import anyio
from sqlalchemy import Engine

from itsm.db.engine import PG_CONNECT_ARGS
from itsm.db.notify import CHANNEL
from itsm.events.domain import DomainEvent, decode

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

FIRST_PAUSE_S = 0.1
LAST_PAUSE_S = 5.0


def conninfo(engine: Engine) -> str:
    """A libpq URL for ``engine``'s database (psycopg does not take SQLAlchemy's driver name)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def connect(engine: Engine) -> psycopg.AsyncConnection[Any]:
    """The listener's own connection, with the pool's timeout and keepalives."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    params = make_conninfo(conninfo(engine), application_name="itsm-listen", **PG_CONNECT_ARGS)
    return await psycopg.AsyncConnection.connect(params, autocommit=True)


async def listen(
    engine: Engine,
    on_events: Callable[[Sequence[DomainEvent]], None],
    *,
    on_gap: Callable[[], None],
    listening: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Hand every notification's events to ``on_events`` until cancelled.

    ``listening`` is awaited each time the ``LISTEN`` is in place (tests wait on it).
    """
    import psycopg

    pause = FIRST_PAUSE_S
    connected_before = False
    while True:
        try:
            async with await connect(engine) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                pause = FIRST_PAUSE_S
                if connected_before:
                    on_gap()
                connected_before = True
                if listening is not None:
                    await listening()
                async for note in conn.notifies():
                    on_events(decode(note.payload))
        except psycopg.Error as exc:
            log.warning("event listener lost the database (again in %.1f s): %s", pause, exc)
            await anyio.sleep(pause)
            pause = min(pause * 2, LAST_PAUSE_S)
