"""ORM model of a stored diagnostics report (the history behind ``itsm diag history``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, UTCDateTime, enum_check, utcnow
from itsm.diagnostics.severity import Severity


class DiagnosticReport(Base):
    __tablename__ = "diagnostic_reports"
    __table_args__ = (
        enum_check("severity", Severity),
        Index("ix_diagnostic_reports_host_at", "host", "collected_at"),
        Index("ix_diagnostic_reports_at", "collected_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Given by the agent, so a report sent twice (retries, spool replays) is stored once.
    report_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("hardware_inventory.id", ondelete="SET NULL"), index=True
    )
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
