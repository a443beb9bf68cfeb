"""Settings of the HTTP server (``[api]`` in the config file, ``ITSM_API__*``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class LoginThrottle(BaseModel):
    """Failed logins allowed within ``window_seconds`` before the server answers 429."""

    model_config = ConfigDict(extra="forbid")

    window_seconds: int = Field(default=900, ge=1, le=86_400)
    per_account: int = Field(default=5, ge=1, le=10_000)
    per_address: int = Field(default=20, ge=1, le=100_000)
    per_address_total: int = Field(
        default=100,
        ge=1,
        le=1_000_000,
        description="Failed logins from one address for all accounts (per_address: per account).",
    )


class ApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    workers: int = Field(default=1, ge=1, le=64)
    token_days: int | None = Field(
        default=90, ge=1, le=3650, description="Lifetime of a login token; null: no expiry."
    )
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses whose X-Forwarded-For is believed (for login throttling).",
    )
    login: LoginThrottle = Field(default_factory=LoginThrottle)
    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Bearer token /metrics requires (Prometheus' authorization); null: open.",
    )
