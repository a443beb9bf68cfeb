"""Validated shapes of user input and output."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field, field_validator

from itsm.errors import N_
from itsm.schema import Schema
from itsm.users.models import Role
from itsm.validation import refuse_nul

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


def _email_shape(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise ValueError(N_("expected an address like name@example.org"))
    return value


class UserCreate(Schema):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    full_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    role: Role = Role.USER
    department: str | None = Field(default=None, max_length=100)

    @field_validator("username", mode="before")
    @classmethod
    def _normalise_username(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("username")
    @classmethod
    def _username_shape(cls, value: str) -> str:
        import re

        if not re.fullmatch(USERNAME_PATTERN, value):
            raise ValueError(
                N_("use letters, digits, '.', '_' or '-' (starting with a letter or digit)")
            )
        return value

    _no_nul = field_validator("*", mode="before")(refuse_nul)
    _email = field_validator("email")(_email_shape)


class UserUpdate(Schema):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    role: Role | None = None
    department: str | None = Field(default=None, max_length=100)

    _no_nul = field_validator("*", mode="before")(refuse_nul)
    _email = field_validator("email")(_email_shape)


class UserRead(Schema):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    department: str | None
    is_active: bool
    system: bool = Field(
        default=False, description="A system account (the diagnostics agent's): no person's."
    )
    created_at: datetime
    updated_at: datetime
