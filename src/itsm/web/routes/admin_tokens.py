"""The admin pages for API tokens: everyone's personal and agent tokens, a new agent
token (its secret shown once), revoking one. Admins only (others 404), through the
accounts service the API and ``itsm token`` call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from itsm.accounts import service as accounts
from itsm.accounts.models import TokenKind, TokenScope
from itsm.accounts.schemas import TokenCreate
from itsm.errors import ItsmError
from itsm.server.deps import SessionDep, SettingsDep
from itsm.validation import validated
from itsm.web.routes.admin import AdminDep, page

router = APIRouter(prefix="/admin")
TokenId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _list_page(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    *,
    revoked: bool,
    values: dict[str, object] | None = None,
    error: ItsmError | None = None,
    status: int = 200,
) -> Response:
    tokens = accounts.token_reads(
        session, accounts.list_tokens(session, who=who, include_revoked=revoked)
    )
    context = {
        "tokens": tokens,
        "revoked": revoked,
        "scopes": list(TokenScope),
        "values": values or {},
        "error": error,
    }
    return page(request, who, "admin/tokens.html", context, status=status)


@router.get("/tokens")
def token_list(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    revoked: Annotated[bool, Query()] = False,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    return _list_page(request, session, who, revoked=revoked, values={"done": done})


@router.post("/tokens")
def create_agent_token(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    cfg: SettingsDep,
    name: Annotated[str, Form(max_length=200)] = "",
    host: Annotated[str, Form(max_length=600)] = "",
    scopes: Annotated[list[str] | None, Form(alias="scope")] = None,
    expires_in_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """An agent token of the diagnostics agent's account, as ``itsm token create
    --agent``; its secret is on this answer only."""
    values: dict[str, object] = {
        "name": name,
        "host": host,
        "scope": scopes or [],
        "expires_in_days": expires_in_days,
    }
    try:
        data = validated(
            TokenCreate,
            {
                "name": name,
                "kind": TokenKind.AGENT,
                "host": host.strip() or None,
                "scopes": scopes or None,
                "expires_in_days": expires_in_days.strip() or None,
            },
        )
        with session.begin_nested():  # a refusal leaves nothing written (the agent's account)
            token, secret = accounts.issue_token(
                session,
                who=who,
                data=data,
                agent_account=cfg.diagnostics.tickets.agent_username,
                max_days=cfg.api.token_days,
            )
    except ItsmError as exc:  # the form again, as typed, with what was wrong
        return _list_page(
            request, session, who, revoked=False, values=values, error=exc, status=422
        )
    issued = accounts.issued_token(session, token, secret)
    return page(request, who, "admin/token_created.html", {"token": issued})


@router.get("/tokens/{token_id}/revoke")
def confirm_revoke(
    token_id: TokenId, request: Request, session: SessionDep, who: AdminDep
) -> Response:
    token = accounts.token_reads(session, [accounts.get_token(session, token_id=token_id)])[0]
    return page(request, who, "admin/confirm.html", {"token": token, "action": "revoke"})


@router.post("/tokens/{token_id}/revoke")
def revoke(token_id: TokenId, session: SessionDep, who: AdminDep) -> Response:
    accounts.revoke_token(session, who=who, token_id=token_id)
    return RedirectResponse("/admin/tokens?done=revoked", status_code=303)
