"""Validated shapes of logins and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from itsm.accounts.models import TokenKind, TokenScope
from itsm.errors import N_
from itsm.validation import refuse_nul


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    kind: TokenKind = TokenKind.PERSONAL
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    host: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description=(
            "Agent tokens only: bind the token to one host, which every report it sends "
            "must come from. A machine identity as reports carry it (machine-id:<id>, "
            "dmi:<uuid> or hostname:<name>), or an inventory item (id, asset tag or "
            "hostname) that a diagnostics report recorded; the identity is stored."
        ),
    )

    scopes: list[TokenScope] | None = Field(
        default=None,
        max_length=len(TokenScope),
        description=(
            "Agent tokens only: what the token may send, 'alerts' (Alertmanager) and/or"
            " 'reports' (diagnostics). Required for one bound to no host; a host-bound"
            " token has 'reports' only (the default)."
        ),
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = refuse_nul(value).strip()
        if not value:
            raise ValueError(N_("name must not be empty"))
        return value

    @field_validator("host")
    @classmethod
    def _host(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("kind", TokenKind.AGENT) is not TokenKind.AGENT:
            raise ValueError(N_("only agent tokens may be bound to a host"))
        value = refuse_nul(value).strip()
        if not value:
            raise ValueError(N_("must not be empty"))
        return value


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    user: str | None = Field(default=None, description="The owner's username")
    name: str
    kind: TokenKind
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    host_identity: str | None = Field(
        description="The host an agent token is bound to (its machine identity); null: any host"
    )
    scopes: list[TokenScope] = Field(
        default_factory=list,
        description="What an agent token may send: 'alerts', 'reports'; [] for a personal token",
    )

    @field_validator("scopes", mode="before")
    @classmethod
    def _scopes(cls, value: object) -> object:
        # Stored space-separated (see ApiToken.scopes).
        if value is None:
            return []
        return value.split() if isinstance(value, str) else value


class IssuedToken(TokenRead):
    """A token just created: the only time its secret is shown."""

    token: str
