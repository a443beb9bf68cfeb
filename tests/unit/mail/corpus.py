"""The test messages under tests/data/mail/, read by name."""

from __future__ import annotations

from pathlib import Path

from itsm.mail.parse import ParsedMail, parse

CORPUS = Path(__file__).resolve().parents[2] / "data" / "mail"
#: A limit every corpus message is well under.
LIMIT = 1_000_000


def raw(name: str) -> bytes:
    return (CORPUS / f"{name}.eml").read_bytes()


def parsed(name: str) -> ParsedMail:
    return parse(raw(name), max_bytes=LIMIT)


def names() -> list[str]:
    return sorted(path.stem for path in CORPUS.glob("*.eml"))
