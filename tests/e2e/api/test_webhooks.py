"""``/api/v1/webhooks`` over real HTTP on both databases: an admin registers one (the
secret once), reads, tests, disables, enables and deletes it; refused URLs are 422."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from itsm.config import Settings
from itsm.webhooks.config import WebhookSettings
from tests.live_server import Api, live_api
from tests.webhook_receiver import webhook_receiver


@pytest.fixture
def local_api(settings: Settings) -> Iterator[Api]:
    """The server, allowed to post to the test's own receiver on 127.0.0.1."""
    allowed = settings.model_copy(update={"webhooks": WebhookSettings(allow_private=True)})
    with live_api(allowed) as running:
        yield running


def test_an_admin_manages_a_webhook_through_the_api(local_api: Api) -> None:
    admin = local_api.as_new("root", role="admin")
    with webhook_receiver() as box:
        body = {"name": "chat", "url": box.url, "events": ["ticket.created"], "format": "slack"}
        made = admin.post("/webhooks", json=body)
        assert made.status_code == 201, made.text
        hook = made.json()
        secret = hook.pop("secret")
        assert len(secret) >= 40
        assert (hook["name"], hook["format"], hook["events"], hook["active"]) == (
            "chat",
            "slack",
            ["ticket.created"],
            True,
        )
        assert admin.post("/webhooks", json=body).status_code == 409
        listed = admin.get("/webhooks").json()
        assert [h["name"] for h in listed] == ["chat"]
        assert "secret" not in listed[0]
        assert admin.get("/webhooks/chat").json() == listed[0]

        tested = admin.post(f"/webhooks/{hook['id']}/test").json()
        assert tested == {
            "ok": True,
            "status": 204,
            "detail": "Delivered: the server answered HTTP 204.",
        }
        (ping,) = box.received
        assert ping.headers["x-itsm-event"] == "ping"
        assert ping.signed_by(secret)
        assert "text" in ping.json()  # the Slack format

    off = admin.post("/webhooks/chat/disable").json()
    assert (off["active"], off["disabled_reason"]) == (False, "disabled by an admin")
    on = admin.post("/webhooks/chat/enable").json()
    assert (on["active"], on["disabled_reason"]) == (True, None)
    assert admin.delete("/webhooks/chat").status_code == 204
    assert admin.get("/webhooks/chat").status_code == 404
    assert admin.get("/webhooks/99999999999").status_code == 404


REFUSED = [
    ("gopher://hooks.example.org/", "must start with https:// or http://"),
    ("http://127.0.0.1:8080/hook", "resolves to 127.0.0.1"),
    ("http://[::1]/hook", "resolves to ::1"),
    ("http://169.254.169.254/latest/meta-data/", "resolves to 169.254.169.254"),
    ("http://10.0.0.7/hook", "resolves to 10.0.0.7"),
    ("http://[::ffff:127.0.0.1]/hook", "a loopback, private or reserved address"),
    ("http://localhost/hook", "'localhost' resolves to"),
]


def test_private_and_non_http_urls_are_refused(admin: httpx.Client) -> None:
    for url, said in REFUSED:
        body = {"name": "x", "url": url, "events": ["ticket.created"]}
        answer = admin.post("/webhooks", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert said in answer.json()["detail"], (url, answer.text)
    assert admin.get("/webhooks").json() == []
