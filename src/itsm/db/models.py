"""Imports every ORM model so that ``Base.metadata`` knows the whole schema."""

from itsm.accounts.models import ApiToken, LoginFailure, WebSession
from itsm.attachments.models import Attachment
from itsm.db.base import Base
from itsm.diagnostics.models import DiagnosticReport
from itsm.inventory.models import Asset
from itsm.kb.models import Article, Vote
from itsm.mail.models import MailMessage
from itsm.notify.models import Notification, NotifyEvent, NotifyPref, OutboxMessage
from itsm.tickets.models import (
    Ticket,
    TicketComment,
    TicketCounter,
    TicketEvent,
    TicketLink,
)
from itsm.users.models import User
from itsm.webhooks.models import Webhook

__all__ = [
    "ApiToken",
    "Article",
    "Asset",
    "Attachment",
    "Base",
    "DiagnosticReport",
    "LoginFailure",
    "MailMessage",
    "Notification",
    "NotifyEvent",
    "NotifyPref",
    "OutboxMessage",
    "Ticket",
    "TicketComment",
    "TicketCounter",
    "TicketEvent",
    "TicketLink",
    "User",
    "Vote",
    "WebSession",
    "Webhook",
]
