"""The real API server on a loopback port, in a thread of the test process.

Requests go over real HTTP (uvicorn, h11/httptools); only the process is shared,
so tests can seed data through the services on the same database.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import uvicorn
from sqlalchemy.orm import Session

from itsm.accounts import password_change
from itsm.accounts import service as accounts
from itsm.accounts.models import TokenKind, TokenScope
from itsm.accounts.schemas import TokenCreate
from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.server.app import create_app
from itsm.users import service as users
from itsm.users.models import User
from itsm.users.schemas import UserCreate


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread may not install them
        pass


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` until the block ends; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # As `itsm serve` runs it: forwarded headers are judged by the app (api.trusted_proxies).
    config = uvicorn.Config(
        create_app(settings), log_level="warning", lifespan="on", proxy_headers=False
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@dataclass
class Api:
    """A running server, a client for it, and a way to seed users and tokens."""

    base_url: str
    settings: Settings
    db: Database
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.base_url + "/api/v1", headers=headers, timeout=30)
        self.clients.append(client)
        return client

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.db.session() as session:
            yield session

    def user(self, username: str, *, role: str = "user", password: str | None = None) -> User:
        with self.session() as session:
            data = UserCreate(username=username, full_name=username.title(), role=role)
            user = users.create_user(session, data=data)
            if password is not None:
                password_change.set_password(
                    session, ref=user.id, password=password_change.new_password(password)
                )
            return user

    def token(self, user: User | str, *, kind: TokenKind = TokenKind.PERSONAL) -> str:
        with self.session() as session:
            owner = users.get_user(session, ref=user.id if isinstance(user, User) else user)
            _, secret = accounts.create_token(
                session,
                owner=owner,
                # An agent token bound to no host names its scopes: here, both.
                data=TokenCreate(name="test", kind=kind, scopes=scopes_for(kind)),
            )
            return secret

    def as_new(self, username: str, *, role: str = "user") -> httpx.Client:
        """A client authenticated as a new user of ``role``."""
        return self.client(self.token(self.user(username, role=role)))

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.db.dispose()


def scopes_for(kind: TokenKind) -> list[TokenScope] | None:
    """Every scope for an agent token (what it could send before scopes), none for a person's."""
    return list(TokenScope) if kind is TokenKind.AGENT else None


@contextmanager
def live_api(settings: Settings) -> Iterator[Api]:
    with running(settings) as base_url:
        api = Api(base_url=base_url, settings=settings, db=open_database(settings))
        try:
            yield api
        finally:
            api.close()
