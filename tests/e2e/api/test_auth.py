"""Login, tokens, throttling and the error format, over real HTTP on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from itsm.accounts.models import ApiToken, TokenKind
from itsm.config import Settings
from tests.e2e.api.support import ok
from tests.e2e.cli import Cli, make_env
from tests.live_server import Api, live_api

PROBLEM = "application/problem+json"


def test_health_and_readiness(api: Api) -> None:
    with httpx.Client(base_url=api.base_url) as raw:
        assert raw.get("/healthz").json() == {"status": "ok"}
        ready = raw.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ready"


def test_login_issues_a_token_that_works_and_is_stored_hashed(api: Api) -> None:
    api.user("alice", role="technician", password="correct horse")
    anon = api.client()
    got = anon.post("/auth/login", json={"username": "Alice", "password": "correct horse"})
    assert got.status_code == 201, got.text
    body = got.json()
    secret = body["token"]
    assert secret.startswith("itsm_")
    assert body["kind"] == "personal"
    assert body["expires_at"] is not None  # api.token_days defaults to 90
    me = api.client(secret).get("/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "alice"
    with api.session() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert secret not in stored
    assert all(len(h) == 64 for h in stored)


def test_wrong_password_and_unknown_user_look_the_same(api: Api) -> None:
    api.user("bob", password="s3cret-pass")
    anon = api.client()
    wrong = anon.post("/auth/login", json={"username": "bob", "password": "nope-nope"})
    ghost = anon.post("/auth/login", json={"username": "ghost", "password": "nope-nope"})
    for got in (wrong, ghost):
        assert got.status_code == 401
        assert got.headers["content-type"] == PROBLEM
        assert got.json()["type"] == "urn:itsm:problem:bad-credentials"
        assert got.json()["detail"] == "wrong username or password"


def test_failed_logins_are_throttled_per_account(api: Api) -> None:
    api.user("carol", password="right-password")
    anon = api.client()
    limit = api.settings.api.login.per_account
    for _ in range(limit):
        got = anon.post("/auth/login", json={"username": "carol", "password": "wrong-one"})
        assert got.status_code == 401
    # Even the right password is refused while throttled: guessing gains nothing.
    blocked = anon.post("/auth/login", json={"username": "carol", "password": "right-password"})
    assert blocked.status_code == 429
    assert blocked.json()["type"] == "urn:itsm:problem:too-many-logins"
    assert int(blocked.headers["retry-after"]) >= 1


def test_failed_logins_are_throttled_per_address(api: Api) -> None:
    """One address's failures for one account spend ``per_address``; other accounts'
    failures from there spend only ``per_address_total`` (see test_login_throttle)."""
    api.user("dave", password="right-password")
    anon = api.client()
    login = api.settings.api.login
    for _ in range(min(login.per_account, login.per_address)):
        got = anon.post("/auth/login", json={"username": "dave", "password": "wrong-one"})
        assert got.status_code == 401
    blocked = anon.post("/auth/login", json={"username": "dave", "password": "right-password"})
    assert blocked.status_code == 429


def test_tokens_can_be_listed_and_revoked(api: Api) -> None:
    alice = api.user("alice", role="technician")
    secret = api.token(alice)
    client = api.client(secret)
    created = client.post("/tokens", json={"name": "laptop", "expires_in_days": 7})
    assert created.status_code == 201
    second = created.json()
    listed = client.get("/tokens").json()
    assert {t["name"] for t in listed} == {"test", "laptop"}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert client.delete(f"/tokens/{second['id']}").status_code == 200
    refused = api.client(second["token"]).get("/auth/me")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert refused.headers["www-authenticate"].startswith("Bearer")


def test_people_cannot_touch_other_peoples_tokens(api: Api) -> None:
    mallory = api.as_new("mallory")
    victim = api.user("victim", role="technician")
    api.token(victim)
    with api.session() as session:
        victim_token = session.scalars(
            select(ApiToken.id).where(ApiToken.user_id == victim.id)
        ).one()
    assert mallory.delete(f"/tokens/{victim_token}").status_code == 404
    assert mallory.get("/tokens", params={"user": "victim"}).status_code == 403
    assert mallory.post("/tokens", json={"name": "x", "user": "victim"}).status_code == 403
    assert mallory.post("/tokens", json={"name": "x", "kind": "agent"}).status_code == 403


def test_bad_requests_get_one_line_problems(api: Api) -> None:
    anon = api.client()
    broken = anon.post(
        "/auth/login", content=b'{"username": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["type"] == "urn:itsm:problem:malformed-json"
    missing = anon.post("/auth/login", json={"username": "x"})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "password", "message": "password is required"}]
    assert anon.get("/auth/me").status_code == 401
    assert anon.get("/auth/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert anon.get("/no/such/route").status_code == 404


def test_oversized_bodies_are_refused(api: Api) -> None:
    anon = api.client()
    huge = b"x" * (api.settings.api.max_body_bytes + 1)
    got = anon.post("/auth/login", content=huge, headers={"content-type": "application/json"})
    assert got.status_code == 413
    assert got.json()["type"] == "urn:itsm:problem:payload-too-large"


def test_oversized_chunked_bodies_are_refused_like_sized_ones(api: Api) -> None:
    limit = api.settings.api.max_body_bytes

    def chunks() -> Iterator[bytes]:  # no length: httpx sends it chunked
        sent = 0
        while sent <= limit:
            yield b"x" * 65536
            sent += 65536

    anon = api.client()
    got = anon.post("/auth/login", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in got.request.headers
    assert got.status_code == 413
    assert got.json()["type"] == "urn:itsm:problem:payload-too-large"
    # A chunked body under the limit is read as usual.
    small = anon.post(
        "/auth/login",
        content=iter([b'{"username": "x", ', b'"password": "y"}']),
        headers={"content-type": "application/json"},
    )
    assert small.status_code == 401


def test_expired_tokens_are_refused(api: Api) -> None:
    from datetime import timedelta

    from itsm.db.base import utcnow

    user = api.user("erin", role="technician")
    secret = api.token(user)
    with api.session() as session:
        token = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
        token.expires_at = utcnow() - timedelta(seconds=1)
    got = api.client(secret).get("/auth/me")
    assert got.status_code == 401
    assert "expired" in got.json()["detail"]


def test_deactivated_users_lose_access(api: Api) -> None:
    from itsm.users import service as users

    user = api.user("frank", role="technician")
    secret = api.token(user)
    with api.session() as session:
        users.deactivate(session, ref=user.id)
    assert api.client(secret).get("/auth/me").status_code == 401


def test_forwarded_addresses_are_read_from_the_trusted_end(
    fresh_db_url: str, tmp_path: Path
) -> None:
    """Behind a trusted proxy network, the client is the rightmost untrusted hop: the
    entries further left are the client's own words and cannot dodge the throttle."""
    settings = Settings(
        database_url=fresh_db_url,
        data_dir=tmp_path / "data",
        api={"trusted_proxies": ["127.0.0.0/8"], "login": {"per_address_total": 3}},
    )
    with live_api(settings) as api:
        anon = api.client()

        def login(forwarded: str, n: int) -> int:
            got = anon.post(
                "/auth/login",
                json={"username": f"nobody{n}", "password": "wrong-one"},
                headers={"X-Forwarded-For": forwarded},
            )
            return got.status_code

        # Each try forges another leftmost address; the proxy's own entry stays the same.
        assert [login(f"6.6.6.{n}, 198.51.100.7", n) for n in range(3)] == [401] * 3
        assert login("6.6.6.99, 198.51.100.7", 99) == 429
        assert login("6.6.6.99, 198.51.100.8, 127.0.0.5", 100) == 401  # another client


def test_an_end_users_token_lives_at_most_token_days(api: Api, admin: httpx.Client) -> None:
    days = api.settings.api.token_days
    assert days is not None
    user = api.as_new("ivy")
    for body in ({"name": "forever"}, {"name": "long", "expires_in_days": days + 100}):
        got = ok(user.post("/tokens", json=body), 201)
        lifetime = datetime.fromisoformat(got["expires_at"]) - datetime.now(UTC)
        assert timedelta(days=days - 1) < lifetime <= timedelta(days=days), body
    short = ok(user.post("/tokens", json={"name": "short", "expires_in_days": 2}), 201)
    assert datetime.fromisoformat(short["expires_at"]) - datetime.now(UTC) <= timedelta(days=2)
    # Admins still choose, "never" included.
    assert ok(admin.post("/tokens", json={"name": "forever"}), 201)["expires_at"] is None


def _tokens(api: Api, username: str, n: int) -> list[str]:
    return [api.token(username) for _ in range(n)]


def _works(api: Api, secret: str) -> bool:
    return api.client(secret).get("/auth/me").status_code == 200


def test_changing_a_password_revokes_the_other_personal_tokens(
    api: Api, admin: httpx.Client, fresh_db_url: str
) -> None:
    api.user("jo", password="first-password")
    used, *others = _tokens(api, "jo", 3)
    agent = api.token("jo", kind=TokenKind.AGENT)
    change = {"password": "second-password", "current_password": "first-password"}
    got = api.client(used).put("/users/jo/password", json=change)
    assert ok(got) == {"revoked_tokens": 2}
    assert _works(api, used)  # the one that made the change
    assert not any(_works(api, t) for t in others)
    assert _works(api, agent)  # agent tokens are no login's

    # An admin's reset revokes all of them.
    again = _tokens(api, "jo", 2)
    assert ok(admin.put("/users/jo/password", json={"password": "third-password"})) == {
        "revoked_tokens": 3
    }
    assert not any(_works(api, t) for t in [used, *again])

    # So does `itsm user passwd`, on the server.
    last = _tokens(api, "jo", 1)
    cli = Cli(env=make_env(fresh_db_url))
    out = cli.ok("user", "passwd", "jo", "--password-stdin", input="fourth-password\n")
    assert out == "Password of jo set; 1 personal token revoked.\n"
    assert not _works(api, last[0])


def test_token_owners_are_refused_by_role_before_any_lookup(api: Api) -> None:
    api.user("exists")
    user = api.as_new("kim")

    def answers(name: str) -> list[tuple[int, str]]:
        listed = user.get("/tokens", params={"user": name})
        created = user.post("/tokens", json={"name": "x", "user": name})
        return [(got.status_code, got.json()["detail"]) for got in (listed, created)]

    refused = answers("exists")
    assert [status for status, _ in refused] == [403, 403]
    for name in ("nosuchuser", "999999"):
        assert answers(name) == refused, name
    assert user.get("/tokens", params={"user": "kim"}).status_code == 200
