"""Headers, bodies and attachments of the corpus messages, as the intake sees them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itsm.mail.parse import TEXT_MAX_CHARS, Address, MalformedMail, parse
from tests.unit.mail.corpus import LIMIT, names, parsed, raw


@pytest.mark.parametrize("name", [n for n in names() if n != "no-from"])
def test_every_corpus_message_parses(name: str) -> None:
    mail = parsed(name)
    assert mail.sender.email
    assert mail.text
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject


def test_plain_message_headers() -> None:
    mail = parsed("es-utf8-8bit")
    assert mail.message_id == "utf8-8bit@mail.example.es"
    assert mail.sender == Address(name="Ángela Muñoz", email="angela.munoz@example.es")
    assert mail.to == (Address(name="Soporte", email="soporte@example.com"),)
    assert mail.cc == ()
    assert mail.reply_to == ()
    assert mail.date == datetime(2026, 12, 7, 8, 15, tzinfo=UTC)
    assert mail.ticket_number is None
    assert mail.in_reply_to == ()
    assert mail.references == ()
    assert mail.attachments == ()
    assert not mail.automatic


def test_reply_threading_headers() -> None:
    mail = parsed("reply-gmail-es")
    assert mail.ticket_number == "TKT-20261207-0001"
    assert mail.in_reply_to == ("ticket-1-2@itsm.example.com",)
    assert mail.references == ("ticket-1-1@itsm.example.com", "ticket-1-2@itsm.example.com")
    assert mail.date == datetime(2026, 12, 7, 10, 2, 3, tzinfo=UTC)


def test_reply_all_with_cc() -> None:
    mail = parsed("reply-all-cc")
    assert mail.sender.email == "pedro.ruiz@example.es"
    assert [a.email for a in mail.to] == ["soporte@example.com", "ana.garcia@example.es"]
    # A comma inside a quoted name does not split the address; case folds to one address.
    assert mail.cc == (
        Address(name="Jefe, Sala", email="jefe.sala@example.es"),
        Address(name="", email="soporte@example.com"),
    )
    assert mail.reply_to == (Address(name="Pedro Ruiz", email="pedro+tickets@example.es"),)
    assert mail.in_reply_to == ("plain@mail.example.es",)
    assert mail.ticket_number is None
    assert mail.reply_text == "A mí también me pasa en el puesto 4."


def test_encoded_name_with_a_comma() -> None:
    mail = parsed("reply-outlook-es")
    assert mail.sender == Address(name="Pérez, Luis", email="lperez@example.es")


def test_ticket_tag_anywhere_in_the_subject_any_case() -> None:
    mail = parsed("ticket-tag")
    assert mail.ticket_number == "TKT-20261207-0001"
    assert mail.subject == "Otra cosa [tkt-20261207-0001] del ordenador"
    assert mail.date == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)


def test_forward_keeps_its_body_and_has_no_threading() -> None:
    mail = parsed("forward-rv")
    assert mail.reply_text == mail.text
    assert "La fuente nueva llega el jueves." in mail.reply_text
    assert mail.in_reply_to == ()
    assert mail.references == ()
    assert not mail.automatic


def test_html_only_becomes_readable_text() -> None:
    assert parsed("html-only").text == (
        "Hola equipo,\n\nLa VPN se corta cada hora.\nPasa desde el lunes.\n\n"
        "- Portátil: Dell 5420\n- Sistema: Windows 11\n\n1. Conectar\n2. Esperar\n\n"
        "Más detalles en la intranet (https://intranet.example.es/vpn?x=1&y=2).\n\n"
        "Usuario lmartin\n\nUn saludo,\nLuis"
    )


def test_alternative_prefers_plain_text_and_attaches_nothing() -> None:
    mail = parsed("alternative")
    assert mail.text == "La impresora de la 2ª planta atasca el papel."
    assert mail.attachments == ()


def test_attachments_decoded_and_named_safely() -> None:
    mail = parsed("attachments")
    assert mail.text == "Adjunto captura del error y la factura."
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("captura.png", "image/png"),
        ("factura nº 7.pdf", "application/pdf"),  # RFC 2231
        ("informe año.txt", "application/octet-stream"),  # RFC 2047 inside the parameter
        ("evil.txt", "text/plain"),  # no directories, no control characters
    ]
    png, pdf, report, evil = mail.attachments
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert pdf.data.startswith(b"%PDF-1.4")
    assert pdf.data.endswith(b"%%EOF\n")
    assert report.data == b"linea 1\n"
    assert evil.data == b"root:x:0:0"


def test_inline_image_is_an_attachment_and_the_html_twin_is_not() -> None:
    mail = parsed("inline-image")
    assert mail.text == "Mirad la pantalla azul: [image: pantallazo]"
    assert len(mail.attachments) == 1
    image = mail.attachments[0]
    assert image.content_type == "image/png"
    assert image.filename == "attachment-1.png"
    assert image.data.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["autoreply", "bulk", "bounce"])
def test_automatic_mail(name: str) -> None:
    assert parsed(name).automatic


def test_bounce_reads_its_notice() -> None:
    mail = parsed("bounce")
    assert mail.sender.email == "mailer-daemon@mx.example.com"
    assert mail.text.startswith("This is the mail system at host mx.example.com.")


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-generated",
        "Auto-Submitted: auto-replied; owner-email=x@example.com",
        "Precedence: junk",
        "Precedence: list",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "X-Auto-Response-Suppress: DR, All",
        "List-Id: <news.example.com>",
        "List-Unsubscribe: <mailto:unsub@example.com>",
        "Return-Path: <>",
    ],
)
def test_automatic_headers(header: str) -> None:
    message = f"From: a@example.com\r\n{header}\r\nSubject: x\r\n\r\nbody\r\n".encode()
    assert parse(message, max_bytes=LIMIT).automatic


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: no",
        "Precedence: first-class",
        "Return-Path: <a@example.com>",
        "X-Auto-Response-Suppress: OOF, AutoReply",
        "X-Other: 1",
    ],
)
def test_person_headers(header: str) -> None:
    message = f"From: a@example.com\r\n{header}\r\nSubject: x\r\n\r\nbody\r\n".encode()
    assert not parse(message, max_bytes=LIMIT).automatic


def test_header_injection_is_one_line() -> None:
    mail = parsed("header-injection")
    assert mail.subject == "Hola Bcc: victima@example.com cuerpo"
    assert mail.sender == Address(name="Eve Bcc: x@evil.example", email="eve@example.com")
    assert mail.text == "texto"


def test_no_from_is_malformed() -> None:
    with pytest.raises(MalformedMail, match=r"^no usable sender address in From$"):
        parse(raw("no-from"), max_bytes=LIMIT)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc@x.example>", "abc@x.example"),
        ("  <abc@x.example>  (comment)", "abc@x.example"),
        ("abc@x.example", "abc@x.example"),
        ("<a b@x>", None),
        ("garbage with spaces", None),
        ("<>", None),
        ("<" + "a" * 300 + "@x>", "a" * 300 + "@x"),  # stored hashed, still an id
        ("<" + "a" * 1000 + "@x>", None),  # over a header line: garbage
    ],
)
def test_message_id_normalised(value: str, expected: str | None) -> None:
    message = f"From: a@example.com\r\nMessage-ID: {value}\r\n\r\nbody\r\n".encode()
    assert parse(message, max_bytes=LIMIT).message_id == expected


def test_references_deduplicated_bare_ids_and_capped() -> None:
    ids = " ".join(f"<m{n}@x>" for n in range(150))
    message = (
        f"From: a@example.com\r\nIn-Reply-To: m9@x\r\nReferences: {ids} <m3@x>\r\n\r\nbody\r\n"
    ).encode()
    mail = parse(message, max_bytes=LIMIT)
    assert mail.in_reply_to == ("m9@x",)
    assert len(mail.references) == 100
    assert mail.references[0] == "m0@x"
    assert mail.references[-1] == "m149@x"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 7 Dec 2026 10:00:00 +0100", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
        ("Mon, 7 Dec 2026 10:00:00 -0000", datetime(2026, 12, 7, 10, 0, tzinfo=UTC)),
        ("7 Dec 2026 10:00 GMT", datetime(2026, 12, 7, 10, 0, tzinfo=UTC)),
        ("yesterday", None),
        ("Mon, 7 Dec 99999 10:00:00 +0100", None),
    ],
)
def test_date(value: str, expected: datetime | None) -> None:
    message = f"From: a@example.com\r\nDate: {value}\r\n\r\nbody\r\n".encode()
    assert parse(message, max_bytes=LIMIT).date == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ana <ANA@Example.ES>", Address(name="Ana", email="ana@example.es")),
        ("bad, <ok@x.example>", Address(name="", email="ok@x.example")),
        ("<u@xn--and-6ma2c.es>", Address(name="", email="u@ñandú.es")),
        ("Undisclosed recipients:;, real@x.example", Address(name="", email="real@x.example")),
    ],
)
def test_first_usable_sender(value: str, expected: Address) -> None:
    message = f"From: {value}\r\n\r\nbody\r\n".encode()
    assert parse(message, max_bytes=LIMIT).sender == expected


@pytest.mark.parametrize("value", ["", "nobody", "<>", "Ana <ana@>", "@x.example", "a@xn--zz.es"])
def test_unusable_sender(value: str) -> None:
    with pytest.raises(MalformedMail, match="no usable sender"):
        parse(f"From: {value}\r\n\r\nbody\r\n".encode(), max_bytes=LIMIT)


def test_forward_as_attachment_is_one_eml_file() -> None:
    mail = parsed("forward-attached")
    assert mail.text == "Os reenvío el aviso que recibí anoche."
    (forwarded,) = mail.attachments
    assert forwarded.filename == "Copia fallida - día 7.eml"
    assert forwarded.content_type == "message/rfc822"
    inner = parse(forwarded.data, max_bytes=LIMIT)
    assert inner.sender.email == "backup@nas.example.es"
    assert inner.text == "La copia de seguridad ha fallado: disco lleno."


def test_text_split_around_an_inline_image_is_one_body() -> None:
    mail = parsed("apple-split")
    assert mail.text == "Mirad la foto:\n\nLa grieta está en la esquina.\n\nEnviado desde mi iPad"
    assert mail.reply_text == "Mirad la foto:\n\nLa grieta está en la esquina."
    (photo,) = mail.attachments
    assert photo.filename == "foto.png"
    assert photo.data.startswith(b"\x89PNG")


def test_raw_utf8_headers() -> None:
    """RFC 6532: headers in UTF-8 without encoded words."""
    mail = parsed("utf8-headers")
    assert mail.sender == Address(name="Íñigo Peña", email="inigo.pena@ñandú.example")
    assert mail.to == (Address(name="Soporte, Área TI", email="soporte@example.com"),)
    assert mail.subject == "Contraseña caducada — urgente"


def test_body_text_is_capped() -> None:
    body = ("línea de registro\r\n" * 20_000).encode()
    message = b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    mail = parse(message, max_bytes=len(message))
    assert len(mail.text) == TEXT_MAX_CHARS
    assert mail.text.startswith("línea de registro\nlínea")


def test_html_body_is_capped_before_conversion() -> None:
    html = "<p>" + "<b>texto</b> " * 100_000 + "</p>"
    message = b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n" + html.encode()
    mail = parse(message, max_bytes=len(message), max_text_chars=1000)
    assert len(mail.text) == 1000
    assert mail.text.startswith("texto texto")


def test_caller_text_limit() -> None:
    message = b"From: a@example.com\r\n\r\n" + b"x" * 5000
    assert parse(message, max_bytes=LIMIT, max_text_chars=10).text == "x" * 10


def test_attachment_names_from_every_place_senders_put_them() -> None:
    parts = [
        "Content-Type: text/plain\r\n\r\nhola",
        # Content-Type's name only, RFC 2231 encoded.
        "Content-Type: application/pdf; name*=utf-8''factura%20n%C2%BA.pdf\r\n\r\nx",
        # A disposition the standard parser crashes on, with an RFC 2047 name.
        'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="=?utf-8?q?a=C3=B1o.pdf?="; x*\r\n\r\ny',  # noqa: E501
        # RFC 2231 continuations.
        "Content-Type: application/pdf; name*0*=utf-8''fac; name*1*=%C2%BA.pdf\r\n\r\nz",
        # No name at all: one made from the type.
        "Content-Type: application/pdf\r\nContent-Disposition: attachment\r\n\r\nw",
    ]
    body = "".join(f"--B\r\n{part}\r\n" for part in parts) + "--B--\r\n"
    message = f"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n{body}"
    mail = parse(message.encode(), max_bytes=LIMIT)
    assert mail.text == "hola"
    assert [a.filename for a in mail.attachments] == [
        "factura nº.pdf",
        "año.pdf",
        "facº.pdf",
        "attachment-4.pdf",
    ]


def test_address_lists_are_capped() -> None:
    many = ", ".join(f"u{n}@example.com" for n in range(500))
    message = f"From: a@example.com\r\nTo: {many}\r\n\r\nbody\r\n".encode()
    to = parse(message, max_bytes=LIMIT).to
    assert len(to) == 200
    assert to[-1].email == "u199@example.com"


def test_message_id_with_an_invisible_character_is_garbage() -> None:
    message = "From: a@example.com\r\nMessage-ID: <a\u200b@x.example>\r\n\r\nbody\r\n"
    assert parse(message.encode(), max_bytes=LIMIT).message_id is None


def test_mailer_daemon_alone_is_automatic() -> None:
    message = b"From: MAILER-DAEMON@mx.example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(message, max_bytes=LIMIT).automatic
