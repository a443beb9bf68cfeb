"""Which webhook event each ticket event is; internal ones are none."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from itsm.notify.policy import Facts
from itsm.webhooks import signing
from itsm.webhooks.events import event_of
from itsm.webhooks.models import WebhookEvent


def _facts(event: str, **more: object) -> Facts:
    return Facts(event=event, requester_id=1, assignee_id=2, source="web", **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (_facts("created"), WebhookEvent.CREATED),
        (_facts("assigned"), WebhookEvent.ASSIGNED),
        (_facts("assigned", breached_now=True), WebhookEvent.ESCALATED),
        (_facts("commented"), WebhookEvent.COMMENTED),
        (_facts("commented", internal=True), None),
        (_facts("status_changed", status="pending", previous_status="open"), "status"),
        (_facts("status_changed", status="open", previous_status="resolved"), "reopened"),
        (_facts("status_changed", status="closed", previous_status="resolved"), "status"),
        (_facts("sla_warning"), WebhookEvent.SLA_WARNING),
        (_facts("sla_breach"), WebhookEvent.SLA_BREACH),
        (_facts("field_changed"), None),
        (_facts("merged"), None),
        (_facts("rated"), None),
        (_facts("linked"), None),
    ],
)
def test_event_of(facts: Facts, expected: str | None) -> None:
    wanted = {"status": WebhookEvent.STATUS_CHANGED, "reopened": WebhookEvent.REOPENED}
    assert event_of(facts) == wanted.get(str(expected), expected)


def test_an_internal_event_is_never_a_webhook_event() -> None:
    for kind in ("created", "assigned", "commented", "status_changed", "sla_breach"):
        assert event_of(_facts(kind, internal=True)) is None


def test_the_signature_is_the_hmac_of_timestamp_dot_body() -> None:
    body = b'{"event":"ping"}'
    mac = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signing.signature("s3cret", "1700000000", body) == f"sha256={mac}"
    assert signing.verify("s3cret", "1700000000", body, f"sha256={mac}")
    assert not signing.verify("s3cret", "1700000001", body, f"sha256={mac}")
    assert len(signing.new_secret()) >= 40
