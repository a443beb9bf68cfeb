"""Web push over real HTTP, on both databases: the desk's key, each person's browsers,
and the subscriptions that are refused (one line, 422, nothing stored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from itsm.config import Settings
from itsm.notify import vapid
from itsm.notify.config import PushSettings
from tests.live_server import Api, live_api
from tests.push_service import Browser, b64url


@pytest.fixture
def push_api(settings: Settings, tmp_path: Path) -> Iterator[Api]:
    path = tmp_path / "vapid.pem"
    vapid.write(vapid.generate(), path)
    push = PushSettings(vapid_private_key_file=path, vapid_subject="mailto:admin@example.org")
    with live_api(settings.model_copy(update={"push": push})) as running:
        yield running


def test_without_vapid_the_desk_says_push_is_off(api: Api) -> None:
    ana = api.client(api.token(api.user("ana")))
    got = ana.get("/push/key")
    assert got.status_code == 200, got.text
    assert got.json() == {"enabled": False, "public_key": None}


def test_people_subscribe_list_and_unsubscribe_their_own_browsers(push_api: Api) -> None:
    api = push_api
    path = api.settings.push.vapid_private_key_file
    assert path is not None
    ana = api.client(api.token(api.user("ana")))
    bob = api.client(api.token(api.user("bob")))
    key = ana.get("/push/key").json()
    assert key == {"enabled": True, "public_key": vapid.public_key(vapid.load(path))}
    laptop = Browser(endpoint="https://fcm.googleapis.com/fcm/send/ana-laptop")
    made = ana.post(
        "/me/push-subscriptions",
        json=laptop.subscription(),
        headers={"User-Agent": "Mozilla/5.0   Firefox/140"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["endpoint"] == laptop.endpoint
    assert made.json()["user_agent"] == "Mozilla/5.0 Firefox/140"
    assert made.json()["last_success_at"] is None
    assert [s["endpoint"] for s in ana.get("/me/push-subscriptions").json()] == [laptop.endpoint]
    assert bob.get("/me/push-subscriptions").json() == []
    # Bob cannot remove Ana's browser, and is not told it exists.
    assert (
        bob.delete("/me/push-subscriptions", params={"endpoint": laptop.endpoint}).status_code
        == 204
    )
    assert len(ana.get("/me/push-subscriptions").json()) == 1
    # The same browser subscribed again, by Bob now (a shared computer): it is his.
    again = bob.post("/me/push-subscriptions", json=laptop.subscription())
    assert again.status_code == 201, again.text
    assert ana.get("/me/push-subscriptions").json() == []
    assert [s["endpoint"] for s in bob.get("/me/push-subscriptions").json()] == [laptop.endpoint]
    gone = bob.delete("/me/push-subscriptions", params={"endpoint": laptop.endpoint})
    assert gone.status_code == 204
    assert bob.get("/me/push-subscriptions").json() == []
    # An endpoint no browser can have (NUL, which PostgreSQL refuses) is simply not there.
    nul = bob.delete("/me/push-subscriptions", params={"endpoint": "https://x.example/\x00"})
    assert nul.status_code == 204, nul.text


def _with(browser: Browser, **change: object) -> dict[str, object]:
    body = browser.subscription()
    keys = dict(body["keys"])
    for name in ("p256dh", "auth"):
        if name in change:
            keys[name] = change.pop(name)
    return {**body, "keys": keys, **change}


def test_a_subscription_that_cannot_work_is_refused_in_one_line(api: Api) -> None:
    ana = api.client(api.token(api.user("ana")))
    browser = Browser(endpoint="https://push.example.org/send/1")
    not_a_point = b64url(b"\x04" + b"\x01" * 64)
    wrong = {
        "http://push.example.org/send/1": _with(browser, endpoint="http://push.example.org/x"),
        "http://127.0.0.1": _with(browser, endpoint="http://127.0.0.1:9/x"),  # no allow setting
        "ftp": _with(browser, endpoint="ftp://push.example.org/x"),
        "no host": _with(browser, endpoint="https:///x"),
        "short key": _with(browser, p256dh=b64url(b"\x04" * 33)),
        "off the curve": _with(browser, p256dh=not_a_point),
        "not base64": _with(browser, p256dh="not base64!"),
        "long auth": _with(browser, auth=b64url(b"a" * 32)),
        "too long": _with(browser, endpoint="https://push.example.org/" + "a" * 2100),
    }
    for name, body in wrong.items():
        got = ana.post("/me/push-subscriptions", json=body)
        assert got.status_code == 422, (name, got.text)
        detail = got.json()["detail"]
        assert "\n" not in detail, name
        assert "Traceback" not in detail
    assert "https://" in ana.post("/me/push-subscriptions", json=wrong["ftp"]).json()["detail"]
    assert (
        "keys.p256dh"
        in ana.post("/me/push-subscriptions", json=wrong["short key"]).json()["detail"]
    )
    assert ana.get("/me/push-subscriptions").json() == []
