"""ORM models of knowledge-base articles and the votes on whether they helped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, Timestamps, UTCDateTime, enum_check, utcnow
from itsm.tickets.models import Category


class Article(Timestamps, Base):
    __tablename__ = "knowledge_base"
    __table_args__ = (
        enum_check("category", Category),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("views >= 0 AND helpful_yes >= 0 AND helpful_no >= 0", name="counters"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    published: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    views: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Counts of the votes below, recounted by every vote (kb.service.vote_article).
    helpful_yes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    helpful_no: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Vote(Base):
    """One person's answer to "did this article help?"; they may change it."""

    __tablename__ = "kb_votes"
    __table_args__ = (UniqueConstraint("article_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_base.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean, nullable=False)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
