"""Settings of outgoing webhooks (``[webhooks]``, ``ITSM_WEBHOOKS__*``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WebhookSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs on loopback, private and link-local addresses.",
    )
    disable_after: int = Field(
        default=10, ge=1, le=10_000, description="Consecutive failed deliveries that disable one."
    )
    timeout_seconds: float = Field(
        default=10, gt=0, le=120, description="Connect and read timeout of one delivery."
    )
