"""ORM model of a stored diagnostics report (the history behind ``itsm diag history``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Dialect, ForeignKey, Index, Integer, String, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, UTCDateTime, enum_check, utcnow
from itsm.diagnostics.severity import Severity


class EncodedJSON(str):
    """Text that is already a JSON document (e.g. ``Report.model_dump_json()``)."""


class JSONDocument(TypeDecorator[Any]):
    """A JSON column that stores :class:`EncodedJSON` text as it is.

    Reports are encoded once, by Pydantic in Rust, instead of being dumped to
    Python objects and encoded again by ``json.dumps``; on a batch of reports
    that is a large share of the server's work. Any other value is encoded as
    the plain ``JSON`` type encodes it; values read back are decoded objects.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        encode = JSON().dialect_impl(dialect).bind_processor(dialect)

        def process(value: Any) -> Any:
            if isinstance(value, EncodedJSON):
                # Sent as plain text: the database parses it into the JSON column.
                return str(value)
            return encode(value) if encode is not None else value

        return process


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
    # A dict, or EncodedJSON when the report was just stored (expire it to read it back).
    report: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
