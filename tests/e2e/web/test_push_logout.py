"""Web push on a shared computer, over real HTTP on both databases: a browser switched
on in a web login is forgotten when that login ends (logout, a new password), so the
next person on it is not sent the previous one's notifications; browsers subscribed
through the API (no login) and other logins' browsers stay."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from itsm.accounts import password_change
from itsm.config import Settings
from itsm.notify import vapid
from itsm.notify.config import PushSettings
from itsm.notify.models import PushSubscription
from itsm.users.models import User
from tests.e2e.web.support import Browser
from tests.live_server import Api, live_api
from tests.push_service import Browser as Subscriber

PASSWORD = "correct horse battery"


@pytest.fixture
def push_api(settings: Settings, tmp_path: Path) -> Iterator[Api]:
    path = tmp_path / "vapid.pem"
    vapid.write(vapid.generate(), path)
    push = PushSettings(vapid_private_key_file=path, vapid_subject="mailto:admin@example.org")
    with live_api(settings.model_copy(update={"push": push})) as running:
        yield running


def _owners(api: Api) -> dict[str, str]:
    """Each stored browser's endpoint path and the username it notifies."""
    with api.session() as session:
        rows = session.execute(
            select(PushSubscription.endpoint, User.username).join(
                User, User.id == PushSubscription.user_id
            )
        ).all()
        return {Subscriber(endpoint=endpoint).path: name for endpoint, name in rows}


def _switch_on(browser: Browser, subscriber: Subscriber) -> None:
    token = browser.csrf("/me/notifications")
    got = browser.client.post(
        "/me/push-subscriptions",
        json=subscriber.subscription(),
        headers={"X-CSRF-Token": token},
    )
    assert got.status_code == 204, got.text


def test_logging_out_forgets_the_browser_switched_on_in_that_login(push_api: Api) -> None:
    api = push_api
    api.user("ana", password=PASSWORD)
    api.user("bob", password=PASSWORD)
    shared = Subscriber(endpoint="https://fcm.googleapis.com/fcm/send/shared")
    own = Subscriber(endpoint="https://fcm.googleapis.com/fcm/send/ana-own")
    phone = Subscriber(endpoint="https://fcm.googleapis.com/fcm/send/ana-phone")

    kiosk = Browser(api)
    assert kiosk.login("ana", PASSWORD).status_code == 303
    _switch_on(kiosk, shared)
    desk = Browser(api)  # Ana's own computer, another login
    assert desk.login("ana", PASSWORD).status_code == 303
    _switch_on(desk, own)
    through_api = api.client(api.token("ana"))
    assert through_api.post("/me/push-subscriptions", json=phone.subscription()).status_code == 201
    assert _owners(api) == {"/fcm/send/shared": "ana", "/fcm/send/ana-own": "ana",
                            "/fcm/send/ana-phone": "ana"}  # fmt: skip

    out = kiosk.post("/logout", {"csrf_token": kiosk.csrf()})
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert _owners(api) == {"/fcm/send/ana-own": "ana", "/fcm/send/ana-phone": "ana"}

    # Bob on the shared computer switches it on for himself: his, tied to his login.
    assert kiosk.login("bob", PASSWORD).status_code == 303
    _switch_on(kiosk, shared)
    assert _owners(api)["/fcm/send/shared"] == "bob"
    kiosk.post("/logout", {"csrf_token": kiosk.csrf()})
    assert "/fcm/send/shared" not in _owners(api)

    # A new password ends every login of Ana's: their browsers go, the API's stays.
    with api.session() as session:
        password_change.set_password(
            session, ref="ana", password=password_change.new_password(PASSWORD + "!")
        )
    assert _owners(api) == {"/fcm/send/ana-phone": "ana"}
