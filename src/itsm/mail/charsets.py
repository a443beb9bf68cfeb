"""Bytes of a text part to ``str`` whatever charset the sender declared.

Spanish mail arrives labelled ISO-8859-1 while holding Windows-1252 bytes (€, “”) or
UTF-8, labelled with names Python does not know, or not labelled at all. As browsers
do (the WHATWG Encoding Standard), Latin-1 and ASCII labels read as Windows-1252, a
superset that only differs in bytes Latin-1 spends on unused control codes; bytes
that are valid UTF-8 read as UTF-8 whatever the label.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

# Labels read as Windows-1252 (WHATWG maps them so; Latin-1's 0x80-0x9F are never meant).
_AS_CP1252 = frozenset({"cp1252", "iso8859-1", "latin-1", "ascii"})
# A well-formed UTF-8 multi-byte sequence: its presence says the text is UTF-8.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# C0/C1 controls but newline and tab, and the byte-order mark.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")


def _codec(label: str | None) -> str | None:
    """Python's canonical codec name for ``label``; ``None`` for unknown or non-text ones."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError, TypeError):
        return None
    # Only real text encodings: codecs.lookup also knows 'base64', 'zlib', 'rot13'.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _guess(data: bytes) -> str:
    """UTF-8 when the bytes are, else Windows-1252 (what undeclared Spanish mail is)."""
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _UTF8_SEQUENCE.search(data):
        return data.decode("utf-8", errors="replace")
    return data.decode("cp1252", errors="replace")


def decode_text(data: bytes, charset: str | None) -> str:
    """``data`` as text: the declared ``charset`` when it reads cleanly, else a guess.

    Never raises; undecodable bytes become U+FFFD. Line ends become ``\\n`` and
    control characters (other than newline and tab) are removed.
    """
    codec = _codec(charset)
    text: str | None = None
    if codec in _AS_CP1252:
        # Text that is valid UTF-8 with non-ASCII in it was mislabelled: Latin-1
        # prose almost never forms UTF-8 sequences by chance.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    elif codec is not None and codec not in {"utf-8", "utf-8-sig"}:
        try:
            text = data.decode(codec)
        except (UnicodeError, ValueError, LookupError):
            text = None
    if text is None:
        text = _guess(data)
    return clean_text(text)


def clean_text(text: str) -> str:
    """``text`` with ``\\n`` line ends, NFC-composed, without control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROLS.sub("", text))
