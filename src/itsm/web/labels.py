"""The words a page shows for each stored value; translated when rendered."""

from __future__ import annotations

from itsm.tickets.models import Category, EventKind, Priority, Status
from itsm.tickets.urgency import Urgency


def N_(message: str) -> str:  # noqa: N802 - gettext's name for a marker, as the extractor knows it
    """Mark ``message`` for the catalogues; the template translates it when shown."""
    return message


STATUS = {
    Status.OPEN: N_("Open"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.PENDING: N_("Waiting for you"),
    Status.RESOLVED: N_("Resolved"),
    Status.CLOSED: N_("Closed"),
}
CATEGORY = {
    Category.HARDWARE: N_("Hardware"),
    Category.SOFTWARE: N_("Software"),
    Category.NETWORK: N_("Network"),
    Category.ACCOUNT: N_("Account and access"),
    Category.OTHER: N_("Other"),
}
PRIORITY = {
    Priority.CRITICAL: N_("Critical"),
    Priority.HIGH: N_("High"),
    Priority.MEDIUM: N_("Medium"),
    Priority.LOW: N_("Low"),
}
URGENCY = {
    Urgency.BLOCKED: N_("I cannot work"),
    Urgency.HINDERED: N_("I can work, with trouble"),
    Urgency.MINOR: N_("It can wait"),
}
EVENT = {
    EventKind.CREATED: N_("Ticket opened"),
    EventKind.STATUS_CHANGED: N_("Status changed"),
    EventKind.ASSIGNED: N_("Assigned to a technician"),
    EventKind.RATED: N_("Rated"),
}
#: Every label table, as templates reach them.
ALL = {
    "status_label": STATUS,
    "category_label": CATEGORY,
    "priority_label": PRIORITY,
    "urgency_label": URGENCY,
    "event_label": EVENT,
}
