"""The signature of a webhook delivery (``X-Itsm-Signature-256``), as GitHub's.

The signed text is ``<timestamp>.<body>``: the ``X-Itsm-Timestamp`` header (Unix
seconds) binds the time to the body, so a receiver that refuses old timestamps
refuses replays too. docs/notifications.md shows a receiver's check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``timestamp.body`` keyed by ``secret``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is the signature of ``timestamp.body`` (constant time)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)
