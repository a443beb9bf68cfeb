"""ORM model of a person."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, Index, Integer, String, false, func, true
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, Timestamps, enum_check


class Role(StrEnum):
    ADMIN = "admin"
    TECHNICIAN = "technician"
    USER = "user"


STAFF_ROLES = frozenset({Role.ADMIN, Role.TECHNICIAN})


class User(Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (enum_check("role", Role),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-case (the service normalises it), so unique means case-insensitive.
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=Role.USER)
    department: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The web app's language this person chose; None: their browser's, else the setting's.
    language: Mapped[str | None] = mapped_column(String(8))
    # An account no person uses (the diagnostics agent's): never listed among people,
    # never assigned, never notified (migration 0020).
    system: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


# People are looked up by email whatever its case (the mail intake, per mail):
# users.service.with_emails compares lower(email), which this index serves.
Index("ix_users_email_lower", func.lower(User.email))
