"""How far the changes live views show have come: the newest audit event and report.

Every change a live view shows writes a ``ticket_events`` row (ticket changes, an
import's tickets) or a ``diagnostic_reports`` row; sign-ins and token use write
neither. A process that cannot hear another's events (SQLite) compares this mark.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select

from itsm.diagnostics.models import DiagnosticReport
from itsm.tickets.models import TicketEvent


def statement() -> Select[tuple[int | None, int | None]]:
    return select(
        select(func.max(TicketEvent.id)).scalar_subquery(),
        select(func.max(DiagnosticReport.id)).scalar_subquery(),
    )
