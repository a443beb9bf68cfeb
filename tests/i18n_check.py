"""Which messages of the web app's sources are missing from a catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages import pofile
from babel.messages.extract import extract_from_dir

from itsm import i18n

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "src" / "itsm" / "web"
#: The notifications' texts, written in each recipient's language.
NOTIFY = ROOT / "src" / "itsm" / "notify"
#: The mail intake's texts (its answer to strangers, its notes), in the desk's language.
MAIL = ROOT / "src" / "itsm" / "mail"
#: The whole package: the services' error messages (marked ``N_``) are read on pages too.
PACKAGE = ROOT / "src" / "itsm"
# The same map as babel.cfg, relative to the web package.
METHODS = [
    ("**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]


def messages(source: Path) -> dict[str, str]:
    """Every message id under ``source`` -> where it was first found."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(source),
        METHODS,
        options_map={pattern: {"trimmed": "true"} for pattern, _ in METHODS[1:]},
    ):
        # A plural message (ngettext) is one catalogue entry, under its singular id.
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def untranslated(source: Path) -> list[str]:
    """'where: language: message' for each message a catalogue lacks (Spanish must
    translate it; English may leave the English id as it is)."""
    problems = []
    wanted = messages(source)
    for language in i18n.LANGUAGES:
        with i18n.catalogue_source(language).open("rb") as po:
            catalog = pofile.read_po(po, locale=language)
        for msgid, where in sorted(wanted.items()):
            entry = catalog.get(msgid)
            text = entry.string if entry is not None else None
            if isinstance(text, tuple):
                text = text[0]
            if entry is None or entry.fuzzy or (language != "en" and not text):
                problems.append(f"{where}: {language}: {msgid!r}")
    return problems
