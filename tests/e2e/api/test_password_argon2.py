"""Every way of setting a password runs Argon2 with no write transaction open: an
unrelated write goes through while a password change is held inside the hasher.
Over real HTTP and the real CLI, on both databases."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.e2e.cli import ITSM, Cli, make_env
from tests.live_server import Api

WAIT = 30.0  # generous: only a broken build ever waits this long
NEW = "brand-new-Passw0rd"


class Held:
    """Holds one of argon2's hasher methods, once armed, until released: the server
    runs in this process, so this is its Argon2."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
        self.inside, self.release, self.armed = threading.Event(), threading.Event(), False
        real = getattr(PasswordHasher, method)

        def held(hasher: PasswordHasher, *args: Any, **kwargs: Any) -> Any:
            if self.armed:
                self.inside.set()
                self.release.wait(timeout=WAIT)
            return real(hasher, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, method, held)


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Held]]:
    made: list[Held] = []

    def make(method: str) -> Held:
        made.append(Held(monkeypatch, method))
        return made[-1]

    yield make
    for held in made:
        held.release.set()


def _write_while(api: Api, held: Held, request: Callable[[], httpx.Response]) -> int:
    """Send ``request`` armed; once it is inside the hasher, an unrelated write must
    finish while it is still there. The request's status."""
    held.armed = True
    with ThreadPoolExecutor(max_workers=2) as pool:
        sent = pool.submit(request)
        assert held.inside.wait(timeout=WAIT), "the request never reached Argon2"

        def write() -> str:
            with api.session() as session:
                data = UserCreate(username="bystander", full_name="Bystander")
                return users.create_user(session, data=data).username

        try:
            assert pool.submit(write).result(timeout=WAIT) == "bystander"
            assert not sent.done()  # it was still hashing
        finally:
            held.release.set()
        return sent.result(timeout=WAIT).status_code


@pytest.mark.parametrize("method", ["verify", "hash"])
def test_changing_ones_own_password_holds_no_write_lock(
    api: Api, hold: Callable[[str], Held], method: str
) -> None:
    """Both Argon2 steps: checking the current password, hashing the new one."""
    api.user("ida", password="old-Passw0rd")
    client = api.client(api.token("ida"))
    held = hold(method)
    body = {"password": NEW, "current_password": "old-Passw0rd"}
    assert _write_while(api, held, lambda: client.put("/users/ida/password", json=body)) == 200
    login = api.client().post("/auth/login", json={"username": "ida", "password": NEW})
    assert login.status_code == 201


def test_a_wrong_current_password_still_counts_and_changes_nothing(
    api: Api, hold: Callable[[str], Held]
) -> None:
    api.user("jon", password="old-Passw0rd")
    client = api.client(api.token("jon"))
    held = hold("verify")
    body = {"password": NEW, "current_password": "not-it-at-all"}
    put = lambda: client.put("/users/jon/password", json=body)  # noqa: E731
    assert _write_while(api, held, put) == 403
    login = api.client().post("/auth/login", json={"username": "jon", "password": NEW})
    assert login.status_code == 401
    assert client.put("/users/jon/password", json=body).status_code == 403  # token kept


def test_an_admin_setting_a_password_holds_no_write_lock(
    api: Api, admin: httpx.Client, hold: Callable[[str], Held]
) -> None:
    api.user("kim")
    held = hold("hash")
    put = lambda: admin.put("/users/kim/password", json={"password": NEW})  # noqa: E731
    assert _write_while(api, held, put) == 200
    login = api.client().post("/auth/login", json={"username": "kim", "password": NEW})
    assert login.status_code == 201


# The CLI runs in a process of its own: this hook, loaded at its start, holds its
# Argon2 until the test creates the release file, and says when it is inside.
_HOOK = """
import os, time
from argon2 import PasswordHasher

_real = PasswordHasher.hash

def _held(self, *args, **kwargs):
    open(os.environ["HOLD_INSIDE"], "w").close()
    while not os.path.exists(os.environ["HOLD_RELEASE"]):
        time.sleep(0.01)
    return _real(self, *args, **kwargs)

PasswordHasher.hash = _held
"""


def _until(done: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_itsm_user_passwd_hashes_before_its_write_transaction(
    api: Api, fresh_db_url: str, tmp_path: Path
) -> None:
    cli = Cli(env=make_env(fresh_db_url))
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    api.user("lea")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_HOOK)
    inside, release = tmp_path / "inside", tmp_path / "release"
    env = make_env(
        fresh_db_url, PYTHONPATH=str(hook), HOLD_INSIDE=str(inside), HOLD_RELEASE=str(release)
    )
    secret = tmp_path / "password"
    secret.write_text(NEW + "\n")
    with (
        secret.open() as stdin,
        subprocess.Popen(
            [str(ITSM), "user", "passwd", "lea", "--password-stdin"],
            env=env,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as passwd,
    ):
        try:
            assert _until(inside.exists), "itsm user passwd never reached Argon2"
            with api.session() as session:  # would wait for a write lock held meanwhile
                users.create_user(session, data=UserCreate(username="bystander", full_name="B"))
            assert passwd.poll() is None  # it was still hashing
        finally:
            release.touch()
        out, err = passwd.communicate(timeout=WAIT)
    assert (passwd.returncode, err) == (0, "")
    assert out == "Password of lea set; 0 personal tokens revoked.\n"
    login = api.client().post("/auth/login", json={"username": "lea", "password": NEW})
    assert login.status_code == 201
