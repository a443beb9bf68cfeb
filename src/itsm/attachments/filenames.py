"""An uploaded file's name, made safe to show and to send in a header."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_MAX = 200
_SEPARATORS = re.compile(r"[/\\]")
FALLBACK = "attachment"


def display_name(raw: str) -> str:
    """``raw`` without any directory part, control or format characters (which
    includes bidirectional overrides that would show 'exe.png' for 'gnp.exe'), runs of
    white space, or leading and trailing dots and spaces; at most 200 characters, the
    extension kept. ``attachment`` when nothing is left."""
    name = _SEPARATORS.split(unicodedata.normalize("NFC", raw))[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in {"C"})
    name = " ".join(name.split()).strip(" .")
    if len(name) > _MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: _MAX - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:_MAX]
    return name or FALLBACK


def _ascii(name: str) -> str:
    return "".join(ch if " " <= ch <= "~" and ch not in '"\\%' else "_" for ch in name)


def content_disposition(name: str, *, inline: bool = False) -> str:
    """The ``Content-Disposition`` header of a download of ``name`` (RFC 6266): an
    ASCII ``filename`` for old clients and the exact one as ``filename*`` (RFC 8187)."""
    kind = "inline" if inline else "attachment"
    shown = display_name(name)
    return f"{kind}; filename=\"{_ascii(shown)}\"; filename*=UTF-8''{quote(shown, safe='')}"
