"""Attachment settings (``[attachments]`` in the config file, ``ITSM_ATTACHMENTS__*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

MIB = 1024 * 1024


class AttachmentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    directory: Path | None = Field(
        default=None,
        description="Where attached files are kept; null: 'attachments' in the data directory.",
    )
    max_bytes: int = Field(
        default=10 * MIB, ge=1, le=1024 * MIB, description="The largest file that may be attached."
    )
    max_per_ticket: int = Field(
        default=20, ge=1, le=10_000, description="How many files one ticket may have."
    )
