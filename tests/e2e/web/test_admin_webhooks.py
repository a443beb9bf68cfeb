"""The admin page for webhooks, over real HTTP on both databases: only admins reach it;
a refused address keeps the form; the secret is shown once; disabling shows the
reason; enabling and deleting (after asking) work; names are escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from itsm.config import Settings
from itsm.notify import fanout
from itsm.notify.models import OutboxChannel, OutboxMessage, OutboxState
from itsm.webhooks.config import WebhookSettings
from itsm.webhooks.models import Webhook
from tests.e2e.web.support import Browser
from tests.live_server import Api, live_api
from tests.webhook_receiver import webhook_receiver

PASSWORD = "correct horse battery"
HOSTILE = '<script>alert(1)</script>"onmouseover=x'
HOOKED = OutboxMessage.channel == OutboxChannel.WEBHOOK
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;onmouseover=x"


def test_an_admin_manages_webhooks_on_their_page(api: Api) -> None:
    api.user("root", role="admin", password=PASSWORD)
    api.user("tina", role="technician", password=PASSWORD)
    tech = Browser(api, language="en")
    tech.login("tina", PASSWORD)
    assert tech.get("/admin/webhooks").status_code == 404
    assert tech.post("/admin/webhooks/1/disable", {"csrf_token": tech.csrf()}).status_code == 404

    browser = Browser(api, language="en")
    assert browser.login("root", PASSWORD).status_code == 303
    token = browser.csrf("/admin/webhooks")
    assert "No webhook yet." in browser.get("/admin/webhooks").text

    form = {"csrf_token": token, "name": HOSTILE, "format": "slack"}
    with webhook_receiver() as box:
        refused = browser.client.post(
            "/admin/webhooks",
            data={**form, "url": box.url, "event": ["ticket.created", "ticket.commented"]},
        )
        assert refused.status_code == 422
        assert "resolves to 127.0.0.1, a loopback, private or reserved address" in refused.text
        assert f'value="{box.url}"' in refused.text  # the form keeps what was typed
        assert refused.text.count("checked") == 2
        with api.session() as session:
            assert session.query(Webhook).count() == 0

        no_csrf = browser.client.post("/admin/webhooks", data={"name": "x", "url": box.url})
        assert no_csrf.status_code == 403

    # A public address literal: registered without the network (nothing is sent to it).
    public = "https://93.184.215.14/hooks/itsm"
    made = browser.client.post(
        "/admin/webhooks", data={**form, "url": public, "event": ["ticket.created"]}
    )
    assert made.status_code == 200, made.text
    secret = re.search(r'id="new-secret"[^>]*>([^<]+)</output>', made.text)
    assert secret is not None
    assert len(secret.group(1)) >= 40
    assert ESCAPED in made.text
    listed = browser.get("/admin/webhooks").text
    assert secret.group(1) not in listed
    assert ESCAPED in listed
    assert HOSTILE not in listed
    assert "Chat (Slack, Mattermost, Rocket.Chat)" in listed
    assert "A ticket is opened" in listed
    hook_id = re.findall(r'action="/admin/webhooks/(\d+)/disable"', listed)[0]

    off = browser.post(f"/admin/webhooks/{hook_id}/disable", {"csrf_token": token})
    assert off.headers["location"] == "/admin/webhooks?done=disabled"
    with api.session() as session:  # as the worker would after ten failures
        hook = session.get(Webhook, int(hook_id))
        assert hook is not None
        hook.disabled_reason = "10 failed deliveries in a row; last: HTTP 500 from <x>"
    page = browser.get("/admin/webhooks?done=disabled").text
    assert "Webhook disabled." in page
    assert "10 failed deliveries in a row; last: HTTP 500 from &lt;x&gt;" in page
    on = browser.post(f"/admin/webhooks/{hook_id}/enable", {"csrf_token": token})
    assert on.headers["location"] == "/admin/webhooks?done=enabled"
    assert "10 failed deliveries" not in browser.get("/admin/webhooks").text

    confirm = browser.get(f"/admin/webhooks/{hook_id}/delete")
    assert "Are you sure?" in confirm.text
    assert public in confirm.text
    gone = browser.post(f"/admin/webhooks/{hook_id}/delete", {"csrf_token": token})
    assert gone.headers["location"] == "/admin/webhooks?done=deleted"
    assert "No webhook yet." in browser.get("/admin/webhooks").text
    assert browser.get(f"/admin/webhooks/{hook_id}/delete").status_code == 404

    spanish = Browser(api, language="es")
    spanish.login("root", PASSWORD)
    assert "Webhooks registrados" in spanish.get("/admin/webhooks").text
    refused_es = spanish.client.post(
        "/admin/webhooks",
        data={
            "csrf_token": spanish.csrf("/admin/webhooks"),
            "name": "local",
            "url": "http://10.0.0.5/hook",
            "event": ["ticket.created"],
        },
    )
    assert refused_es.status_code == 422
    assert "se resuelve en 10.0.0.5, una dirección local, privada o reservada" in refused_es.text


@pytest.fixture
def local_api(settings: Settings) -> Iterator[Api]:
    """The server, allowed to post to the test's own receiver on 127.0.0.1."""
    allowed = settings.model_copy(update={"webhooks": WebhookSettings(allow_private=True)})
    with live_api(allowed) as running:
        yield running


def test_the_page_tests_a_webhook_and_requeues_what_its_disabling_gave_up(
    local_api: Api,
) -> None:
    api = local_api
    root = api.user("root", role="admin", password=PASSWORD)
    browser = Browser(api, language="en")
    browser.login("root", PASSWORD)
    token = browser.csrf("/admin/webhooks")
    with webhook_receiver() as box:
        form = {"csrf_token": token, "name": "chat", "url": box.url, "event": "ticket.created"}
        assert browser.post("/admin/webhooks", form).status_code == 200
        with api.session() as session:
            hook_id = session.query(Webhook).one().id

        tested = browser.post(f"/admin/webhooks/{hook_id}/test", {"csrf_token": token})
        assert "Test of chat: Delivered: the server answered HTTP 204." in tested.text
        box.answers = [(500, {})]
        tested = browser.post(f"/admin/webhooks/{hook_id}/test", {"csrf_token": token})
        assert "Test of chat: Not delivered: HTTP 500 from 127.0.0.1: answer 500" in tested.text
        spanish = Browser(api, language="es")
        spanish.login("root", PASSWORD)
        es_token = spanish.csrf("/admin/webhooks")
        tested = spanish.post(f"/admin/webhooks/{hook_id}/test", {"csrf_token": es_token})
        assert "Prueba de chat: Entregado: el servidor respondió HTTP 204." in tested.text
        assert [r.headers["x-itsm-event"] for r in box.received] == ["ping"] * 3

    # A message waiting when the webhook is disabled is given up, shown, and requeued
    # only when the admin asks (enabling sends none of it).
    ticket = {"title": "No network", "description": "Down", "category": "network"}
    made = api.client(api.token(root)).post("/tickets", json={**ticket, "priority": "low"})
    assert made.status_code == 201, made.text
    fanout.expand(api.db)  # the worker's first step: the told event's message waits
    browser.post(f"/admin/webhooks/{hook_id}/disable", {"csrf_token": token})
    browser.post(f"/admin/webhooks/{hook_id}/enable", {"csrf_token": token})
    listed = browser.get("/admin/webhooks").text
    assert "1 message given up" in listed
    assert f'action="/admin/webhooks/{hook_id}/retry"' in listed
    with api.session() as session:
        (row,) = session.scalars(select(OutboxMessage).where(HOOKED)).all()
        assert (row.state, row.last_error) == (
            OutboxState.DEAD,
            "not sent: the webhook was disabled (disabled by an admin)",
        )
    again = browser.post(f"/admin/webhooks/{hook_id}/retry", {"csrf_token": token})
    assert again.headers["location"] == "/admin/webhooks?done=retried"
    shown = browser.get("/admin/webhooks?done=retried").text
    assert "Its given-up messages will be sent again." in shown
    assert "message given up" not in shown
    with api.session() as session:
        states = session.scalars(select(OutboxMessage.state).where(HOOKED)).all()
        assert states == [OutboxState.PENDING]
