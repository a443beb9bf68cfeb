"""The role × route matrix over real HTTP, on SQLite and PostgreSQL (see ``matrix.py``).

Every case of every ``roles_*.py`` module runs for each of the six roles: allowed
roles must get a 2xx, the others their refusal (as a problem document). Cases that
only read share one seeded server per backend; a case that changes state gets a
fresh seed (new people, tickets and so on, in the same database) for each allowed
role and one for all refused roles, so no role sees another's change. A last test
checks that every route under ``/api/v1`` has at least one case.
"""

from __future__ import annotations

import importlib
import io
import itertools
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from itsm.accounts import password_change
from itsm.accounts import service as accounts
from itsm.accounts.models import TokenKind
from itsm.accounts.schemas import TokenCreate
from itsm.api.app import API_PREFIX
from itsm.attachments import service as attachments
from itsm.attachments.storage import Store
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.diagnostics import service as diagnostics
from itsm.diagnostics.report import HostIdentity, Report
from itsm.diagnostics.severity import Severity
from itsm.inventory import service as inventory
from itsm.inventory.models import AssetType
from itsm.inventory.schemas import AssetCreate
from itsm.kb import service as kb
from itsm.kb.schemas import ArticleCreate
from itsm.server.app import create_app
from itsm.tickets import creation, watchers
from itsm.tickets import service as tickets
from itsm.tickets.models import Category, Source, Status
from itsm.tickets.schemas import CommentCreate, TicketCreate
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from itsm.webhooks.models import Webhook
from tests import pg
from tests.conftest import BACKENDS
from tests.e2e.api.matrix import ROLES, SEED_KEYS, Case, expected_status
from tests.live_server import Api, live_api, scopes_for

UTC = ZoneInfo("UTC")
PASSWORD = "matrix-Passw0rd-2026"  # a test account's password
HERE = Path(__file__).parent


def _load_cases() -> list[tuple[str, Case]]:
    found: list[tuple[str, Case]] = []
    for path in sorted(HERE.glob("roles_*.py")):
        module = importlib.import_module(f"tests.e2e.api.{path.stem}")
        cases = getattr(module, "CASES", None)
        assert isinstance(cases, list), f"{path.name} has no CASES list"
        found += [(path.stem.removeprefix("roles_"), case) for case in cases]
    return found


CASES = _load_cases()


def _case_id(domain: str, case: Case) -> str:
    extra = " ".join(f"{k}={v}" for k, v in case.params.items())
    return f"{domain}: {case.method} {case.path}{' ?' + extra if extra else ''}"


def _params(mutating: bool) -> list[Any]:
    picked = [(d, c) for d, c in CASES if c.mutates == mutating]
    counts: dict[str, int] = {}
    out = []
    for domain, case in picked:
        name = _case_id(domain, case)
        counts[name] = counts.get(name, 0) + 1
        label = name if counts[name] == 1 else f"{name} #{counts[name]}"
        out.append(pytest.param(case, id=label))
    return out


# --- seeding ---------------------------------------------------------------------------


@dataclass
class Seed:
    values: dict[str, Any]
    tokens: dict[str, str | None]  # role -> bearer token (None: anonymous)


def seed(api: Api, tag: str, *, password: str | None = None) -> Seed:
    """Everything ``SEED_KEYS`` names, made through the services; names end with ``tag``."""
    with api.session() as s:

        def person(name: str, role: str) -> Any:
            data = UserCreate(username=f"{name}-{tag}", full_name=f"{name} {tag}", role=role)
            return users.create_user(s, data=data)

        def token(owner: Any, kind: TokenKind = TokenKind.PERSONAL) -> Any:
            data = TokenCreate(name="matrix", kind=kind, scopes=scopes_for(kind))
            return accounts.create_token(s, owner=owner, data=data)

        admin = person("admin", "admin")
        tech = person("tech", "technician")
        user = person("user", "user")
        other = person("other", "user")
        neighbour = person("neighbour", "user")
        if password is not None:
            password_change.set_password(
                s, ref=user.id, password=password_change.new_password(password)
            )
        secrets = {role: token(p)[1] for role, p in [("admin", admin), ("technician", tech)]}
        secrets |= {"user": token(user)[1], "other": token(other)[1]}
        secrets["agent"] = token(admin, TokenKind.AGENT)[1]
        spare, _ = token(user)

        def ticket(requester: Any, title: str) -> Any:
            data = TicketCreate(
                title=title,
                description="The printer on floor 2 shows a paper jam.",
                category=Category.HARDWARE,
                requester_id=requester.id,
                source=Source.API,
            )
            return creation.create_ticket(s, data=data, actor=requester, zone=UTC)

        own = ticket(user, "Printer jammed")
        for body, internal in [("Looking into it.", False), ("Tray 2 is broken.", True)]:
            comment = CommentCreate(body=body, is_internal=internal)
            tickets.add_comment(s, ref=own.id, data=comment, actor=tech)
        resolved = ticket(user, "Printer out of toner")
        tickets.change_status(
            s, ref=resolved.id, status=Status.RESOLVED, actor=tech, note="New toner."
        )
        theirs = ticket(neighbour, "Neighbour's printer")
        watched = ticket(neighbour, "Neighbour's screen")
        watchers.add_watcher(s, ticket=watched, user=other, actor=neighbour)

        def article(published: bool) -> Any:
            data = ArticleCreate(
                title=f"Clearing a paper jam {tag}",
                body="Open tray 2, pull the sheet gently.",
                category=Category.HARDWARE,
                published=published,
                author_id=tech.id,
            )
            return kb.create_article(s, data=data)

        published, draft = article(True), article(False)
        asset = inventory.create_asset(
            s, data=AssetCreate(asset_tag=f"MX-{tag}", asset_type=AssetType.LAPTOP)
        )
        report = Report(
            host=HostIdentity(hostname=f"mx-{tag}", machine_id=uuid.uuid4().hex),
            collected_at=utcnow(),
            duration_seconds=0.5,
            severity=Severity.HEALTHY,
            checks=[],
            probes={},
        )
        stored, _ = diagnostics.store_report(s, report=report, asset_id=asset.id)
        store = Store(api.settings.attachments_dir)

        def attach(internal: bool) -> Any:
            return attachments.attach(
                s,
                ref=own.id,
                source=io.BytesIO(b"printer log"),
                filename="printer.log",
                actor=tech,
                store=store,
                limits=api.settings.attachments,
                internal=internal,
            )

        public_file, internal_file = attach(False), attach(True)
        # Written as a row: the service would refuse a host that does not resolve.
        hook = Webhook(
            name=f"matrix-{tag}",
            url="https://hooks.invalid/matrix",
            events=["ticket.created"],
            secret="matrix-secret",
        )
        s.add(hook)
        s.flush()
        values: dict[str, Any] = {
            "own_ticket": own.id,
            "own_resolved_ticket": resolved.id,
            "other_ticket": theirs.id,
            "user_id": user.id,
            "user_name": user.username,
            "technician_id": tech.id,
            "technician_name": tech.username,
            "article": published.id,
            "draft": draft.id,
            "asset": asset.id,
            "report": stored.id,
            "password": password,
            "user_token": spare.id,
            "own_attachment": public_file.id,
            "internal_attachment": internal_file.id,
            "watched_ticket": watched.id,
            "other_name": other.username,
            "webhook": hook.id,
        }
    assert set(values) == set(SEED_KEYS)
    return Seed(values=values, tokens={**secrets, "anonymous": None})


# --- running cases ---------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(value: Any, values: dict[str, Any]) -> Any:
    """``value`` with its ``{placeholders}`` replaced; a lone placeholder keeps its type."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(
            lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), value
        )
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def call(client: httpx.Client, case: Case, role: str, seeded: Seed) -> httpx.Response:
    values = seeded.values
    body = case.body(values) if callable(case.body) else fill(case.body, values)
    token = seeded.tokens[role]
    request = client.build_request(
        case.method,
        str(fill(case.path, values)),
        params={k: fill(v, values) for k, v in case.params.items()},
        json=None if case.files else body,
        data=body if case.files else None,
        files=case.files,
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    response = client.send(request, stream=case.stream)
    if case.stream:  # read a refusal's problem document; close an open stream unread
        if response.is_success:
            response.close()
        else:
            response.read()
    return response


def mismatch(case: Case, role: str, got: httpx.Response) -> str | None:
    want = expected_status(case, role)
    if want is None:
        if 200 <= got.status_code < 300:
            return None
        expected = "2xx"
    else:
        if got.status_code == want and got.headers.get("content-type") == (
            "application/problem+json"
        ):
            return None
        expected = str(want)
    return f"{role}: expected {expected}, got {got.status_code} {got.text[:200]}"


@dataclass
class Matrix:
    api: Api
    client: httpx.Client
    shared: Seed
    tags: Iterator[int] = field(default_factory=itertools.count)

    def fresh(self) -> Seed:
        return seed(self.api, f"m{next(self.tags)}")


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def matrix(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    """One server per backend, on a database of its own, with the shared seed."""
    folder = tmp_path_factory.mktemp(f"matrix-{backend}")
    dropped: str | None = None
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "itsm.db")
        url = f"sqlite:///{folder / 'itsm.db'}"
    else:
        dropped = pg.create_database("itsm_mx", template=request.getfixturevalue("pg_template"))
        url = pg.url_for(dropped)
    settings = Settings(database_url=url, data_dir=folder / "data")
    try:
        with live_api(settings) as api:
            shared = seed(api, "shared", password=PASSWORD)
            yield Matrix(api=api, client=api.client(), shared=shared)
    finally:
        if dropped is not None:
            pg.drop_database(dropped)


@pytest.mark.parametrize("case", _params(mutating=False))
def test_reading_case(matrix: Matrix, case: Case) -> None:
    wrong = [
        problem
        for role in ROLES
        if (problem := mismatch(case, role, call(matrix.client, case, role, matrix.shared)))
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("case", _params(mutating=True))
def test_changing_case(matrix: Matrix, case: Case) -> None:
    wrong: list[str] = []
    refused = matrix.fresh()  # refused roles must change nothing, so they may share one
    for role in ROLES:
        seeded = matrix.fresh() if role in case.allowed else refused
        if problem := mismatch(case, role, call(matrix.client, case, role, seeded)):
            wrong.append(problem)
    assert not wrong, "\n".join(wrong)


# --- coverage --------------------------------------------------------------------------


def _regex(template: str) -> re.Pattern[str]:
    """The paths a route template matches (``{name}`` one segment, ``{name:path}`` any)."""
    out = ""
    for literal, name in re.findall(r"([^{]*)(?:\{([^}]*)\})?", template):
        out += re.escape(literal)
        if name:
            out += ".+" if name.endswith(":path") else "[^/]+"
    return re.compile(out + "$")


def api_routes() -> list[tuple[str, str]]:
    """``(method, template)`` of every route under ``/api/v1``, in the app's matching order."""
    app = create_app(Settings(database_url="sqlite://"))  # no database is opened
    try:
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:  # FastAPI before routers were included lazily
        routes = list(app.routes)
    found: list[tuple[str, str]] = []
    for route in routes:
        path = getattr(route, "path", None) or ""
        if not path.startswith(API_PREFIX + "/"):
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                found.append((method, path.removeprefix(API_PREFIX)))
    return found


_DUMMY = {key: 7 for key in SEED_KEYS} | {
    "user_name": "someone",
    "technician_name": "somebody",
    "password": "secret",
}


def covered_route(case: Case, routes: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The route a case calls: its ``template``, else the first route its path matches."""
    method = case.method.upper()
    if case.template is not None:
        return (method, case.template)
    path = str(fill(case.path, _DUMMY)).split("?")[0]
    for route in routes:
        if route[0] == method and _regex(route[1]).match(path):
            return route
    return None


def test_every_api_route_has_a_case() -> None:
    routes = api_routes()
    assert routes, "no routes found under " + API_PREFIX
    covered = {covered_route(case, routes) for _, case in CASES}
    stray = [_case_id(d, c) for d, c in CASES if covered_route(c, routes) not in routes]
    missing = [f"{method} {path}" for method, path in routes if (method, path) not in covered]
    assert not stray, "cases that call no route of the app:\n" + "\n".join(stray)
    assert not missing, (
        f"{len(missing)} of {len(routes)} routes have no case in tests/e2e/api/roles_*.py:\n"
        + "\n".join(missing)
    )
