"""Broken, oversized and random mail: MalformedMail or a result, never another error."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsm.mail.parse import MalformedMail, ParsedMail, parse
from tests.unit.mail.corpus import LIMIT, names, parsed, raw

TWENTY_MB = 20 * 1024 * 1024


def _big_message() -> bytes:
    """A 20 MB message: a short text and one large attachment, generated here."""
    data = os.urandom(TWENTY_MB * 3 // 4 - 2048)
    return (
        b"From: Ana <ana@example.es>\r\nSubject: Volcado de memoria\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAdjunto el volcado.\r\n"
        b'--B\r\nContent-Type: application/octet-stream; name="volcado.dmp"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(data).replace(b"\n", b"\r\n")
        + b"--B--\r\n"
    )


@pytest.fixture(scope="module")
def big_message() -> bytes:
    return _big_message()


def test_over_the_limit(big_message: bytes) -> None:
    assert len(big_message) >= TWENTY_MB - 4096
    limit = 10 * 1024 * 1024
    with pytest.raises(MalformedMail) as error:
        parse(big_message, max_bytes=limit)
    assert str(error.value) == (
        f"message of {len(big_message)} bytes is over the limit of {limit} bytes"
    )


@pytest.mark.slow
def test_twenty_megabytes_within_the_limit(big_message: bytes) -> None:
    mail = parse(big_message, max_bytes=25 * 1024 * 1024)
    assert mail.text == "Adjunto el volcado."
    (dump,) = mail.attachments
    assert dump.filename == "volcado.dmp"
    assert len(dump.data) == TWENTY_MB * 3 // 4 - 2048


def test_bad_base64_is_mended() -> None:
    mail = parsed("bad-base64")
    assert mail.text == "Hola, el equipo no va"
    assert [a.filename for a in mail.attachments] == ["x.png"]


def test_missing_final_boundary_keeps_what_came() -> None:
    mail = parsed("broken-boundary")
    assert mail.text == "El mensaje se corta aquí"
    (pdf,) = mail.attachments
    assert pdf.data == b"%PDF-1.4\n"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"", "empty message"),
        (b" \r\n\r\n", "empty message"),
        (b"\x00\xff\xfe garbage", "no usable sender address in From"),
        (b"Subject: hola\r\n\r\nbody", "no usable sender address in From"),
    ],
)
def test_not_mail(message: bytes, reason: str) -> None:
    with pytest.raises(MalformedMail) as error:
        parse(message, max_bytes=LIMIT)
    assert str(error.value) == reason


def test_deeply_nested_multipart() -> None:
    depth = 200
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n)
        for n in range(depth)
    )
    message = b"From: a@example.com\r\n" + opening + b"Content-Type: text/plain\r\n\r\nhondo\r\n"
    mail = parse(message, max_bytes=LIMIT)
    assert isinstance(mail, ParsedMail)


def test_many_parts_are_capped() -> None:
    parts = b"".join(
        b"--B\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n" for _ in range(500)
    )
    message = (
        b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        + parts
        + b"--B--\r\n"
    )
    assert len(parse(message, max_bytes=LIMIT).attachments) == 100


def _check(message: bytes) -> None:
    reason = ""
    try:
        mail = parse(message, max_bytes=LIMIT)
    except MalformedMail as error:
        reason = f"{error} ({error.__cause__!r})"
    if reason:
        assert "\n" not in reason.partition(" (")[0]
        # The last-resort catch in parse() is a safety net, not how bad input is met.
        assert not reason.startswith("unreadable message"), reason
        return
    assert "\n" not in mail.subject
    assert "\r" not in mail.text
    assert mail.sender.email == mail.sender.email.lower()
    assert mail.date is None or mail.date.utcoffset() is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes(message: bytes) -> None:
    _check(message)


_CORPUS = {name: raw(name) for name in names()}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(_CORPUS)),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=5000),
            st.integers(min_value=0, max_value=40),
            st.binary(max_size=12)
            | st.sampled_from(
                [
                    *(b"\r\n", b"\r\n\r\n", b"--", b"=?", b"?=", b"=?utf-8?b?", b"<", b">"),
                    *(b";", b'"', b"; name*0*=", b"charset*=", b"; boundary=", b"(", b","),
                    b"\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n",
                    b"\r\nContent-Transfer-Encoding: base64\r\n",
                ]
            ),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_corpus(name: str, edits: list[tuple[int, int, bytes]]) -> None:
    message = bytearray(_CORPUS[name])
    for position, cut, insert in edits:
        at = position % (len(message) + 1)
        message[at : at + cut] = insert
    _check(bytes(message))


@pytest.mark.parametrize(
    "value", ["text/plain; name*", "text/plain; charset*", "text/plain; c*1*=x; c*0*"]
)
def test_content_type_the_standard_parser_crashes_on(value: str) -> None:
    """policy.default raises IndexError reading these; the message still reads."""
    message = f"From: a@example.com\r\nContent-Type: {value}\r\n\r\nhola\r\n".encode()
    assert parse(message, max_bytes=LIMIT).text == "hola"


def test_long_reference_words_stay_fast() -> None:
    word = "a" * 500_000
    message = f"From: a@example.com\r\nReferences: {word} x@y\r\n\r\nbody\r\n".encode()
    assert parse(message, max_bytes=LIMIT).references == ("x@y",)


def test_bidirectional_overrides_removed_from_one_line_values() -> None:
    subject = "=?utf-8?q?Factura_=E2=80=AEfdp.exe?="
    name = "=?utf-8?q?=E2=80=AEnimda?="
    message = f"From: {name} <a@example.com>\r\nSubject: {subject}\r\n\r\nx\r\n".encode()
    mail = parse(message, max_bytes=LIMIT)
    assert mail.subject == "Factura fdp.exe"
    assert mail.sender.name == "nimda"


@pytest.mark.parametrize(
    "header",
    [
        "Subject: " + "=?a?q?" * 200_000,
        "From: " + "=?utf-8?q?a?= " * 100_000 + "<a@example.com>",
        "Content-Type: text/plain" + "; a=b" * 200_000,
        "Content-Type: text/plain" + "".join(f"; n*{i}*=x" for i in range(50_000)),
    ],
)
def test_huge_headers_stay_cheap(header: str) -> None:
    """Decoding words and parsing parameters cost more than linear time in the
    standard library: only a bounded part of a header is read."""
    message = f"From: a@example.com\r\n{header}\r\n\r\nhola\r\n".encode()
    try:
        mail = parse(message, max_bytes=len(message))
    except MalformedMail as error:
        assert str(error) == "no usable sender address in From"  # noqa: PT017
    else:
        assert mail.text == "hola"


def test_long_references_keep_the_latest_ids() -> None:
    ids = " ".join(f"<m{n:05d}@example.com>" for n in range(3000))
    message = f"From: a@example.com\r\nReferences: {ids}\r\n\r\nbody\r\n".encode()
    references = parse(message, max_bytes=LIMIT).references
    assert references[0] == "m00000@example.com"
    assert references[-1] == "m02999@example.com"


@pytest.mark.parametrize(
    "markup",
    ["<a " * 100_000, '<a b="x>' * 40_000, "<!--" * 100_000, "<?" * 100_000, "<![" * 100_000],
)
def test_hostile_html_stays_cheap(markup: str) -> None:
    """html.parser took hours on a few hundred kilobytes of unclosed tags."""
    message = b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n" + markup.encode()
    assert isinstance(parse(message, max_bytes=len(message)), ParsedMail)


@pytest.mark.parametrize(
    "content_type", ["multipart/mixed", 'multipart/mixed; boundary="X"', "multipart/alternative"]
)
def test_multipart_without_parts_reads_as_text(content_type: str) -> None:
    message = f"From: a@example.com\r\nContent-Type: {content_type}\r\n\r\nhola qué tal\r\n"
    mail = parse(message.encode(), max_bytes=LIMIT)
    assert mail.text == "hola qué tal"
    assert mail.attachments == ()
