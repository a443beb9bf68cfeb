"""Pure parts of the Alertmanager integration: fingerprints, priorities, settings, payload."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from itsm.config import Settings
from itsm.integrations.alertmanager import labels_fingerprint, priority_of, ticket_fingerprint
from itsm.integrations.config import AlertmanagerSettings
from itsm.integrations.config import Category as CategoryName
from itsm.integrations.config import Priority as PriorityName
from itsm.integrations.schemas import Alert, WebhookPayload
from itsm.tickets.models import Category, Priority
from itsm.users.schemas import USERNAME_PATTERN


def test_labels_fingerprint_is_alertmanagers() -> None:
    # Vectors of prometheus/common model (labelSetToFingerprint, FNV-1a 64).
    assert labels_fingerprint({}) == "cbf29ce484222325"
    labels = {"name": "garland, briggs", "fear": "love is not enough"}
    assert labels_fingerprint(labels) == f"{5799056148416392346:016x}"
    assert labels_fingerprint({"b": "1", "a": "2"}) == labels_fingerprint({"a": "2", "b": "1"})
    assert labels_fingerprint({"a": "bc"}) != labels_fingerprint({"ab": "c"})


def test_ticket_fingerprint_prefers_the_alerts_own() -> None:
    given = Alert.model_validate({"status": "firing", "labels": {"a": "b"}, "fingerprint": "ff"})
    assert ticket_fingerprint(given) == "am:ff"
    derived = Alert.model_validate({"status": "firing", "labels": {"a": "b"}})
    assert ticket_fingerprint(derived) == "am:" + labels_fingerprint({"a": "b"})


@pytest.mark.parametrize(
    ("severity", "priority"),
    [
        ("critical", "critical"),
        ("Warning", "high"),
        (" info ", "low"),
        ("page", "medium"),
        (None, "medium"),
    ],
)
def test_severity_maps_to_priority(severity: str | None, priority: str) -> None:
    labels = {"severity": severity} if severity is not None else {}
    alert = Alert.model_validate({"status": "firing", "labels": labels})
    assert priority_of(alert, AlertmanagerSettings()) == Priority(priority)


def test_the_mapping_and_defaults_are_configurable() -> None:
    cfg = Settings(
        integrations={
            "alertmanager": {
                "severity_priorities": {"Page": "critical"},
                "default_priority": "low",
                "category": "network",
            }
        }
    ).integrations.alertmanager
    page = Alert.model_validate({"status": "firing", "labels": {"severity": "page"}})
    other = Alert.model_validate({"status": "firing", "labels": {"severity": "critical"}})
    assert priority_of(page, cfg) == Priority.CRITICAL
    assert priority_of(other, cfg) == Priority.LOW  # the mapping replaces the default one
    assert cfg.category == "network"
    with pytest.raises(ValidationError):
        AlertmanagerSettings.model_validate({"category": "printers"})
    with pytest.raises(ValidationError):
        AlertmanagerSettings.model_validate({"username": "12345"})


def test_settings_spell_the_models_values() -> None:
    """The settings avoid importing the ORM; their literals must follow the models."""
    assert set(get_args(CategoryName)) == {c.value for c in Category}
    assert set(get_args(PriorityName)) == {p.value for p in Priority}
    from itsm.integrations import config

    assert config.USERNAME_PATTERN == USERNAME_PATTERN


def test_payload_dates_and_versions() -> None:
    payload = WebhookPayload.model_validate(
        {
            "version": "4",
            "status": "firing",
            "truncatedAlerts": 3,
            "futureField": {"ignored": True},
            "alerts": [
                {
                    "status": "firing",
                    "startsAt": "2026-03-01T12:00:00+02:00",
                    "endsAt": "0001-01-01T00:00:00Z",
                }
            ],
        }
    )
    [alert] = payload.alerts
    assert alert.starts_at is not None
    assert alert.starts_at.isoformat() == "2026-03-01T10:00:00+00:00"
    assert alert.ends_at is None  # Go's zero time: not set
    assert payload.truncated_alerts == 3
    for version in ("3", "5", ""):
        with pytest.raises(ValidationError, match="version 4"):
            WebhookPayload.model_validate({"version": version, "status": "firing", "alerts": []})
    with pytest.raises(ValidationError, match="out of range"):
        Alert.model_validate({"status": "firing", "startsAt": "9999-12-31T23:59:59-05:00"})
