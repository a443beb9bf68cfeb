"""Imports every ORM model so that ``Base.metadata`` knows the whole schema."""

from itsm.db.base import Base
from itsm.diagnostics.models import DiagnosticReport
from itsm.inventory.models import Asset
from itsm.kb.models import Article
from itsm.tickets.models import (
    Ticket,
    TicketComment,
    TicketCounter,
    TicketEvent,
    TicketLink,
)
from itsm.users.models import User

__all__ = [
    "Article",
    "Asset",
    "Base",
    "DiagnosticReport",
    "Ticket",
    "TicketComment",
    "TicketCounter",
    "TicketEvent",
    "TicketLink",
    "User",
]
