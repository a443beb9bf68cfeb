"""Alertmanager's webhook payload (version 4) and what the receiver did with each alert.

The payload is documented at
https://prometheus.io/docs/alerting/latest/configuration/#webhook_config. Field
names are Alertmanager's own (``groupKey``, ``startsAt``), so a validation error
names the field as it was sent. Fields Alertmanager may add later are ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

SUPPORTED_VERSION = "4"
MAX_ALERTS = 1000
#: Alertmanager sends 16 hex digits; other senders of this format may use their own ids.
FINGERPRINT_PATTERN = r"^[0-9A-Za-z_.:-]*$"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class _Incoming(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)


class Alert(_Incoming):
    status: AlertStatus
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: AwareDatetime | None = Field(default=None, alias="startsAt")
    ends_at: AwareDatetime | None = Field(default=None, alias="endsAt")
    generator_url: str = Field(default="", alias="generatorURL", max_length=4096)
    fingerprint: str = Field(default="", max_length=100, pattern=FINGERPRINT_PATTERN)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _go_zero_time(cls, value: datetime | None) -> datetime | None:
        """In UTC; Go's zero time (``0001-01-01T00:00:00Z``) means "not set" (a firing
        alert's endsAt)."""
        if value is None or value.year <= 1:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("date is out of range") from None


class WebhookPayload(_Incoming):
    """One notification: a group of alerts sharing ``groupLabels``."""

    version: str = Field(json_schema_extra={"enum": [SUPPORTED_VERSION]})
    group_key: str = Field(default="", alias="groupKey")
    truncated_alerts: int = Field(default=0, ge=0, alias="truncatedAlerts")
    status: AlertStatus
    receiver: str = ""
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field(default="", alias="externalURL", max_length=4096)
    alerts: list[Alert] = Field(max_length=MAX_ALERTS)

    @field_validator("version")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value.strip() != SUPPORTED_VERSION:
            raise ValueError(
                f"unsupported webhook payload version {value!r}; "
                f"this receiver understands version {SUPPORTED_VERSION}"
            )
        return SUPPORTED_VERSION


class AlertAction(StrEnum):
    OPENED = "opened"  # a new ticket
    COMMENTED = "commented"  # a comment on the alert's active ticket
    RESOLVED = "resolved"  # the active ticket was resolved
    IGNORED = "ignored"  # nothing to do; ``reason`` says why


class AlertOutcome(BaseModel):
    fingerprint: str = Field(description="The ticket fingerprint: 'am:' + the alert's.")
    alertname: str | None
    status: AlertStatus
    action: AlertAction
    ticket: str | None = Field(description="Number of the ticket concerned, if any.")
    reason: str | None = None


class Receipt(BaseModel):
    """What happened to each alert of a notification, in the order they were sent."""

    alerts: list[AlertOutcome]
    truncated_alerts: int = Field(
        default=0, description="Alerts Alertmanager left out of the notification (max_alerts)."
    )
