"""SLA settings: targets per priority, the business calendar, warnings, escalation.

Targets are business minutes on the calendar (``[sla.calendar]``). The defaults
follow common help-desk practice (ITIL-style priority matrix) and are
documented in docs/sla.md; every one is configurable, e.g.
``[sla.targets.critical] first_response_minutes = 15``.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from itsm.sla.calendar_config import CalendarSettings

PRIORITIES = ("critical", "high", "medium", "low")


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    first_response_minutes: int = Field(gt=0, le=525_600)
    resolution_minutes: int = Field(gt=0, le=5_256_000)

    @model_validator(mode="after")
    def _response_before_resolution(self) -> Self:
        if self.first_response_minutes > self.resolution_minutes:
            raise ValueError("first_response_minutes must not exceed resolution_minutes")
        return self


def _default_targets() -> dict[str, Target]:
    return {
        "critical": Target(first_response_minutes=30, resolution_minutes=4 * 60),
        "high": Target(first_response_minutes=60, resolution_minutes=8 * 60),
        "medium": Target(first_response_minutes=4 * 60, resolution_minutes=3 * 9 * 60),
        "low": Target(first_response_minutes=9 * 60, resolution_minutes=5 * 9 * 60),
    }


class EscalationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    raise_priority: bool = True
    reassign_to: str | None = Field(
        default=None,
        description="username to reassign breached tickets to; 'admin' picks the first admin",
    )


class SlaSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    targets: dict[str, Target] = Field(default_factory=_default_targets)
    warn_ratio: float = Field(
        default=0.8, gt=0, lt=1, description="warn when this share of a target has elapsed"
    )
    due_soon_minutes: int = Field(
        default=60,
        gt=0,
        le=525_600,
        description="a ticket is due soon (ticket list --sla due-soon) within this many minutes",
    )
    auto_close_hours: float | None = Field(
        default=72, gt=0, description="close resolved tickets after this many hours; null: never"
    )
    reopen_window_days: float = Field(
        default=14, ge=0, description="a closed ticket can be reopened within this many days"
    )
    requester_reply_reopens: bool = Field(
        default=True,
        description="a public reply by the requester moves a pending ticket back to open",
    )
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)

    @model_validator(mode="after")
    def _all_priorities(self) -> Self:
        unknown = sorted(set(self.targets) - set(PRIORITIES))
        if unknown:
            raise ValueError(
                f"unknown priority {', '.join(unknown)} in sla.targets; "
                f"allowed: {', '.join(PRIORITIES)}"
            )
        # A partial table in the config file keeps the defaults of the others.
        merged = {**_default_targets(), **self.targets}
        object.__setattr__(self, "targets", merged)
        return self
