"""Urgency as an end user says it, and the priority it means."""

from __future__ import annotations

from enum import StrEnum

from itsm.tickets.models import Priority


class Urgency(StrEnum):
    BLOCKED = "blocked"  # "I cannot work"
    HINDERED = "hindered"  # "I can work, with trouble"
    MINOR = "minor"  # "It can wait"


PRIORITY = {
    Urgency.BLOCKED: Priority.HIGH,
    Urgency.HINDERED: Priority.MEDIUM,
    Urgency.MINOR: Priority.LOW,
}


def priority_of(urgency: Urgency) -> Priority:
    """The priority of a ticket opened with ``urgency`` (critical is the help desk's call)."""
    return PRIORITY[urgency]
