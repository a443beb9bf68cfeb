"""ORM model of an inventory item (a computer, printer, phone...)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, Timestamps, UTCDateTime, enum_check


class AssetType(StrEnum):
    DESKTOP = "desktop"
    LAPTOP = "laptop"
    SERVER = "server"
    VIRTUAL_MACHINE = "virtual_machine"
    PRINTER = "printer"
    MONITOR = "monitor"
    NETWORK = "network"
    PHONE = "phone"
    OTHER = "other"


class AssetStatus(StrEnum):
    IN_USE = "in_use"
    IN_STOCK = "in_stock"
    IN_REPAIR = "in_repair"
    RETIRED = "retired"
    LOST = "lost"


class Asset(Timestamps, Base):
    __tablename__ = "hardware_inventory"
    __table_args__ = (
        enum_check("asset_type", AssetType),
        enum_check("status", AssetStatus),
        Index("ix_hardware_inventory_hostname", "hostname"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_tag: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hostname: Mapped[str | None] = mapped_column(String(255))
    machine_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    asset_type: Mapped[str] = mapped_column(String(32), nullable=False)
    manufacturer: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    serial_number: Mapped[str | None] = mapped_column(String(100))
    cpu: Mapped[str | None] = mapped_column(String(200))
    cpu_cores: Mapped[int | None] = mapped_column(Integer)
    ram_bytes: Mapped[int | None] = mapped_column(BigInteger)
    disks: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    os: Mapped[str | None] = mapped_column(String(200))
    network: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    location: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=AssetStatus.IN_USE)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    warranty_expires: Mapped[date | None] = mapped_column(Date)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
