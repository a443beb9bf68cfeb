"""A file's media type, read from its content (never from its name or the client's word)."""

from __future__ import annotations

import puremagic

OCTET_STREAM = "application/octet-stream"
#: Images a browser may show inline (an <img> preview); everything else is download-only.
PREVIEWABLE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for cut in range(4):  # the head may end inside a multi-byte character
        try:
            head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def media_type(head: bytes) -> str:
    """The media type of a file starting with ``head``: its signature's, else
    ``text/plain`` for UTF-8 text, else ``application/octet-stream``."""
    try:
        found = str(puremagic.from_string(head, mime=True) or "")
    except (puremagic.PureError, ValueError):
        found = ""
    if found and "/" in found:
        return found.lower()[:127]
    return "text/plain" if _is_text(head) else OCTET_STREAM


def previewable(kind: str) -> bool:
    return kind in PREVIEWABLE


def served_type(kind: str) -> str:
    """The ``Content-Type`` a download is sent with: a previewable image's own type,
    else ``application/octet-stream``, so that no file is ever run as a page or script."""
    return kind if previewable(kind) else OCTET_STREAM
