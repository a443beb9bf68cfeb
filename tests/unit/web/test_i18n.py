"""The translation catalogues: negotiation, formatting, and no message left untranslated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args
from zoneinfo import ZoneInfo

import pytest
from babel import dates

from itsm import i18n
from itsm.config import load_settings
from itsm.errors import ConfigError
from itsm.i18n import formats
from tests.i18n_check import MAIL, NOTIFY, WEB, messages, untranslated


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("es-ES", "es"),
        ("fr-FR, en;q=0.3, es;q=0.7", "es"),
        ("de, fr", None),
        ("en;q=0, es;q=0.1", "es"),
        ("*", None),
        (";;q=x,,", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_picks_a_shipped_language(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_the_users_language_wins_then_the_browsers_then_the_setting() -> None:
    assert i18n.choose(user_language="en", accept_language="es", default="es") == "en"
    assert i18n.choose(user_language=None, accept_language="en-GB", default="es") == "en"
    assert i18n.choose(user_language="xx", accept_language="de", default="en") == "en"


def test_the_setting_accepts_only_shipped_languages() -> None:
    assert load_settings(language="en").language == "en"
    with pytest.raises(ConfigError, match="unknown language 'fr'; allowed: es, en"):
        load_settings(language="fr")


def test_dates_and_numbers_follow_the_language_in_the_configured_zone() -> None:
    moment = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    madrid = ZoneInfo("Europe/Madrid")
    with i18n.activated("es"):
        assert formats.when(moment, zone=madrid) == "7/12/26, 9:30 CET"
        assert formats.number(12345.5) == "12.345,5"
        assert formats.ago(moment - timedelta(hours=3), now=moment) == "hace 3 horas"
    with i18n.activated("en"):
        assert formats.when(moment, zone=madrid) == "12/7/26, 9:30\u202fAM CET"
        assert formats.number(1234.5) == "1,234.5"
        assert formats.ago(moment + timedelta(days=2), now=moment) == "in 2 days"


def test_a_time_reads_as_babels_own_format_datetime_writes_it() -> None:
    """``when`` applies a pattern built once per language and length: the same text."""
    madrid = ZoneInfo("Europe/Madrid")
    moments = [datetime(2026, m, d, h, 5, 9, tzinfo=UTC) for m, d, h in ((1, 2, 0), (7, 31, 23))]
    for language in i18n.LANGUAGES:
        with i18n.activated(language):
            for length in get_args(formats.Length):
                for moment in moments:
                    local = moment.astimezone(madrid)
                    babel = dates.format_datetime(local, format=length, locale=language)
                    ours = formats.when(moment, zone=madrid, length=length)
                    assert ours == f"{babel} {local.strftime('%Z')}", (language, length)


def test_each_catalogue_compiles_from_its_source() -> None:
    for language in i18n.LANGUAGES:
        assert i18n.translations(language).info()["language"] == language
    with pytest.raises(ValueError, match="unknown language"):
        i18n.translations("fr")


def test_every_message_of_the_web_app_is_in_both_catalogues() -> None:
    assert untranslated(WEB) == []


def test_every_notification_text_is_in_both_catalogues() -> None:
    assert messages(NOTIFY)  # the extractor finds the texts: the check below means something
    assert untranslated(NOTIFY) == []


def test_every_mail_intake_text_is_in_both_catalogues() -> None:
    assert messages(MAIL)
    assert untranslated(MAIL) == []


def test_a_message_missing_from_the_catalogues_is_reported(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        "<p>{{ _('A sentence nobody translated') }}</p>\n"
        "<p>{% trans %}Another one{% endtrans %}</p>\n",
        encoding="utf-8",
    )
    (tmp_path / "route.py").write_text("from itsm.i18n import _\n_('From a route')\n")
    assert set(messages(tmp_path)) == {
        "A sentence nobody translated",
        "Another one",
        "From a route",
    }
    found = untranslated(tmp_path)
    assert len(found) == 6  # three messages, two catalogues
    assert any("page.html:1: es: 'A sentence nobody translated'" in line for line in found)
