"""The alert-storm benchmark sends what the webhook accepts: a full notification."""

from __future__ import annotations

from benchmarks._core import ALERT_STORM_ALERTS
from benchmarks.alert_storm import notification

from itsm.integrations.alertmanager import ticket_fingerprint
from itsm.integrations.schemas import MAX_ALERTS, AlertStatus, WebhookPayload


def test_the_storm_is_the_largest_notification_the_webhook_accepts() -> None:
    assert ALERT_STORM_ALERTS == MAX_ALERTS


def test_every_alert_of_the_storm_is_a_distinct_valid_alert() -> None:
    for status in AlertStatus:
        payload = WebhookPayload.model_validate_json(
            notification(0, ALERT_STORM_ALERTS, status.value)
        )
        assert len(payload.alerts) == ALERT_STORM_ALERTS
        assert {a.status for a in payload.alerts} == {status}
        assert len({ticket_fingerprint(a) for a in payload.alerts}) == ALERT_STORM_ALERTS
    rounds = [WebhookPayload.model_validate_json(notification(n, 10, "firing")) for n in (0, 1)]
    first, second = ({ticket_fingerprint(a) for a in r.alerts} for r in rounds)
    assert not first & second  # each round opens tickets of its own
