"""The refusal names the stranger's mail in In-Reply-To as it was, however long its id."""

from __future__ import annotations

from email import message_from_bytes

from itsm.config import Settings
from itsm.mail.answer import refusal


def test_a_long_message_id_is_named_whole_not_as_encoded_words() -> None:
    long_id = "CA" + "x" * 300 + "@mail.gmail.com"
    message = refusal(Settings(), to="zoe@elsewhere.net", subject="hola", message_id=long_id)
    raw = message.as_bytes()
    assert b"=?utf-8?" not in raw
    read = message_from_bytes(raw)
    assert read["In-Reply-To"] == f"<{long_id}>"
    assert read["References"] == f"<{long_id}>"
