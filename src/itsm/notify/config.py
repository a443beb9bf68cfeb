"""Settings of notifications: the worker (``[notify]``), email (``[email]``) and web push
(``[push]``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


class SmtpSettings(BaseModel):
    """The SMTP server email goes out through (``[email.smtp]``, ``ITSM_EMAIL__SMTP__*``)."""

    model_config = ConfigDict(extra="forbid")

    host: str | None = Field(default=None, description="SMTP server; null: email is not sent.")
    port: int = Field(default=587, ge=1, le=65_535)
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (port 587), tls (implicit TLS, port 465) or none (a local relay).",
    )
    username: str | None = None
    password: SecretStr | None = None
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    ca_file: Path | None = Field(
        default=None, description="Certificate authorities to trust besides the system's (PEM)."
    )


class EmailSettings(BaseModel):
    """Email notifications (``[email]``, ``ITSM_EMAIL__*``)."""

    model_config = ConfigDict(extra="forbid")

    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    from_address: str = Field(
        default="itsm@localhost", description="The desk's address: From, and Message-ID's domain."
    )
    from_name: str = Field(default="IT help desk", max_length=200)
    reply_to: str | None = Field(
        default=None, description="Where replies go (the mailbox itsm mail fetch reads)."
    )
    base_url: str | None = Field(
        default=None,
        description="The web app's address for links in messages, e.g. https://desk.example.org.",
    )
    templates_dir: Path | None = Field(
        default=None, description="A directory whose templates replace the shipped ones."
    )

    @field_validator("from_address", "reply_to")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is None:
            return value
        local, at, domain = value.partition("@")
        if not (local and at and domain) or any(c.isspace() or c in '<>,;"' for c in value):
            raise ValueError(f"{value!r} is not an email address (name@example.org)")
        return value

    @field_validator("base_url")
    @classmethod
    def _a_web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not a web address (https://desk.example.org)")
        return value.rstrip("/") if value else value


class NotifySettings(BaseModel):
    """Delivery of notifications by ``itsm worker`` (``[notify]``, ``ITSM_NOTIFY__*``)."""

    model_config = ConfigDict(extra="forbid")

    batch_size: int = Field(
        default=50, ge=1, le=10_000, description="Messages a worker claims at a time."
    )
    poll_seconds: float = Field(
        default=2, gt=0, le=3600, description="How often an idle worker looks for messages."
    )
    lease_seconds: int = Field(
        default=300,
        ge=10,
        le=86_400,
        description="A claimed message another worker may take over if not done by then.",
    )
    retry_base_seconds: float = Field(
        default=30, gt=0, le=86_400, description="Wait before the first retry; doubles each time."
    )
    retry_max_seconds: float = Field(
        default=3600, gt=0, le=7 * 86_400, description="Longest wait between two tries."
    )
    max_age_hours: float = Field(
        default=48, gt=0, le=24 * 90, description="A message still failing this old is given up."
    )
    worker_in_server: bool = Field(
        default=False, description="Run one worker inside `itsm serve` (--with-worker)."
    )


class PushSettings(BaseModel):
    """Web push (``[push]``, ``ITSM_PUSH__*``): on once both VAPID settings are given
    (``itsm push keys`` makes the key and prints them)."""

    model_config = ConfigDict(extra="forbid")

    vapid_private_key_file: Path | None = Field(
        default=None, description="The VAPID private key (PEM, P-256); null: no web push."
    )
    vapid_subject: str | None = Field(
        default=None,
        description="How push services reach the desk's admin: mailto:… or https://….",
    )
    ttl_seconds: int = Field(
        default=86_400,
        ge=0,
        le=28 * 86_400,
        description="How long a push service keeps a message for a browser that is offline.",
    )
    timeout_seconds: float = Field(default=10, gt=0, le=600)
    allow_http_loopback: bool = Field(
        default=False,
        description="Accept http:// push endpoints on loopback addresses (tests, a local "
        "push service); any other endpoint must be https://.",
    )

    @field_validator("vapid_subject")
    @classmethod
    def _a_contact(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value.startswith("mailto:") and "@" in value:
            return value
        if value.startswith("https://") and len(value) > len("https://"):
            return value
        raise ValueError(f"{value!r} is not a contact (mailto:admin@example.org or https://…)")

    @model_validator(mode="after")
    def _both_or_neither(self) -> PushSettings:
        if (self.vapid_private_key_file is None) != (self.vapid_subject is None):
            missing = "vapid_subject" if self.vapid_subject is None else "vapid_private_key_file"
            raise ValueError(f"push.{missing} is needed too: web push needs both VAPID settings")
        return self

    @property
    def enabled(self) -> bool:
        return self.vapid_private_key_file is not None and self.vapid_subject is not None
