"""Spanish mail reads right in every charset and transfer encoding senders use."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.mail.charsets import decode_text
from tests.unit.mail.corpus import parsed

SENTENCE = "Costó 1.200 € y tiene «garantía» hasta el año que viene — ¿podéis revisarlo?"


@pytest.mark.parametrize(
    "name",
    [
        "es-utf8-8bit",
        "es-utf8-qp",
        "es-utf8-base64",
        "es-cp1252-base64",
        "es-unknown-charset",
        "es-undeclared-cp1252",
    ],
)
def test_spanish_body_and_subject(name: str) -> None:
    mail = parsed(name)
    assert SENTENCE in mail.text
    assert mail.text.startswith("Buenos días:\n\nEl ordenador de recepción no enciende")
    assert mail.subject == "Ordenador de recepción"
    assert mail.sender.name == "Ángela Muñoz"


@pytest.mark.parametrize("name", ["es-latin1-qp", "es-latin1-8bit"])
def test_latin1(name: str) -> None:
    mail = parsed(name)
    assert "Costó 1.200 EUR y tiene «garantía» hasta el año que viene - ¿podéis" in mail.text
    assert mail.text.endswith("Gracias,\nÁngela Muñoz")


def test_latin1_label_on_windows_1252_bytes() -> None:
    """Declared ISO-8859-1, written by Windows: €, “ ” and — are what was meant."""
    mail = parsed("es-mislabeled-latin1")
    assert "Costó 1.200 € y tiene “garantía” hasta el año que viene — ¿podéis" in mail.text
    assert not any("\x80" <= ch <= "\x9f" for ch in mail.text)


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("año €".encode("cp1252"), "iso-8859-1", "año €"),
        ("año €".encode("cp1252"), "us-ascii", "año €"),
        ("año €".encode(), "iso-8859-1", "año €"),  # UTF-8 labelled Latin-1
        ("año €".encode(), None, "año €"),
        ("AÑO“".encode("cp1252"), "iso-8859-1", "AÑO“"),  # D1 93 looks like UTF-8: is not
        ("año".encode("latin-1"), "utf-8", "año"),  # mislabelled UTF-8: no UTF-8 sequence at all
        ("año €".encode(), "x-unknown", "año €"),
        ("año".encode("latin-1"), "base64", "año"),  # a codec that is no text encoding
        ("año".encode("latin-1"), '"iso-8859-1"', "año"),
        ("grüße".encode("iso-8859-15"), "ISO-8859-15", "grüße"),
        ("año\r\nfin\rx\x00\x1b[31m".encode(), "utf-8", "año\nfin\nx[31m"),
        (b"ok \x81 \x8d", "windows-1252", "ok \ufffd \ufffd"),
        ("a\u0301".encode(), "utf-8", "á"),
    ],
)
def test_decode_text(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_text(data, charset) == expected


@settings(deadline=None)  # a loaded CI machine must not fail a fast check
@given(
    st.binary(max_size=300), st.sampled_from([None, "utf-8", "iso-8859-1", "utf-16", "bogus", ""])
)
def test_decode_text_never_raises(data: bytes, charset: str | None) -> None:
    text = decode_text(data, charset)
    assert "\r" not in text
    assert "\x00" not in text
