"""A reply's own words: quoted history, signatures and "Sent from my phone" removed.

Written here rather than taken from mail-parser-reply: that library's Spanish is
marked untested and misses Outlook's Spanish "-----Mensaje original-----" header
block ("Enviado el:"); the few patterns below are the ones our users' clients write
(Gmail, Outlook, Apple Mail, in Spanish and English). The rule that matters most:
when stripping would leave nothing, the text is kept whole.
"""

from __future__ import annotations

import re

# "-----Original Message-----", "-----Mensaje original-----".
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:original message|mensaje original|message d'origine)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# Outlook's header block: "From:" / "De:" then "Sent:" / "Enviado:" / "Date:" / "Fecha:"...
_FROM = re.compile(r"^\s*\*?(?:from|de)\s*:\*?\s*\S", re.IGNORECASE)
_SENT = re.compile(r"^\s*\*?(?:sent|enviado(?: el)?|date|fecha)\s*:\*?\s*\S", re.IGNORECASE)
_TO_OR_SUBJECT = re.compile(r"^\s*\*?(?:to|para|subject|asunto|cc)\s*:", re.IGNORECASE)
# Outlook on the web draws a line of underscores above that block.
_RULE = re.compile(r"^\s*_{10,}\s*$")
# Gmail / Apple Mail: "On <date>, <who> wrote:" / "El <fecha>, <quien> escribió:".
_ON = re.compile(r"^\s*(?:on|el)\s", re.IGNORECASE)
_WROTE = re.compile(r"(?:wrote|escribió|escribio)\s*:\s*$", re.IGNORECASE)
# The signature delimiter "-- " (many clients drop its trailing space).
_SIGNATURE = re.compile(r"^--\s?$")
# Phones' and apps' own signatures; "Enviado desde el almacén ..." is prose.
_SENT_FROM = re.compile(
    r"^\s*(?:(?:sent from|enviado desde)\s+(?:my|mi|outlook|mail|correo|yahoo|samsung)\b"
    r"|(?:get outlook for|obtener outlook para)\s).{0,60}$",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"^\s*>")
# Forwards keep their body: the forwarded message is what the sender means to send.
_FORWARD = re.compile(r"^\s*(?:(?:re|aw|rv|sv)\s*:\s*)*(?:fwd?|rv|tr|enc|wg)\s*:", re.IGNORECASE)
# Header lines are short; longer lines are never looked at twice.
_HEADER_LINE_MAX = 300


def is_forward(subject: str) -> bool:
    """Whether ``subject`` says the mail forwards another ("Fwd:", "RV:", "TR:", ...)."""
    return bool(_FORWARD.match(subject))


def _wrote_header(lines: list[str], index: int) -> bool:
    if not _ON.match(lines[index]):
        return False
    # Gmail wraps a long "On ... wrote:" over two or three lines.
    joined = ""
    for line in lines[index : index + 3]:
        if len(line) > _HEADER_LINE_MAX:
            return False
        joined = f"{joined} {line.strip()}"
        if _WROTE.search(joined):
            return True
    return False


def _outlook_header(lines: list[str], index: int) -> bool:
    if len(lines[index]) > _HEADER_LINE_MAX or not _FROM.match(lines[index]):
        return False
    following = lines[index + 1 : index + 6]
    return any(_SENT.match(line) for line in following[:3]) and any(
        _TO_OR_SUBJECT.match(line) for line in following
    )


def _cut_at(lines: list[str]) -> int:
    """Index of the first line of the quoted history or signature; ``len(lines)`` if none."""
    for index, line in enumerate(lines):
        if _ORIGINAL.match(line) or _SIGNATURE.match(line) or _SENT_FROM.match(line):
            return index
        if _wrote_header(lines, index):
            return index
        if _outlook_header(lines, index):
            above = index - 1
            while above >= 0 and not lines[above].strip():
                above -= 1
            return above if above >= 0 and _RULE.match(lines[above]) else index
    return len(lines)


def reply_text(text: str) -> str:
    """``text`` without the quoted history, ``>`` lines and signature below the reply.

    When nothing would be left, ``text`` itself (stripped) is the reply.
    """
    lines = text.split("\n")
    kept = [line for line in lines[: _cut_at(lines)] if not _QUOTED.match(line)]
    reply = "\n".join(kept).strip()
    return reply or text.strip()
