"""Login throttling under concurrency, the address budget, unlocking, and no write lock
held during Argon2: over real HTTP on both databases."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from itsm.accounts import passwords
from itsm.config import Settings
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.e2e.api.support import ok
from tests.e2e.cli import Cli
from tests.live_server import Api, live_api

WAIT = 30.0  # generous: only a broken build ever waits this long


def _login(api: Api, username: str, password: str) -> int:
    return (
        api.client()
        .post("/auth/login", json={"username": username, "password": password})
        .status_code
    )


def test_concurrent_wrong_passwords_spend_the_budget_exactly_once_each(api: Api) -> None:
    """Check and count are one step: N attempts at once get exactly ``per_account``
    401s, and 429s for the rest (before, every one of them was checked against the
    failures committed before any of them, and all got 401 on PostgreSQL)."""
    api.user("carol", password="right-password")
    budget = api.settings.api.login.per_account
    n = budget * 2
    clients = [api.client() for _ in range(n)]
    start = threading.Barrier(n)

    def attempt(client: httpx.Client) -> int:
        start.wait(timeout=WAIT)
        body = {"username": "carol", "password": "wrong-one"}
        return client.post("/auth/login", json=body).status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = Counter(pool.map(attempt, clients))
    assert statuses == {401: budget, 429: n - budget}


@pytest.fixture
def held_verify(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Hold every password verification until ``release`` is set; ``inside`` is set
    once a login is in one. The server runs in this process, so this is its Argon2."""
    inside, release = threading.Event(), threading.Event()
    real = passwords.verify

    def verify(stored: str | None, password: str) -> bool:
        inside.set()
        release.wait(timeout=WAIT)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify", verify)
    yield inside, release
    release.set()


def test_an_unrelated_write_does_not_wait_for_logins_being_verified(
    api: Api, held_verify: tuple[threading.Event, threading.Event]
) -> None:
    inside, release = held_verify
    api.user("dora", password="right-password")
    with ThreadPoolExecutor(max_workers=4) as pool:  # the logins and the write
        logins = [pool.submit(_login, api, "dora", "wrong-one") for _ in range(3)]
        assert inside.wait(timeout=WAIT), "no login reached the password check"

        def write() -> str:  # while a login is still inside verify
            with api.session() as session:
                data = UserCreate(username="eve", full_name="Eve")
                return users.create_user(session, data=data).username

        written = pool.submit(write)
        try:
            assert written.result(timeout=WAIT) == "eve"
            assert not any(f.done() for f in logins)  # they were all still verifying
        finally:
            release.set()
        assert sorted(f.result(timeout=WAIT) for f in logins) == [401, 401, 401]


def _live(fresh_db_url: str, tmp_path: Path, **login: Any) -> Any:
    settings = Settings(database_url=fresh_db_url, data_dir=tmp_path / "data", api={"login": login})
    return live_api(settings)


def test_other_accounts_failures_do_not_lock_out_an_address(api: Api) -> None:
    """The per-address budget counts one account's failures from one address; many names
    tried from an address spend only its higher total (``per_address_total``)."""
    login = api.settings.api.login
    assert login.per_address_total > login.per_address
    for n in range(login.per_address):
        assert _login(api, f"nobody{n}", "wrong-one") == 401
    api.user("dave", password="right-password")
    assert _login(api, "dave", "right-password") == 201


def test_an_address_that_tried_too_many_accounts_is_refused(
    fresh_db_url: str, tmp_path: Path
) -> None:
    with _live(fresh_db_url, tmp_path, per_address_total=4) as api:
        api.user("dave", password="right-password")
        assert [_login(api, f"nobody{n}", "wrong-one") for n in range(4)] == [401] * 4
        refused = api.client().post(
            "/auth/login", json={"username": "dave", "password": "right-password"}
        )
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1


def test_the_same_account_from_one_address_has_its_own_budget(
    fresh_db_url: str, tmp_path: Path
) -> None:
    with _live(fresh_db_url, tmp_path, per_account=50, per_address=3) as api:
        api.user("dave", password="right-password")
        assert [_login(api, "dave", "wrong-one") for _ in range(3)] == [401] * 3
        assert _login(api, "dave", "right-password") == 429
        assert _login(api, "erin", "wrong-one") == 401  # another account from there


def test_an_admin_unlocks_an_account_over_the_api(api: Api, admin: httpx.Client) -> None:
    api.user("fay", password="right-password")
    for _ in range(api.settings.api.login.per_account):
        assert _login(api, "fay", "wrong-one") == 401
    assert _login(api, "fay", "right-password") == 429
    someone = api.as_new("someone")
    refused = someone.post("/users/fay/unlock")
    assert refused.status_code == 403
    assert someone.post("/users/nosuchuser/unlock").status_code == 403
    assert admin.post("/users/nosuchuser/unlock").status_code == 404
    done = ok(admin.post("/users/fay/unlock"))
    assert (done["user"]["username"], done["forgotten_failures"]) == ("fay", 5)
    assert _login(api, "fay", "right-password") == 201


def test_itsm_user_unlock_clears_a_lockout(api: Api, fresh_db_url: str) -> None:
    from tests.e2e.cli import make_env

    cli = Cli(env=make_env(fresh_db_url))
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    api.user("gus", password="right-password")
    for _ in range(api.settings.api.login.per_account):
        assert _login(api, "gus", "wrong-one") == 401
    assert _login(api, "gus", "right-password") == 429
    assert cli.ok("user", "unlock", "gus") == "gus unlocked: 5 failed logins forgotten.\n"
    assert cli.json("user", "unlock", "gus") == {"user": "gus", "forgotten_failures": 0}
    refused = cli.run("--as", "gus", "user", "unlock", "gus")
    assert refused.returncode != 0
    assert "only admins may unlock accounts" in refused.stderr
    assert _login(api, "gus", "right-password") == 201
