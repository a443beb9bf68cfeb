"""Validated shapes of knowledge-base input and output."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field, StrictBool, field_validator, model_validator

from itsm.errors import N_
from itsm.schema import Schema
from itsm.tickets.models import Category
from itsm.validation import refuse_nul

MAX_BODY_BYTES = 256 * 1024
MAX_TAGS = 30


def _body_size(value: str) -> str:
    size = len(value.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise ValueError(f"article body is over 256 KiB ({size} bytes)")
    return value


def _clean_tags(value: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in value:
        tag = tag.strip().lower()
        if tag:
            if len(tag) > 50:
                raise ValueError(f"tag {tag[:20]!r}... is longer than 50 characters")
            seen[tag] = None
    return list(seen)


class ArticleInput(Schema):
    """An article as its writer gives it; the author is whoever writes it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)
    category: Category
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    published: bool = True

    _no_nul = field_validator("*", mode="before")(refuse_nul)
    _body = field_validator("body")(_body_size)
    _tags = field_validator("tags")(_clean_tags)


class ArticleCreate(ArticleInput):
    author_id: int | None = None


class ArticleUpdate(Schema):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1)
    category: Category | None = None
    tags: list[str] | None = Field(
        default=None, max_length=MAX_TAGS, description="Replace the tags with these."
    )
    add_tags: list[str] | None = Field(
        default=None, max_length=MAX_TAGS, description="Add these tags (kept if present)."
    )
    remove_tags: list[str] | None = Field(
        default=None, max_length=MAX_TAGS, description="Remove these tags (ignored if absent)."
    )
    published: bool | None = None

    _no_nul = field_validator("*", mode="before")(refuse_nul)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str | None) -> str | None:
        return None if value is None else _body_size(value)

    @field_validator("tags", "add_tags", "remove_tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean_tags(value)

    @model_validator(mode="after")
    def _one_way_to_change_tags(self) -> ArticleUpdate:
        if self.tags is not None and (self.add_tags or self.remove_tags):
            raise ValueError(N_("give either tags (to replace them) or add_tags / remove_tags"))
        both = set(self.add_tags or ()) & set(self.remove_tags or ())
        if both:
            raise ValueError(f"tag {sorted(both)[0]!r} is both added and removed")
        return self

    def tags_of(self, current: list[str]) -> list[str] | None:
        """The tags an article that has ``current`` gets (``None``: they stay)."""
        if self.tags is not None:
            return self.tags
        if not (self.add_tags or self.remove_tags):
            return None
        removed = set(self.remove_tags or ())
        kept = [t for t in current if t not in removed]
        return kept + [t for t in self.add_tags or () if t not in kept]


class VoteInput(Schema):
    """A person's answer to "did this article help?"."""

    model_config = ConfigDict(extra="forbid")

    helpful: StrictBool


class ArticleRead(Schema):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    category: Category
    tags: list[str]
    author_id: int | None
    published: bool
    views: int
    helpful_yes: int
    helpful_no: int
    created_at: datetime
    updated_at: datetime


class ArticleHit(ArticleRead):
    """An article found by a search, with how well it matched (higher is better)."""

    score: float | None = Field(
        description=(
            "How well it matched, higher is better; null for those who do not see"
            " drafts (end users), whose items come in rank order only."
        )
    )


class ArticleSearch(Schema):
    """The best matches of a search, and how many articles match in all."""

    query: str
    total: int
    items: list[ArticleHit]
