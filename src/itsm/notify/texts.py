"""The one-line text of each notification, in the recipient's language.

Texts are written at delivery, not when the change is made, so each person reads
them in their own language. They carry the ticket's number and title only: never
a comment's body, so nothing internal can travel in them.
"""

from __future__ import annotations

from itsm import i18n
from itsm.i18n import gettext as _
from itsm.notify.channels import Delivery
from itsm.notify.models import NotifyKind


def summary(delivery: Delivery) -> str:
    """What happened, e.g. "TKT-20261207-0003 was assigned to you: Printer jams"."""
    with i18n.activated(delivery.recipient.language):
        return _template(delivery).format(
            number=delivery.ticket.number if delivery.ticket else "",
            title=delivery.ticket.title if delivery.ticket else "",
        )


def _template(delivery: Delivery) -> str:
    kind = delivery.kind
    if kind == NotifyKind.TICKET_CREATED:
        return _("We received your ticket {number}: {title}")
    if kind == NotifyKind.NEW_TICKET:
        return _("New unassigned ticket {number}: {title}")
    if kind == NotifyKind.ASSIGNED:
        return _("{number} was assigned to you: {title}")
    if kind == NotifyKind.COMMENT:
        return _("New reply on {number}: {title}")
    if kind == NotifyKind.STATUS:
        if delivery.payload.get("status") == "resolved":
            return _("{number} was resolved; tell us how it went: {title}")
        return _("{number} is waiting for your reply: {title}")
    if kind == NotifyKind.REOPENED:
        return _("{number} was reopened: {title}")
    if kind == NotifyKind.SLA_WARNING:
        return _("{number} is close to its due time: {title}")
    if kind == NotifyKind.SLA_BREACH:
        return _("{number} is past its due time: {title}")
    if kind == NotifyKind.ESCALATED:
        return _("{number} was escalated to you after missing its due time: {title}")
    return _("Alert ticket {number} opened: {title}")


def headline(delivery: Delivery) -> str:
    """A few words for what happened (a push notification's title), in the recipient's
    language; :func:`summary` is its body."""
    with i18n.activated(delivery.recipient.language):
        return _headline(delivery)


def _headline(delivery: Delivery) -> str:
    kind = delivery.kind
    if kind == NotifyKind.TICKET_CREATED:
        return _("Ticket received")
    if kind == NotifyKind.NEW_TICKET:
        return _("New ticket")
    if kind == NotifyKind.ASSIGNED:
        return _("Assigned to you")
    if kind == NotifyKind.COMMENT:
        return _("New reply")
    if kind == NotifyKind.STATUS:
        if delivery.payload.get("status") == "resolved":
            return _("Ticket resolved")
        return _("Waiting for your reply")
    if kind == NotifyKind.REOPENED:
        return _("Ticket reopened")
    if kind == NotifyKind.SLA_WARNING:
        return _("Close to its due time")
    if kind == NotifyKind.SLA_BREACH:
        return _("Past its due time")
    if kind == NotifyKind.ESCALATED:
        return _("Escalated to you")
    return _("Alert ticket")
