"""Service-level agreements: when the SLA clock runs, and how much of it has run.

``calendar`` holds the pure business-time arithmetic (no database), so the
rules that decide due times can be tested exhaustively without any I/O.
"""

from itsm.sla.calendar import BusinessCalendar
from itsm.sla.calendar_config import CalendarSettings

__all__ = ["BusinessCalendar", "CalendarSettings"]
