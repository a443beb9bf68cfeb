from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AttachmentRead(BaseModel):
    """A file attached to a ticket, as callers read it (the bytes are a separate download)."""

    id: int
    ticket_id: int
    comment_id: int | None
    filename: str
    media_type: str  # detected from the content
    size_bytes: int
    sha256: str
    is_internal: bool
    previewable: bool  # an image a browser may show inline
    uploader: str | None
    created_at: datetime
