"""Every error a person can read on a page has a message id with named parameters, in
both catalogues; the CLI and the API keep the English rendering."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re

import pytest
from babel.messages import pofile

import itsm
from itsm import i18n
from itsm.errors import N_, Counted, InvalidInput, ItsmError, Phrase
from itsm.tickets.transfer import ImportRejected
from itsm.users.errors import LastAdmin
from itsm.web.error_texts import error_text
from tests.i18n_check import PACKAGE, messages, untranslated

#: Modules whose errors only the CLI, the configuration, the mail intake (its log) or the
#: diagnostics agent show: no page reads them, so their messages stay English.
ENGLISH_ONLY = (
    "cli/",
    "mail/",
    "config.py",
    "db/",
    "logs.py",
    "extras.py",
    "i18n/",
    "integrations/",
    "api/routers/",
    "api/metrics.py",
    "sla/calendar_config.py",
    "sla/config.py",
    "notify/config.py",
    "notify/email_channel.py",
    *(
        f"diagnostics/{name}"
        for name in (
            "config",
            "report",
            "sending",
            "spool",
            "remote",
            "probes",
            "debounce",
            "collect",
            "rules",
            "findings",
            "agent",
        )
    ),
)
PARAMETER = re.compile(r"%\((\w+)\)")


def _error_classes() -> dict[str, type[ItsmError]]:
    found: dict[str, type[ItsmError]] = {}
    for module in pkgutil.walk_packages(itsm.__path__, "itsm."):
        if ".migrations" in module.name:
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if inspect.isclass(value) and issubclass(value, ItsmError):
                found[value.__name__] = value
    return found


def _takes_template(error: type[ItsmError]) -> bool:
    """Whether the class is built from a template (else its own ``__init__`` words it)."""
    return "template" in inspect.signature(error.__init__).parameters


def _marked(node: ast.expr) -> bool:
    """``N_("literal")``, or a template handed on (``exc.template``, ``template``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "template"
    if isinstance(node, ast.Name):
        return node.id == "template"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "N_"
        and isinstance(node.args[0], ast.Constant)
    )


def _unmarked_constructions() -> list[str]:
    classes = _error_classes()
    templated = {name for name, error in classes.items() if _takes_template(error)}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if "migrations/" in relative or relative.startswith(ENGLISH_ONLY):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            super_init = name == "__init__" and isinstance(func, ast.Attribute)
            if (name in templated or super_init) and not _marked(node.args[0]):
                if super_init and not isinstance(node.args[0], ast.Constant | ast.JoinedStr):
                    continue  # a parameter handed on (``template``), checked where it is given
                found.append(f"{relative}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_every_error_a_page_can_show_is_built_from_a_marked_template() -> None:
    assert _unmarked_constructions() == []


def test_every_error_template_is_in_both_catalogues() -> None:
    found = messages(PACKAGE)
    assert (
        "cannot change status from %(current)s to %(target)s; allowed from %(current)s: %(allowed)s"
        in found
    )
    assert untranslated(PACKAGE) == []


def test_each_translation_keeps_the_parameters_of_its_template() -> None:
    with i18n.catalogue_source("es").open("rb") as po:
        catalog = pofile.read_po(po, locale="es")
    for message in catalog:
        if not isinstance(message.id, str) or not isinstance(message.string, str):
            continue  # the header, and plurals (ngettext), which no error uses
        wanted = set(PARAMETER.findall(message.id))
        assert set(PARAMETER.findall(message.string or message.id)) == wanted, message.id


def test_the_english_rendering_is_the_template_with_its_parameters() -> None:
    error = InvalidInput(
        N_("invalid role %(role)r; allowed: %(allowed)s"), role="boss", allowed="a, b"
    )
    assert str(error) == error.message == "invalid role 'boss'; allowed: a, b"
    assert error.params == {"role": "boss", "allowed": "a, b"}
    plain = InvalidInput("100% sure, with no parameters")
    assert str(plain) == "100% sure, with no parameters"


def test_a_page_reads_the_error_in_its_language_with_the_same_details() -> None:
    error = InvalidInput(
        N_("invalid role %(role)r; allowed: %(allowed)s"), role="<b>", allowed="admin, user"
    )
    with i18n.activated("es"):
        assert error_text(error) == "rol no válido '<b>'; permitidos: admin, user"
    with i18n.activated("en"):
        assert error_text(error) == "invalid role '<b>'; allowed: admin, user"
    refused = ItsmError(
        N_("only technicians and admins may %(what)s"), what=Phrase("merge tickets")
    )
    with i18n.activated("es"):
        assert (
            error_text(refused)
            == "solo los técnicos y los administradores pueden fusionar incidencias"
        )
    assert str(refused) == "only technicians and admins may merge tickets"


def test_a_translation_that_lost_a_parameter_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = LastAdmin(
        N_(
            "%(username)r is the last active admin and cannot be made %(role)s; make "
            "another user admin first"
        ),
        username="root",
        role="user",
    )
    monkeypatch.setattr(i18n, "gettext", lambda message: "%(nombre)s no")
    assert error_text(error) == error.message


def test_each_door_names_its_own_way_to_skip_invalid_rows() -> None:
    rejected = ImportRejected(
        N_("%(rows)s; nothing imported (use %(skip_invalid)s to import the valid ones)"),
        [],
        2,
        rows="2 invalid rows",
    )
    assert "--skip-invalid" not in rejected.message
    cli = rejected.fill(skip_invalid="--skip-invalid")
    assert (
        str(cli) == "2 invalid rows; nothing imported (use --skip-invalid to import the valid ones)"
    )
    assert cli.args == (cli.message,)


def test_a_count_in_a_message_agrees_with_its_number_in_each_language() -> None:
    closed = ItsmError(
        N_("closed %(age)s ago"),
        age=Counted(14, N_("%(num)s day"), N_("%(num)s days")),
    )
    assert str(closed) == "closed 14 days ago"
    one = Counted(1, N_("%(num)s day"), N_("%(num)s days"))
    assert one == "1 day"
    with i18n.activated("es"):
        assert error_text(("%(age)s", {"age": closed.params["age"]})) == "14 días"
        assert error_text(("%(age)s", {"age": one})) == "1 día"
    assert Counted(0.5, N_("%(num)s day"), N_("%(num)s days")) == "0.5 days"
