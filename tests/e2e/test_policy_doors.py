"""One decision per (role, action), whichever door: the service, the API, the CLI.

For each action of the accounts (tokens, passwords), users, inventory, knowledge
base, diagnostics and tickets domains and each role, the service called directly with the
role's principal (as the token lookup gives it), the API over real HTTP with the
role's token and the ``itsm`` command (``--as`` the role's user; a report is sent
with ``diag run --server`` and the role's token) must all allow it, or all refuse it
with the same error and the same words. The web app's ticket pages and forms (a
person logged in with their password; the page speaks their language, so only the
kind of refusal is compared) must decide alike too, and never show an end user an
internal note. The allowed roles are written down too, so
the test also says what the policy is. SQLite and PostgreSQL.

The command runs in this process (the console script's ``main``, on the same
database and server), except for the actions in ``IN_A_PROCESS``, which run the
installed ``itsm`` in a subprocess for every role: one process per case made the
matrix most of the suite's time, and the process itself is tested elsewhere.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from itsm.accounts import password_change, reactivation
from itsm.accounts import service as accounts
from itsm.accounts.models import TokenKind, TokenScope
from itsm.accounts.policy import require_person
from itsm.accounts.principal import Principal
from itsm.accounts.schemas import TokenCreate
from itsm.cli.exit import BY_KIND, ExitStatus
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.diagnostics import service as diagnostics
from itsm.diagnostics.autoticket import policy_from
from itsm.diagnostics.report import HostIdentity, Report
from itsm.diagnostics.severity import Severity
from itsm.errors import ErrorKind, ItsmError
from itsm.inventory import service as inventory
from itsm.inventory.models import AssetStatus, AssetType
from itsm.inventory.schemas import AssetCreate
from itsm.kb import service as kb
from itsm.kb.schemas import ArticleCreate, ArticleInput, ArticleUpdate
from itsm.tickets import access, creation, watchers
from itsm.tickets import service as tickets
from itsm.tickets.models import Category, Source, Status
from itsm.tickets.schemas import (
    CommentCreate,
    TicketCreate,
    TicketFilters,
    TicketOpen,
    TicketUpdate,
)
from itsm.users import service as users
from itsm.users.schemas import UserCreate, UserUpdate
from tests import pg
from tests.conftest import BACKENDS
from tests.e2e.cli import Cli, Result, describe, make_env
from tests.e2e.diag.conftest import HIGH_DISK
from tests.e2e.web.support import Browser
from tests.live_server import Api, live_api, scopes_for

ROLES = ("admin", "technician", "user", "agent")
PEOPLE = frozenset({"admin", "technician", "user"})
ADMIN = frozenset({"admin"})
STAFF = frozenset({"admin", "technician"})
PASSWORD = "doors-Passw0rd-2026"  # a test account's password
INTERNAL_NOTE = "DOORS-INTERNAL-NOTE"  # on the end user's ticket: staff only

_KIND_BY_STATUS = {
    401: ErrorKind.UNAUTHENTICATED,
    403: ErrorKind.FORBIDDEN,
    404: ErrorKind.NOT_FOUND,
    409: ErrorKind.CONFLICT,
    422: ErrorKind.INVALID,
}
_KIND_BY_EXIT = {status: kind for kind, status in BY_KIND.items()}


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", or the ErrorKind of the refusal
    message: str = ""


OK = Outcome("ok")


@dataclass
class World:
    """One server and one database per backend, seeded with a person per role."""

    api: Api
    cli: Cli
    names: dict[str, str]  # role -> username (the agent token's owner for "agent")
    tokens: dict[str, str]  # role -> bearer token
    other: str  # an end user none of the roles is
    others_token: int  # a token of ``other``'s
    report: int  # a stored report's id
    spools: Path
    leaver: str  # an end user to deactivate (deactivating again changes nothing)
    asset: int  # an inventory item's id
    article: int  # a published knowledge-base article's id
    draft: int  # an unpublished one's
    ids: dict[str, int]  # username -> user id
    mine: int  # a ticket the end user ("user") requested
    theirs: int  # a ticket ``other`` requested
    rated: int  # a ticket of the end user's, resolved again before each door rates it
    own_asset: int  # an inventory item the end user owns
    watched: int  # a ticket ``other`` requested, with the end user copied on it
    fresh: int = 0  # the ticket an action's ``before`` made ready for the next door
    browsers: dict[str, tuple[Browser, str]] = field(default_factory=dict)

    def browser(self, role: str) -> tuple[Browser, str]:
        """The role's person logged in to the web app (once), and their CSRF token."""
        if role not in self.browsers:
            browser = Browser(self.api)
            assert browser.login(self.names[role], PASSWORD).status_code == 303
            self.browsers[role] = (browser, browser.csrf())
        return self.browsers[role]


def _fresh(prefix: str) -> str:
    """A name no earlier call used: every door that may add something adds its own."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _report() -> Report:
    return Report(
        host=HostIdentity(hostname="doors-host", machine_id=uuid.uuid4().hex),
        collected_at=utcnow(),
        duration_seconds=0.5,
        severity=Severity.HEALTHY,
        checks=[],
        probes={},
    )


def _send(s: Session, who: Principal, w: World) -> object:
    cfg = w.api.settings
    return diagnostics.process_reports(
        s,
        submissions=[diagnostics.Submission(_report())],
        zone=cfg.zone,
        policy=policy_from(cfg.diagnostics, cfg.sla),
        sender=who,
    )


def _set_password(s: Session, who: Principal, w: World) -> object:
    change = password_change.begin_change(
        s,
        who=who,
        ref=w.other,
        password=PASSWORD,
        current_password=None,
        address="127.0.0.1",
        rules=w.api.settings.api.login,
    )
    new = password_change.new_password(PASSWORD)
    return password_change.finish_change(s, change=change, proven=True, password=new)


def _import_file(w: World) -> Path:
    """A CSV of one valid ticket, for ``ticket import``."""
    path = w.spools.parent / "import.csv"
    path.write_text("title,category,requester\nImported,other,ana\n", encoding="utf-8")
    return path


def _new_ticket(w: World) -> None:
    """A new open ticket of the end user's as ``w.fresh``: for actions that change
    what they act on for good (a status, a merge, a link)."""
    with w.api.session() as s:
        data = TicketCreate(title="Doors", category=Category.OTHER, requester_id=w.ids["ana"])
        w.fresh = creation.create_ticket(s, data=data, actor=None, zone=w.api.settings.zone).id


def _new_article(w: World) -> None:
    """A new draft article as ``w.fresh``: for an action that removes what it acts on."""
    with w.api.session() as s:
        data = ArticleCreate(
            title="Doomed", body="To delete.", category=Category.OTHER, published=False
        )
        w.fresh = kb.create_article(s, data=data).id


def _resolved_again(w: World) -> None:
    """The end user's ``rated`` ticket as ``w.fresh``, resolved anew: rateable once more."""
    with w.api.session() as s:
        if tickets.get_ticket(s, ref=w.rated).status == Status.RESOLVED:
            tickets.change_status(s, ref=w.rated, status=Status.OPEN, actor=None)
        tickets.change_status(s, ref=w.rated, status=Status.RESOLVED, actor=None, note="Done.")
    w.fresh = w.rated


def _watching_again(w: World) -> None:
    """The end user copied on ``w.watched`` again (an action took them off)."""
    with w.api.session() as s:
        ana = users.get_user(s, ref=w.names["user"])
        watchers.add_watcher(s, ref=w.watched, user=ana, actor=None)


def _person(act: Callable[[Session, Principal, World], object]) -> Callable[..., object]:
    """A ticket action as the API's door runs it: for people only (no agent tokens)."""

    def run(s: Session, who: Principal, w: World) -> object:
        require_person(who)
        return act(s, who, w)

    return run


Fields = Callable[["World"], dict[str, Any]]  # a new ticket's fields beyond title and category


def _open_service(fields: Fields) -> Callable[[Session, Principal, World], object]:
    def run(s: Session, who: Principal, w: World) -> object:
        data = TicketOpen(title="Doors", category=Category.OTHER, **fields(w))
        zone = w.api.settings.zone
        return access.open_ticket(s, data=data, actor=who.user, source=Source.API, zone=zone)

    return _person(run)


def _open_http(fields: Fields) -> Callable[[World, str], Http]:
    return lambda w, role: (
        "POST",
        "/tickets",
        {"json": {"title": "Doors", "category": "other"} | fields(w)},
    )


def _open_cli(*options: str) -> Callable[[World, str], list[str]]:
    return lambda w, role: ["ticket", "create", "Doors", "", "other", *options, "--json"]


Http = tuple[str, str, dict[str, Any]]  # method, path under /api/v1, request options
Web = tuple[str, dict[str, str] | None]  # a page's path: GET it, or POST it this form


def _form(path: Callable[[World], str], **form: str) -> Callable[[World, str], Web]:
    return lambda w, role: (path(w), form)


def _page(path: Callable[[World], str]) -> Callable[[World, str], Web]:
    return lambda w, role: (path(w), None)


@dataclass(frozen=True)
class Action:
    name: str
    allowed: frozenset[str]
    service: Callable[[Session, Principal, World], object]
    http: Callable[[World, str], Http] | None  # None: the API does not offer it
    cli: Callable[[World, str], list[str]] | None  # None: the CLI does not offer it
    # The CLI sends with the role's token (to the API) instead of acting --as the role.
    cli_by_token: bool = False
    cli_input: str | None = None  # the CLI command's standard input
    before: Callable[[World], None] | None = None  # run before each door
    web: Callable[[World, str], Web] | None = None  # None: the web app does not offer it


ACTIONS = [
    Action(
        "create a token of one's own",
        PEOPLE,
        lambda s, who, w: accounts.issue_token(s, who=who, data=TokenCreate(name="mine")),
        lambda w, role: ("POST", "/tokens", {"json": {"name": "mine"}}),
        lambda w, role: ["token", "create", "mine", "--json"],
    ),
    Action(
        "create a token for someone else",
        ADMIN,
        lambda s, who, w: accounts.issue_token(
            s, who=who, data=TokenCreate(name="theirs"), owner_ref=w.other
        ),
        lambda w, role: ("POST", "/tokens", {"json": {"name": "theirs", "user": w.other}}),
        lambda w, role: ["token", "create", "theirs", "--user", w.other, "--json"],
    ),
    Action(
        "create an agent token",
        ADMIN,
        lambda s, who, w: accounts.issue_token(
            s,
            who=who,
            data=TokenCreate(name="agent", kind=TokenKind.AGENT, scopes=[TokenScope.ALERTS]),
        ),
        lambda w, role: (
            "POST",
            "/tokens",
            {"json": {"name": "agent", "kind": "agent", "scopes": ["alerts"]}},
        ),
        lambda w, role: ["token", "create", "agent", "--agent", "--scope", "alerts", "--json"],
    ),
    Action(
        "list one's own tokens",
        PEOPLE,
        lambda s, who, w: accounts.list_tokens(s, who=who, owner_ref=who.user.id),
        lambda w, role: ("GET", "/tokens", {}),
        lambda w, role: ["token", "list", "--user", w.names[role], "--json"],
    ),
    Action(
        "list someone else's tokens",
        ADMIN,
        lambda s, who, w: accounts.list_tokens(s, who=who, owner_ref=w.other),
        lambda w, role: ("GET", "/tokens", {"params": {"user": w.other}}),
        lambda w, role: ["token", "list", "--user", w.other, "--json"],
    ),
    Action(
        "list everyone's tokens",
        ADMIN,
        lambda s, who, w: accounts.list_tokens(s, who=who),
        None,
        lambda w, role: ["token", "list", "--json"],
    ),
    # Revoking is idempotent: every allowed door may revoke the same token.
    Action(
        "revoke someone else's token",
        ADMIN,
        lambda s, who, w: accounts.revoke_token(s, who=who, token_id=w.others_token),
        lambda w, role: ("DELETE", f"/tokens/{w.others_token}", {}),
        lambda w, role: ["token", "revoke", str(w.others_token), "--json"],
    ),
    # The CLI's `user passwd` asks for no current password (its user can read the
    # database anyway): an admin's way back in; anyone else may set only their own.
    Action(
        "set someone else's password",
        ADMIN,
        _set_password,
        lambda w, role: ("PUT", f"/users/{w.other}/password", {"json": {"password": PASSWORD}}),
        lambda w, role: ["user", "passwd", w.other, "--password-stdin"],
        cli_input=PASSWORD + "\n",
    ),
    # --- people ---
    Action(
        "list users",
        STAFF,
        lambda s, who, w: users.list_users(s, who=who),
        lambda w, role: ("GET", "/users", {}),
        lambda w, role: ["user", "list", "--json"],
    ),
    Action(
        "read one's own account",
        PEOPLE,
        lambda s, who, w: users.get_visible_user(s, who=who, ref=who.user.username),
        lambda w, role: ("GET", f"/users/{w.names[role]}", {}),
        lambda w, role: ["user", "show", w.names[role], "--json"],
    ),
    Action(
        "read someone else's account",
        STAFF,
        lambda s, who, w: users.get_visible_user(s, who=who, ref=w.other),
        lambda w, role: ("GET", f"/users/{w.other}", {}),
        lambda w, role: ["user", "show", w.other, "--json"],
    ),
    Action(
        "add a user",
        ADMIN,
        lambda s, who, w: users.add_user(
            s, who=who, data=UserCreate(username=_fresh("new"), full_name="New Hire")
        ),
        lambda w, role: ("POST", "/users", {"json": {"username": _fresh("new"), "full_name": "N"}}),
        lambda w, role: ["user", "add", _fresh("new"), "New Hire", "--json"],
    ),
    Action(
        "change someone's details",
        ADMIN,
        lambda s, who, w: users.update_user(
            s, who=who, ref=w.other, data=UserUpdate(department="Sales")
        ),
        lambda w, role: ("PATCH", f"/users/{w.other}", {"json": {"department": "Sales"}}),
        lambda w, role: ["user", "update", w.other, "--department", "Sales", "--json"],
    ),
    Action(
        "change someone's role",
        ADMIN,
        lambda s, who, w: users.set_role(s, who=who, ref=w.other, role="user"),
        lambda w, role: ("PUT", f"/users/{w.other}/role", {"json": {"role": "user"}}),
        lambda w, role: ["user", "role", w.other, "user", "--json"],
    ),
    Action(
        "deactivate someone",
        ADMIN,
        lambda s, who, w: users.deactivate_user(s, who=who, ref=w.leaver),
        lambda w, role: ("POST", f"/users/{w.leaver}/deactivate", {}),
        lambda w, role: ["user", "deactivate", w.leaver, "--json"],
    ),
    Action(
        "reactivate someone",
        ADMIN,
        lambda s, who, w: reactivation.reactivate(s, who=who, ref=w.leaver),
        lambda w, role: ("POST", f"/users/{w.leaver}/reactivate", {}),
        lambda w, role: ["user", "reactivate", w.leaver, "--json"],
    ),
    Action(
        "unlock someone",
        ADMIN,
        lambda s, who, w: accounts.unlock(s, who=who, ref=w.leaver),
        lambda w, role: ("POST", f"/users/{w.leaver}/unlock", {}),
        lambda w, role: ["user", "unlock", w.leaver, "--json"],
    ),
    # --- the inventory ---
    Action(
        "list the inventory",
        STAFF,
        lambda s, who, w: inventory.list_assets(s, who=who),
        lambda w, role: ("GET", "/inventory/assets", {}),
        lambda w, role: ["inventory", "list", "--json"],
    ),
    Action(
        "read an inventory item",
        STAFF,
        lambda s, who, w: inventory.show_asset(s, who=who, ref=w.asset),
        lambda w, role: ("GET", f"/inventory/assets/{w.asset}", {}),
        lambda w, role: ["inventory", "show", str(w.asset), "--json"],
    ),
    Action(
        "add an inventory item",
        STAFF,
        lambda s, who, w: inventory.add_asset(
            s, who=who, data=AssetCreate(asset_tag=_fresh("PC"), asset_type=AssetType.LAPTOP)
        ),
        lambda w, role: (
            "POST",
            "/inventory/assets",
            {"json": {"asset_tag": _fresh("PC"), "asset_type": "laptop"}},
        ),
        lambda w, role: ["inventory", "add", _fresh("PC"), "laptop", "--json"],
    ),
    Action(
        "hand an inventory item to someone",
        STAFF,
        lambda s, who, w: inventory.assign_owner(s, who=who, ref=w.asset, owner_ref=w.other),
        lambda w, role: ("PUT", f"/inventory/assets/{w.asset}/owner", {"json": {"owner": w.other}}),
        lambda w, role: ["inventory", "assign", str(w.asset), w.other, "--json"],
    ),
    Action(
        "change an inventory item's status",
        STAFF,
        lambda s, who, w: inventory.set_status(s, who=who, ref=w.asset, status=AssetStatus.IN_USE),
        lambda w, role: (
            "PUT",
            f"/inventory/assets/{w.asset}/status",
            {"json": {"status": "in_use"}},
        ),
        lambda w, role: ["inventory", "status", str(w.asset), "in_use", "--json"],
    ),
    # --- the knowledge base ---
    Action(
        "list articles",
        PEOPLE,
        lambda s, who, w: kb.list_articles(s, who=who),
        lambda w, role: ("GET", "/kb/articles", {}),
        lambda w, role: ["kb", "list", "--json"],
    ),
    Action(
        "search articles",
        PEOPLE,
        lambda s, who, w: kb.search_articles(s, who=who, query="jam"),
        lambda w, role: ("GET", "/kb/articles/search", {"params": {"q": "jam"}}),
        lambda w, role: ["kb", "search", "jam", "--json"],
    ),
    Action(
        "read a published article",
        PEOPLE,
        lambda s, who, w: kb.get_article(s, who=who, ref=w.article, count_view=True),
        lambda w, role: ("GET", f"/kb/articles/{w.article}", {}),
        lambda w, role: ["kb", "show", str(w.article), "--json"],
    ),
    # An end user is told a draft does not exist, like an article that does not.
    Action(
        "read a draft",
        STAFF,
        lambda s, who, w: kb.get_article(s, who=who, ref=w.draft, count_view=True),
        lambda w, role: ("GET", f"/kb/articles/{w.draft}", {}),
        lambda w, role: ["kb", "show", str(w.draft), "--json"],
    ),
    Action(
        "write an article",
        STAFF,
        lambda s, who, w: kb.add_article(
            s,
            who=who,
            data=ArticleInput(title="Reset a password", body="Use the portal.", category="account"),
        ),
        lambda w, role: (
            "POST",
            "/kb/articles",
            {
                "json": {
                    "title": "Reset a password",
                    "body": "Use the portal.",
                    "category": "account",
                }
            },
        ),
        lambda w, role: [
            "kb",
            "add",
            "Reset a password",
            "Use the portal.",
            "--category",
            "account",
            "--json",
        ],
    ),
    Action(
        "change an article",
        STAFF,
        lambda s, who, w: kb.update_article(
            s, who=who, ref=w.draft, data=ArticleUpdate(tags=["howto"])
        ),
        lambda w, role: ("PATCH", f"/kb/articles/{w.draft}", {"json": {"tags": ["howto"]}}),
        lambda w, role: ["kb", "update", str(w.draft), "--tag", "howto", "--json"],
    ),
    Action(
        "delete an article",
        STAFF,
        lambda s, who, w: kb.delete_article(s, who=who, ref=w.fresh),
        lambda w, role: ("DELETE", f"/kb/articles/{w.fresh}", {}),
        lambda w, role: ["kb", "delete", str(w.fresh)],
        before=_new_article,
    ),
    Action(
        "vote on a published article",
        PEOPLE,
        lambda s, who, w: kb.vote_article(s, who=who, ref=w.article, helpful=True),
        lambda w, role: ("POST", f"/kb/articles/{w.article}/vote", {"json": {"helpful": True}}),
        lambda w, role: ["kb", "vote", str(w.article), "--helpful", "--json"],
    ),
    Action(
        "vote on a draft",
        STAFF,
        lambda s, who, w: kb.vote_article(s, who=who, ref=w.draft, helpful=False),
        lambda w, role: ("POST", f"/kb/articles/{w.draft}/vote", {"json": {"helpful": False}}),
        lambda w, role: ["kb", "vote", str(w.draft), "--not-helpful", "--json"],
    ),
    Action(
        "send a diagnostic report",
        frozenset({"admin", "agent"}),
        _send,
        lambda w, role: (
            "POST",
            "/diagnostics/reports",
            {"json": [_report().model_dump(mode="json")]},
        ),
        lambda w, role: [
            "diag",
            "run",
            "--server",
            w.api.base_url,
            "--token",
            w.tokens[role],
            "--spool-dir",
            str(w.spools / uuid.uuid4().hex),
            "--json",
        ],
        cli_by_token=True,
    ),
    Action(
        "list diagnostic reports",
        STAFF,
        lambda s, who, w: diagnostics.history(s, who=who),
        lambda w, role: ("GET", "/diagnostics/reports", {}),
        lambda w, role: ["diag", "history", "--json"],
    ),
    Action(
        "read a diagnostic report",
        STAFF,
        lambda s, who, w: diagnostics.get_report(s, who=who, ref=str(w.report)),
        lambda w, role: ("GET", f"/diagnostics/reports/{w.report}", {}),
        lambda w, role: ["diag", "show", str(w.report), "--json"],
    ),
    # --- tickets: an end user ("user") sees and changes only their own ---
    Action(
        "open a ticket for oneself",
        PEOPLE,
        _open_service(lambda w: {}),
        _open_http(lambda w: {}),
        _open_cli(),
    ),
    Action(
        "open a ticket for someone else",
        STAFF,
        _open_service(lambda w: {"requester_id": w.ids[w.other]}),
        _open_http(lambda w: {"requester_id": w.ids[w.other]}),
        lambda w, role: ["ticket", "create", "Doors", "", "other", "medium", w.other, "--json"],
    ),
    Action(
        "open an assigned ticket",
        STAFF,
        _open_service(lambda w: {"assignee_id": w.ids["tess"]}),
        _open_http(lambda w: {"assignee_id": w.ids["tess"]}),
        _open_cli("--assignee", "tess"),
    ),
    Action(
        "attach one's own inventory item to a new ticket",
        PEOPLE,
        _open_service(lambda w: {"asset_id": w.own_asset}),
        _open_http(lambda w: {"asset_id": w.own_asset}),
        lambda w, role: [*_open_cli("--asset", str(w.own_asset))(w, role)],
    ),
    # Someone else's item and one that does not exist get the same answer.
    Action(
        "attach someone else's inventory item to a new ticket",
        STAFF,
        _open_service(lambda w: {"asset_id": w.asset}),
        _open_http(lambda w: {"asset_id": w.asset}),
        lambda w, role: [*_open_cli("--asset", str(w.asset))(w, role)],
    ),
    Action(
        "attach an inventory item that does not exist",
        frozenset(),
        _open_service(lambda w: {"asset_id": 999_999}),
        _open_http(lambda w: {"asset_id": 999_999}),
        _open_cli("--asset", "999999"),
    ),
    Action(
        "list tickets",
        PEOPLE,
        _person(lambda s, who, w: access.list_page(s, viewer=who.user, filters=TicketFilters())),
        lambda w, role: ("GET", "/tickets", {}),
        lambda w, role: ["ticket", "list", "--json"],
    ),
    Action(
        "list someone else's tickets",
        STAFF,
        _person(
            lambda s, who, w: access.list_page(
                s, viewer=who.user, filters=TicketFilters(requester=w.other)
            )
        ),
        lambda w, role: ("GET", "/tickets", {"params": {"requester": w.other}}),
        lambda w, role: ["ticket", "list", "--requester", w.other, "--json"],
    ),
    Action(
        "search tickets",
        PEOPLE,
        _person(lambda s, who, w: access.search(s, viewer=who.user, query="doors")),
        lambda w, role: ("GET", "/tickets/search", {"params": {"q": "doors"}}),
        lambda w, role: ["ticket", "search", "doors", "--json"],
    ),
    Action(
        "see ticket statistics",
        STAFF,
        _person(lambda s, who, w: access.stats(s, viewer=who.user)),
        lambda w, role: ("GET", "/tickets/stats", {}),
        lambda w, role: ["ticket", "stats", "--json"],
    ),
    Action(
        "read one's own ticket",
        PEOPLE,
        _person(lambda s, who, w: access.comments(s, ref=w.mine, viewer=who.user)),
        lambda w, role: ("GET", f"/tickets/{w.mine}/comments", {}),
        lambda w, role: ["ticket", "show", str(w.mine), "--json"],
        web=_page(lambda w: f"/tickets/{w.mine}"),
    ),
    # An end user is told someone else's ticket does not exist.
    Action(
        "read someone else's ticket",
        STAFF,
        _person(lambda s, who, w: access.visible_ticket(s, ref=w.theirs, viewer=who.user)),
        lambda w, role: ("GET", f"/tickets/{w.theirs}", {}),
        lambda w, role: ["ticket", "show", str(w.theirs), "--json"],
        web=_page(lambda w: f"/tickets/{w.theirs}"),
    ),
    Action(
        "read someone else's ticket's history",
        STAFF,
        _person(lambda s, who, w: access.history(s, ref=w.theirs, viewer=who.user)),
        lambda w, role: ("GET", f"/tickets/{w.theirs}/history", {}),
        lambda w, role: ["ticket", "history", str(w.theirs), "--json"],
    ),
    Action(
        "comment on one's own ticket",
        PEOPLE,
        _person(
            lambda s, who, w: access.add_comment(
                s, ref=w.mine, data=CommentCreate(body="Any news?"), actor=who.user
            )
        ),
        lambda w, role: ("POST", f"/tickets/{w.mine}/comments", {"json": {"body": "Any news?"}}),
        lambda w, role: ["ticket", "comment", str(w.mine), "Any news?", "--json"],
        web=_form(lambda w: f"/tickets/{w.mine}/comments", body="Any news?"),
    ),
    Action(
        "comment on someone else's ticket",
        STAFF,
        _person(
            lambda s, who, w: access.add_comment(
                s, ref=w.theirs, data=CommentCreate(body="Hello"), actor=who.user
            )
        ),
        lambda w, role: ("POST", f"/tickets/{w.theirs}/comments", {"json": {"body": "Hello"}}),
        lambda w, role: ["ticket", "comment", str(w.theirs), "Hello", "--json"],
        web=_form(lambda w: f"/tickets/{w.theirs}/comments", body="Hello"),
    ),
    # A watcher sees the ticket they are copied on as its requester does.
    Action(
        "read a ticket one is copied on",
        PEOPLE,
        _person(lambda s, who, w: access.comments(s, ref=w.watched, viewer=who.user)),
        lambda w, role: ("GET", f"/tickets/{w.watched}/comments", {}),
        lambda w, role: ["ticket", "show", str(w.watched), "--json"],
        web=_page(lambda w: f"/tickets/{w.watched}"),
    ),
    Action(
        "comment on a ticket one is copied on",
        PEOPLE,
        _person(
            lambda s, who, w: access.add_comment(
                s, ref=w.watched, data=CommentCreate(body="Me too"), actor=who.user
            )
        ),
        lambda w, role: ("POST", f"/tickets/{w.watched}/comments", {"json": {"body": "Me too"}}),
        lambda w, role: ["ticket", "comment", str(w.watched), "Me too", "--json"],
        web=_form(lambda w: f"/tickets/{w.watched}/comments", body="Me too"),
    ),
    Action(
        "copy someone on one's own ticket",
        PEOPLE,
        _person(lambda s, who, w: watchers.watch(s, ref=w.mine, user_ref=w.other, actor=who.user)),
        lambda w, role: ("POST", f"/tickets/{w.mine}/watchers", {"json": {"user": w.other}}),
        lambda w, role: ["ticket", "watch", str(w.mine), w.other, "--json"],
        web=lambda w, role: (f"/tickets/{w.mine}/watch", {"user": w.other}),
    ),
    # Only staff and the requester copy people on a ticket; a watcher may not.
    Action(
        "copy someone on a ticket one is copied on",
        STAFF,
        _person(
            lambda s, who, w: watchers.watch(s, ref=w.watched, user_ref="tess", actor=who.user)
        ),
        lambda w, role: ("POST", f"/tickets/{w.watched}/watchers", {"json": {"user": "tess"}}),
        lambda w, role: ["ticket", "watch", str(w.watched), "tess", "--json"],
        web=_form(lambda w: f"/tickets/{w.watched}/watch", user="tess"),
    ),
    Action(
        "stop watching a ticket one is copied on",
        PEOPLE,
        _person(
            lambda s, who, w: watchers.unwatch(
                s, ref=w.watched, user_ref=w.names["user"], actor=who.user
            )
        ),
        lambda w, role: ("DELETE", f"/tickets/{w.watched}/watchers/{w.names['user']}", {}),
        lambda w, role: ["ticket", "unwatch", str(w.watched), w.names["user"], "--json"],
        before=_watching_again,
        web=lambda w, role: (f"/tickets/{w.watched}/unwatch", {"user": w.names["user"]}),
    ),
    Action(
        "post an internal note",
        STAFF,
        _person(
            lambda s, who, w: access.add_comment(
                s, ref=w.mine, data=CommentCreate(body="Note", is_internal=True), actor=who.user
            )
        ),
        lambda w, role: (
            "POST",
            f"/tickets/{w.mine}/comments",
            {"json": {"body": "Note", "is_internal": True}},
        ),
        lambda w, role: ["ticket", "comment", str(w.mine), "Note", "--internal", "--json"],
        web=_form(lambda w: f"/tickets/{w.mine}/comments", body="Note", visibility="internal"),
    ),
    Action(
        "change a ticket",
        STAFF,
        _person(
            lambda s, who, w: access.update(
                s, ref=w.mine, data=TicketUpdate(priority="high"), actor=who.user
            )
        ),
        lambda w, role: ("PATCH", f"/tickets/{w.mine}", {"json": {"priority": "high"}}),
        lambda w, role: ["ticket", "update", str(w.mine), "--priority", "high", "--json"],
        web=_form(lambda w: f"/tickets/{w.mine}/fields", priority="high", category="other"),
    ),
    Action(
        "assign a ticket",
        STAFF,
        _person(
            lambda s, who, w: access.assign(s, ref=w.mine, assignee_ref="tess", actor=who.user)
        ),
        lambda w, role: ("POST", f"/tickets/{w.mine}/assign", {"json": {"assignee": "tess"}}),
        lambda w, role: ["ticket", "assign", str(w.mine), "tess", "--json"],
        web=_form(lambda w: f"/tickets/{w.mine}/assign", assignee="tess"),
    ),
    # Taking a ticket is assigning it to oneself: the web page's "Take it".
    Action(
        "take a ticket",
        STAFF,
        _person(
            lambda s, who, w: access.assign(s, ref=w.mine, assignee_ref=who.user.id, actor=who.user)
        ),
        lambda w, role: (
            "POST",
            f"/tickets/{w.mine}/assign",
            {"json": {"assignee": w.names[role]}},
        ),
        lambda w, role: ["ticket", "assign", str(w.mine), w.names[role], "--json"],
        web=lambda w, role: (f"/tickets/{w.mine}/take", {}),
    ),
    Action(
        "record time spent",
        STAFF,
        _person(
            lambda s, who, w: access.add_comment(
                s,
                ref=w.mine,
                data=CommentCreate(body="Worked", time_spent_minutes=5),
                actor=who.user,
            )
        ),
        lambda w, role: (
            "POST",
            f"/tickets/{w.mine}/comments",
            {"json": {"body": "Worked", "time_spent_minutes": 5}},
        ),
        lambda w, role: ["ticket", "comment", str(w.mine), "Worked", "--time", "5", "--json"],
        web=_form(lambda w: f"/tickets/{w.mine}/comments", body="Worked", minutes="5"),
    ),
    Action(
        "change a ticket's status",
        STAFF,
        _person(
            lambda s, who, w: access.change_status(
                s, ref=w.fresh, status=Status.IN_PROGRESS, note=None, actor=who.user
            )
        ),
        lambda w, role: (
            "POST",
            f"/tickets/{w.fresh}/status",
            {"json": {"status": "in_progress"}},
        ),
        lambda w, role: ["ticket", "status", str(w.fresh), "in_progress", "--json"],
        before=_new_ticket,
        web=_form(lambda w: f"/tickets/{w.fresh}/status", status="in_progress"),
    ),
    Action(
        "merge tickets",
        STAFF,
        _person(
            lambda s, who, w: access.merge(
                s, duplicate_ref=w.fresh, target_ref=w.mine, actor=who.user
            )
        ),
        lambda w, role: (
            "POST",
            f"/tickets/{w.fresh}/merge",
            {"json": {"into": str(w.mine)}},
        ),
        lambda w, role: ["ticket", "merge", str(w.fresh), str(w.mine), "--json"],
        before=_new_ticket,
        web=lambda w, role: (f"/tickets/{w.fresh}/merge", {"into": str(w.mine)}),
    ),
    Action(
        "link tickets",
        STAFF,
        _person(lambda s, who, w: access.link(s, ref=w.fresh, other_ref=w.mine, actor=who.user)),
        lambda w, role: (
            "POST",
            f"/tickets/{w.fresh}/links",
            {"json": {"other": str(w.mine)}},
        ),
        lambda w, role: ["ticket", "link", str(w.fresh), str(w.mine)],
        before=_new_ticket,
        web=lambda w, role: (f"/tickets/{w.fresh}/links", {"other": str(w.mine)}),
    ),
    # The requester rates; an admin may record a rating for them.
    Action(
        "rate a resolved ticket of the end user's",
        frozenset({"admin", "user"}),
        _person(
            lambda s, who, w: access.rate(s, ref=w.fresh, rating=5, comment=None, actor=who.user)
        ),
        lambda w, role: ("POST", f"/tickets/{w.fresh}/rating", {"json": {"rating": 5}}),
        lambda w, role: ["ticket", "rate", str(w.fresh), "5", "--json"],
        before=_resolved_again,
        web=_form(lambda w: f"/tickets/{w.fresh}/rating", rating="5"),
    ),
    Action(
        "import tickets",
        STAFF,
        _person(lambda s, who, w: access.require_staff(who.user, "import tickets")),
        lambda w, role: (
            "POST",
            "/tickets/import",
            {
                "content": _import_file(w).read_bytes(),
                "headers": {"Content-Type": "text/csv"},
            },
        ),
        lambda w, role: ["ticket", "import", str(_import_file(w)), "--json"],
    ),
    Action(
        "export tickets",
        STAFF,
        _person(lambda s, who, w: access.require_staff(who.user, "export tickets")),
        None,
        lambda w, role: ["ticket", "export", "--format", "jsonl"],
    ),
]


# --- the three doors ---------------------------------------------------------------

#: Actions whose command runs as a real process for every role: one through each
#: kind of CLI door (stdin, a token sent to the server, a plain ``--as`` command).
IN_A_PROCESS = frozenset(
    {"set someone else's password", "send a diagnostic report", "deactivate someone"}
)


def through_service(w: World, action: Action, role: str) -> Outcome:
    try:
        with w.api.session() as s:
            who = accounts.principal_for(s, secret=w.tokens[role])
            action.service(s, who, w)
    except ItsmError as exc:
        return Outcome(exc.kind.value, exc.message)
    return OK


def through_api(w: World, action: Action, role: str) -> Outcome:
    assert action.http is not None
    method, path, options = action.http(w, role)
    got = w.api.client(w.tokens[role]).request(method, path, **options)
    if got.is_success:
        return OK
    assert got.headers["content-type"] == "application/problem+json", got.text
    return Outcome(_KIND_BY_STATUS[got.status_code].value, got.json()["detail"])


def through_cli(w: World, action: Action, role: str) -> Outcome:
    assert action.cli is not None
    args = action.cli(w, role)
    env = HIGH_DISK if action.cli_by_token else None  # a healthy host: exit 0 when sent
    run = w.cli.run if action.name in IN_A_PROCESS else w.cli.invoke
    result: Result = (
        run(*args, env=env)
        if action.cli_by_token
        else run("--as", w.names[role], *args, input=action.cli_input)
    )
    if result.returncode == 0:
        return OK
    lines = result.stderr.splitlines()
    assert len(lines) == 1, describe(result)
    assert lines[0].startswith("error: "), describe(result)
    message = lines[0].removeprefix("error: ")
    if action.cli_by_token:  # the server's words, after the agent's own
        message = message.removeprefix(
            f"server {w.api.base_url} does not let this token send reports: "
        )
    return Outcome(_KIND_BY_EXIT[ExitStatus(result.returncode)].value, message)


def through_web(w: World, action: Action, role: str) -> Outcome:
    """The page or form as a logged-in browser gets it: a page (200) or a form's
    redirect (303) is allowed; a refusal is told by its HTTP status."""
    assert action.web is not None
    path, form = action.web(w, role)
    browser, token = w.browser(role)
    got = browser.get(path) if form is None else browser.post(path, {"csrf_token": token, **form})
    if got.status_code in {200, 303}:
        if form is None:  # the note is on the end user's ticket, for staff's eyes only
            shown = role in STAFF and path == f"/tickets/{w.mine}"
            assert (INTERNAL_NOTE in got.text) == shown, (role, path)
        return OK
    return Outcome(_KIND_BY_STATUS[got.status_code].value)


# --- the world ---------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    names: dict[str, str]
    tokens: dict[str, str]
    other: str
    others_token: int
    report: int
    leaver: str
    asset: int
    article: int
    draft: int
    ids: dict[str, int]
    mine: int
    theirs: int
    rated: int
    own_asset: int
    watched: int


def _seed(api: Api) -> Seeded:
    with api.session() as s:

        def person(name: str, role: str) -> Any:
            data = UserCreate(username=name, full_name=name.title(), role=role)
            return users.create_user(s, data=data)

        def token(owner: Any, kind: TokenKind = TokenKind.PERSONAL) -> tuple[int, str]:
            made, secret = accounts.create_token(
                s, owner=owner, data=TokenCreate(name="doors", kind=kind, scopes=scopes_for(kind))
            )
            return made.id, secret

        people = {
            "admin": person("root", "admin"),
            "technician": person("tess", "technician"),
            "user": person("ana", "user"),
        }
        other = person("pedro", "user")
        for p in people.values():  # for the web app's login
            password_change.set_password(
                s, ref=p.id, password=password_change.new_password(PASSWORD)
            )
        tokens = {role: token(p)[1] for role, p in people.items()}
        tokens["agent"] = token(people["admin"], TokenKind.AGENT)[1]
        names = {role: p.username for role, p in people.items()} | {"agent": "root"}
        stored, _ = diagnostics.store_report(s, report=_report(), asset_id=None)
        asset = inventory.create_asset(
            s, data=AssetCreate(asset_tag="DOORS-1", asset_type=AssetType.LAPTOP)
        )
        own_asset = inventory.create_asset(
            s,
            data=AssetCreate(
                asset_tag="DOORS-ANA", asset_type=AssetType.LAPTOP, owner_id=people["user"].id
            ),
        )
        zone = api.settings.zone

        def ticket(requester: Any) -> int:
            data = TicketCreate(title="Doors", category=Category.OTHER, requester_id=requester.id)
            return creation.create_ticket(s, data=data, actor=None, zone=zone).id

        def article(published: bool) -> int:
            data = ArticleCreate(
                title="Clearing a paper jam",
                body="Open tray 2 and pull the sheet gently.",
                category=Category.HARDWARE,
                published=published,
            )
            return kb.create_article(s, data=data).id

        mine = ticket(people["user"])
        note = CommentCreate(body=INTERNAL_NOTE, is_internal=True)
        tickets.add_comment(s, ref=mine, data=note, actor=people["technician"])
        watched = ticket(other)
        watchers.add_watcher(s, ref=watched, user=people["user"], actor=other)
        return Seeded(
            names=names,
            tokens=tokens,
            other=other.username,
            others_token=token(other)[0],
            report=stored.id,
            leaver=person("lena", "user").username,
            asset=asset.id,
            article=article(True),
            draft=article(False),
            ids={p.username: p.id for p in [*people.values(), other]},
            mine=mine,
            theirs=ticket(other),
            rated=ticket(people["user"]),
            own_asset=own_asset.id,
            watched=watched,
        )


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    backend = str(request.param)
    folder = tmp_path_factory.mktemp(f"doors-{backend}")
    dropped: str | None = None
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "itsm.db")
        url = f"sqlite:///{folder / 'itsm.db'}"
    else:
        dropped = pg.create_database("itsm_doors", template=request.getfixturevalue("pg_template"))
        url = pg.url_for(dropped)
    try:
        with live_api(Settings(database_url=url, data_dir=folder / "data")) as api:
            seeded = _seed(api)
            yield World(
                api=api,
                cli=Cli(env=make_env(url)),
                names=seeded.names,
                tokens=seeded.tokens,
                other=seeded.other,
                others_token=seeded.others_token,
                report=seeded.report,
                spools=folder / "spools",
                leaver=seeded.leaver,
                asset=seeded.asset,
                article=seeded.article,
                draft=seeded.draft,
                ids=seeded.ids,
                mine=seeded.mine,
                theirs=seeded.theirs,
                rated=seeded.rated,
                own_asset=seeded.own_asset,
                watched=seeded.watched,
            )
    finally:
        if dropped is not None:
            pg.drop_database(dropped)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_every_door_decides_alike(world: World, action: Action, role: str) -> None:
    def door(through: Callable[[World, Action, str], Outcome]) -> Outcome:
        if action.before is not None:
            action.before(world)
        return through(world, action, role)

    decided = door(through_service)
    assert (decided == OK) == (role in action.allowed), decided
    doors = {"service": decided}
    if action.http is not None:
        doors["api"] = door(through_api)
    if action.cli is not None and (action.cli_by_token or role != "agent"):
        doors["cli"] = door(through_cli)
    assert all(outcome == decided for outcome in doors.values()), doors
    if action.web is not None and role != "agent":  # agents have no web login
        web = door(through_web)
        assert web.kind == decided.kind, {**doors, "web": web}


def test_every_action_of_the_technician_page_has_a_web_leg() -> None:
    on_the_web = {a.name for a in ACTIONS if a.web is not None}
    assert on_the_web >= {
        "take a ticket",
        "assign a ticket",
        "change a ticket's status",
        "change a ticket",
        "post an internal note",
        "record time spent",
        "comment on someone else's ticket",
        "merge tickets",
        "link tickets",
        "read someone else's ticket",
    }


def test_the_actions_run_in_a_process_exist() -> None:
    assert {a.name for a in ACTIONS} >= IN_A_PROCESS
