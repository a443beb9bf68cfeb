"""Settings of the monitoring integrations (``[integrations.alertmanager]``).

Environment: ``ITSM_INTEGRATIONS__ALERTMANAGER__CATEGORY=network``; tables and
lists in ``ITSM_*`` variables are JSON.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Spelled out rather than imported: loading settings must not import the ORM (the CLI
# stays fast). tests/unit/test_integrations_config.py checks they match the models.
Category = Literal["hardware", "software", "network", "account", "other"]
Priority = Literal["critical", "high", "medium", "low"]
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"

#: Alertmanager's ``severity`` label → ticket priority (a label not listed: ``default_priority``).
DEFAULT_SEVERITY_PRIORITIES: dict[str, Priority] = {
    "critical": "critical",
    "warning": "high",
    "info": "low",
}


class AlertmanagerSettings(BaseModel):
    """How Alertmanager notifications become tickets."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(
        default="alertmanager",
        min_length=1,
        max_length=64,
        pattern=USERNAME_PATTERN,
        description="Requester of alert tickets; this user is created on first use.",
    )
    category: Category = Field(default="other", description="Category of alert tickets.")
    severity_priorities: dict[str, Priority] = Field(
        default_factory=lambda: dict(DEFAULT_SEVERITY_PRIORITIES),
        description="Value of the alert's 'severity' label (any case) → ticket priority.",
    )
    default_priority: Priority = Field(
        default="medium",
        description="Priority when the severity label is missing or unlisted.",
    )
    comment_interval_seconds: float = Field(
        default=3600,
        ge=0,
        description="At most one 'still firing' comment per ticket per interval (0: every time).",
    )
    on_resolved: Literal["resolve", "comment"] = Field(
        default="resolve",
        description="A resolved alert resolves its ticket, or only says so in a comment.",
    )

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("username")
    @classmethod
    def _not_an_id(cls, value: str) -> str:
        if value.isdigit():  # users are looked up by id or name: digits alone mean an id
            raise ValueError("a username needs at least one letter")
        return value

    @field_validator("severity_priorities")
    @classmethod
    def _lower_keys(cls, value: dict[str, Priority]) -> dict[str, Priority]:
        return {k.strip().lower(): v for k, v in value.items()}


class IntegrationsSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alertmanager: AlertmanagerSettings = Field(default_factory=AlertmanagerSettings)
