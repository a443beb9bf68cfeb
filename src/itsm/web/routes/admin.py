"""The admin pages for people: list and search, add, role, deactivate and reactivate,
passwords, unlock. Admins only: anyone else gets a 404, as for a page that does not
exist. Each change is a POST with CSRF through the services the API and the CLI call;
the page then shows what happened (post, redirect, get), and a destructive change
asks first on a page of its own (which works without script)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from itsm.accounts import password_change, passwords, reactivation
from itsm.accounts import service as accounts
from itsm.accounts.principal import Principal
from itsm.errors import N_, ErrorKind, InvalidInput, ItsmError, choices
from itsm.server.deps import (
    SessionDep,
    SettingsDep,
    client_address,
    database,
    own_write_transactions,
)
from itsm.tickets import technician_categories
from itsm.tickets.models import Category
from itsm.users import policy
from itsm.users import service as users
from itsm.users.models import Role
from itsm.users.schemas import UserCreate
from itsm.validation import validated
from itsm.web.session import language
from itsm.web.staff import staff_gate
from itsm.web.templating import render

router = APIRouter(prefix="/admin")
UserRef = Annotated[str, Path(min_length=1, max_length=64)]


AdminDep = Annotated[Principal, staff_gate(policy.require_admin)]


def page(
    request: Request, who: Principal, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    return render(request, name, context, language=language(request, who), status=status)


def _user_page(user: str, done: str, **facts: int) -> RedirectResponse:
    query = urlencode({"done": done, **facts})
    return RedirectResponse(f"/admin/users/{user}?{query}", status_code=303)


@router.get("")
def home(who: AdminDep) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/users")
def user_list(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    q: Annotated[str, Query(max_length=200)] = "",
    role: Annotated[str, Query(max_length=32)] = "",  # the form's "any role" sends ""
    state: Annotated[str, Query(pattern="^(active|inactive|all)$")] = "active",
) -> Response:
    """Everyone but the diagnostics agent's account; the rows alone for htmx, which
    asks again as the search is typed."""
    if role and role not in set(Role):
        raise InvalidInput(
            N_("invalid role %(role)r; allowed: %(allowed)s"), role=role[:32], allowed=choices(Role)
        )
    chosen = Role(role) if role else None
    rows = users.list_users(
        session,
        who=who,
        role=chosen,
        include_inactive=state == "all",
        only_inactive=state == "inactive",
        text=q,
    )
    context = {"users": rows, "q": q, "role": chosen, "state": state, "roles": list(Role)}
    partial = request.headers.get("hx-request") and request.headers.get("hx-target") == "users"
    name = "admin/_user_rows.html" if partial else "admin/users.html"
    return page(request, who, name, context)


@router.get("/users/new")
def new_user(request: Request, who: AdminDep) -> Response:
    return page(request, who, "admin/user_new.html", {"values": {}, "roles": list(Role)})


@router.post("/users")
def add_user(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    username: Annotated[str, Form(max_length=200)] = "",
    full_name: Annotated[str, Form(max_length=400)] = "",
    email: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[str, Form(max_length=32)] = Role.USER,
    department: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {
        "username": username,
        "full_name": full_name,
        "email": email or None,
        "role": role,
        "department": department or None,
    }
    try:
        with session.begin_nested():  # a refusal leaves nothing written
            user = users.add_user(session, who=who, data=validated(UserCreate, values))
    except ItsmError as exc:  # the form again, as typed, with what was wrong
        context = {"values": values, "roles": list(Role), "error": exc}
        status = 409 if exc.kind == ErrorKind.CONFLICT else 422
        return page(request, who, "admin/user_new.html", context, status=status)
    return _user_page(user.username, "added")


@router.get("/users/{ref}")
def user_page(
    ref: UserRef,
    request: Request,
    session: SessionDep,
    who: AdminDep,
    done: Annotated[str | None, Query(max_length=32)] = None,
    count: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    user = users.get_user(session, ref=ref)
    tokens = accounts.token_reads(
        session, accounts.list_tokens(session, who=who, owner_ref=user.id)
    )
    context = {
        "user": user,
        "tokens": tokens,
        "done": done,
        "count": count,
        "roles": list(Role),
        "is_me": user.id == who.user.id,
        "categories": technician_categories.categories_of(session, user),
        "all_categories": list(Category),
    }
    return page(request, who, "admin/user.html", context)


@router.post("/users/{ref}/categories")
def set_categories(
    ref: UserRef,
    session: SessionDep,
    who: AdminDep,
    category: Annotated[list[str] | None, Form(max_length=len(Category))] = None,
) -> Response:
    """A technician's categories: the boxes ticked (none: every category)."""
    user, _ = technician_categories.set_categories(
        session, who=who, ref=ref, categories=category or []
    )
    return _user_page(user.username, "categories")


@router.post("/users/{ref}/role")
def change_role(
    ref: UserRef,
    session: SessionDep,
    who: AdminDep,
    role: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    user = users.set_role(session, who=who, ref=ref, role=role)
    return _user_page(user.username, "role")


@router.get("/users/{ref}/deactivate")
def confirm_deactivate(
    ref: UserRef, request: Request, session: SessionDep, who: AdminDep
) -> Response:
    user = users.get_user(session, ref=ref)
    return page(request, who, "admin/confirm.html", {"user": user, "action": "deactivate"})


@router.post("/users/{ref}/deactivate")
def deactivate(ref: UserRef, session: SessionDep, who: AdminDep) -> Response:
    user = users.deactivate_user(session, who=who, ref=ref)
    return _user_page(user.username, "deactivated")


@router.post("/users/{ref}/reactivate")
def reactivate(ref: UserRef, session: SessionDep, who: AdminDep) -> Response:
    done = reactivation.reactivate(session, who=who, ref=ref)
    return _user_page(done.user.username, "reactivated", count=done.revoked_tokens)


@router.post("/users/{ref}/unlock")
def unlock(ref: UserRef, session: SessionDep, who: AdminDep) -> Response:
    user, forgotten = accounts.unlock(session, who=who, ref=ref)
    return _user_page(user.username, "unlocked", count=forgotten)


@router.get("/users/{ref}/password")
def password_form(ref: UserRef, request: Request, session: SessionDep, who: AdminDep) -> Response:
    user = users.get_user(session, ref=ref)
    return page(request, who, "admin/password.html", {"user": user})


@router.post("/users/{ref}/password")
@own_write_transactions
def reset_password(
    ref: UserRef,
    request: Request,
    session: SessionDep,
    who: AdminDep,
    cfg: SettingsDep,
    how: Annotated[str, Form(pattern="^(generate|typed)$")] = "generate",
    password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)] = "",
) -> Response:
    """The API's password change (one's own needs the current one: not from here). A
    generated password is shown once, on this answer only (never in a URL); a typed
    one is not shown again. Argon2 runs with no write transaction open."""
    user = users.get_user(session, ref=ref)  # the request's session only reads
    context: dict[str, Any] = {"username": user.username, "full_name": user.full_name}
    shown = passwords.generate() if how == "generate" else None
    revoked = password_change.change_password(
        database(request),
        who=who,
        ref=user.id,
        password=shown or password,
        current_password=None,
        address=client_address(request),
        rules=cfg.api.login,
    )
    context |= {"new_password": shown, "revoked": revoked}
    return page(request, who, "admin/password_set.html", context)
