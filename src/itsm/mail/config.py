"""Settings of the mailbox ``itsm mail fetch`` reads (``[mail]``, ``ITSM_MAIL__*``)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

MIB = 1024 * 1024
#: Hosts a mailbox may be read from without TLS: this machine only (tests, a local Dovecot).
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
#: The port of each security, when none is given.
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class MailSettings(BaseModel):
    """The IMAP mailbox mails to the desk are read from; ``host`` null: none is read."""

    model_config = ConfigDict(extra="forbid")

    host: str | None = Field(default=None, description="IMAP server; null: no mail is read.")
    port: int | None = Field(
        default=None, ge=1, le=65_535, description="Default: 993 for ssl, 143 otherwise."
    )
    security: Literal["ssl", "starttls", "none"] = Field(
        default="ssl",
        description="ssl (IMAPS), starttls, or none (only for a server on this machine).",
    )
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = Field(
        default=None, description="A file holding the password (its first line), instead."
    )
    ca_file: Path | None = Field(
        default=None, description="Certificate authorities to trust besides the system's (PEM)."
    )
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    folder: str = Field(default="INBOX", description="The folder new mail is read from.")
    processed_folder: str = Field(
        default="itsm-processed", description="Where a mail goes once it has been handled."
    )
    quarantine_folder: str = Field(
        default="itsm-quarantine",
        description="Where a malformed or oversized mail goes, untouched, for a person to see.",
    )
    unknown_senders: Literal["refuse", "create"] = Field(
        default="refuse",
        description="A sender who is no user: refuse (one polite reply) or create an end user.",
    )
    max_message_bytes: int = Field(
        default=25 * MIB, ge=1024, le=1024 * MIB, description="A larger mail is quarantined."
    )
    max_per_sender_per_hour: int = Field(
        default=30, ge=1, le=100_000, description="More mails from one sender are ignored."
    )
    poll_seconds: float = Field(
        default=60, gt=0, le=86_400, description="How often `itsm worker` reads the mailbox."
    )
    batch_size: int = Field(
        default=200, ge=1, le=100_000, description="Mails read per connection at most."
    )

    @field_validator("folder", "processed_folder", "quarantine_folder")
    @classmethod
    def _a_folder(cls, value: str) -> str:
        # imaplib sends names as given: printable ASCII only (no modified UTF-7 here).
        if not value or not value.isascii() or not value.isprintable() or '"' in value:
            raise ValueError(
                f"{value!r} is not a folder name (printable ASCII without quotes, e.g. INBOX)"
            )
        return value

    @model_validator(mode="after")
    def _secure_unless_local(self) -> Self:
        if self.host is None:
            return self
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"mail.security none sends the password in clear text; it is allowed only for"
                f" a server on this machine (127.0.0.1, ::1, localhost), not {self.host!r}:"
                " use ssl or starttls"
            )
        if self.password is not None and self.password_file is not None:
            raise ValueError("give mail.password or mail.password_file, not both")
        if self.username is None:
            raise ValueError("mail.username is required when mail.host is set")
        if len({self.folder, self.processed_folder, self.quarantine_folder}) < 3:
            raise ValueError(
                "mail.folder, mail.processed_folder and mail.quarantine_folder must differ"
            )
        return self

    @property
    def enabled(self) -> bool:
        return self.host is not None

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]
