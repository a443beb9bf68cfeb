"""A reply's own words, without the history and signature mail clients add below."""

from __future__ import annotations

import pytest

from itsm.mail.quoting import is_forward, reply_text
from tests.unit.mail.corpus import parsed


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        ("reply-gmail-es", "Ya funciona, muchas gracias."),
        (
            "reply-gmail-en",
            "It still drops after an hour, see the log below:\n  14:02 tunnel closed",
        ),
        ("reply-outlook-es", "Sigue sin imprimir en A3. Adjunto foto mañana.\n\nSaludos"),
        ("reply-outlook-en", "Thursday works for me.\n\nMary Jones\nFinance"),
        ("reply-all-cc", "A mí también me pasa en el puesto 4."),
        ("reply-outlook-html-es", "Ya está, gracias.\n\nCarmen"),
    ],
)
def test_corpus_replies(name: str, reply: str) -> None:
    mail = parsed(name)
    assert mail.reply_text == reply
    assert mail.text.startswith(reply)
    assert len(mail.text) > len(reply)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Hecho.\n\nEnviado desde mi iPhone", "Hecho."),
        ("Done.\n\nSent from my Galaxy", "Done."),
        ("Done.\n\nGet Outlook for Android", "Done."),
        ("Hecho.\n\nEnviado desde Correo para Windows", "Hecho."),
        ("Hecho.\n\nEnviado desde mi smartphone Samsung Galaxy.", "Hecho."),
        ("Hecho.\n-- \nJuan\nTel. 600", "Hecho."),
        ("Hecho.\n--\nJuan", "Hecho."),
        (
            "OK.\n\n-----Original Message-----\nFrom: A\nSent: Monday\nTo: B\nSubject: x\n\nold",
            "OK.",
        ),
        ("Sí.\n\nDe: Soporte <s@x>\nEnviado: lunes\nPara: Ana\nAsunto: RE: x\n\nviejo", "Sí."),
        ("Sí.\n\n*From:* S <s@x>\n*Sent:* Monday\n*To:* A\n\nold", "Sí."),
        ("Ok\n\nOn 7 Dec 2026, at 10:00, Help <h@x> wrote:\n\n> old", "Ok"),
        (
            "Mi pregunta:\n> ¿cuándo?\nEl jueves.\n> ¿dónde?\nAquí.",
            "Mi pregunta:\nEl jueves.\nAquí.",
        ),
        # A reply that is all quote keeps everything rather than nothing.
        ("> solo cita\n> nada más", "> solo cita\n> nada más"),
        ("-- \nsolo firma", "-- \nsolo firma"),
        # Ordinary words that look like headers are not headers.
        (
            "De: nada, ha sido un placer.\nEl equipo ya va.",
            "De: nada, ha sido un placer.\nEl equipo ya va.",
        ),
        (
            "From: the logs it looks like DNS.\nSent: twice.",
            "From: the logs it looks like DNS.\nSent: twice.",
        ),
        ("El lunes te llamo.\nGracias", "El lunes te llamo.\nGracias"),
        ("Use -- as the separator in the CLI.", "Use -- as the separator in the CLI."),
    ],
)
def test_reply_text(text: str, reply: str) -> None:
    assert reply_text(text) == reply


@pytest.mark.parametrize(
    ("subject", "forward"),
    [
        ("Fwd: x", True),
        ("FW: x", True),
        ("RV: [TKT-20261207-0001] x", True),
        ("TR: x", True),
        ("Re: Fwd: x", True),
        ("Re: x", False),
        ("Fw something", False),
        ("Trabajo: x", False),
        ("", False),
    ],
)
def test_is_forward(subject: str, forward: bool) -> None:
    assert is_forward(subject) is forward


def test_long_lines_stay_fast() -> None:
    line = "On " + "x " * 200_000
    text = "\n".join([line] * 5) + "\nwrote:"
    assert reply_text(text) == text
