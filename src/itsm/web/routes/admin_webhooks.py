"""The admin page for outgoing webhooks: the list with each one's state and why it was
disabled, a new webhook (its secret shown once), enabling, disabling and deleting.
Admins only (others 404), through the webhooks service the API and ``itsm webhook``
call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from itsm.errors import ItsmError
from itsm.server.deps import SessionDep, SettingsDep
from itsm.validation import validated
from itsm.web.routes.admin import AdminDep, page
from itsm.webhooks import service as webhooks
from itsm.webhooks.models import WebhookEvent, WebhookFormat
from itsm.webhooks.schemas import WebhookCreate, WebhookRead

router = APIRouter(prefix="/admin")
HookId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _list_page(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    *,
    values: dict[str, object] | None = None,
    error: ItsmError | None = None,
    tested: tuple[str, webhooks.Tested] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "hooks": [WebhookRead.model_validate(h) for h in webhooks.listed(session, who=who)],
        "dead": webhooks.dead_counts(session, who=who),
        "tested": tested,
        "events": list(WebhookEvent),
        "formats": list(WebhookFormat),
        "values": values or {},
        "error": error,
    }
    return page(request, who, "admin/webhooks.html", context, status=status)


@router.get("/webhooks")
def webhook_list(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    return _list_page(request, session, who, values={"done": done})


@router.post("/webhooks")
def add_webhook(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    cfg: SettingsDep,
    name: Annotated[str, Form(max_length=200)] = "",
    url: Annotated[str, Form(max_length=4000)] = "",
    fmt: Annotated[str, Form(alias="format", max_length=16)] = "generic",
    events: Annotated[list[str] | None, Form(alias="event")] = None,
) -> Response:
    """As ``itsm webhook add``; the secret is on this answer only."""
    values: dict[str, object] = {"name": name, "url": url, "format": fmt, "event": events or []}
    try:
        data = validated(
            WebhookCreate, {"name": name, "url": url, "format": fmt, "events": events or []}
        )
        hook, secret = webhooks.add(session, who=who, data=data, cfg=cfg.webhooks)
    except ItsmError as exc:  # the form again, as typed, with what was wrong
        return _list_page(request, session, who, values=values, error=exc, status=422)
    made = WebhookRead.model_validate(hook)
    return page(request, who, "admin/webhook_created.html", {"hook": made, "secret": secret})


@router.post("/webhooks/{hook_id}/enable")
def enable(hook_id: HookId, session: SessionDep, who: AdminDep) -> Response:
    webhooks.set_active(session, who=who, ref=hook_id, active=True)
    return RedirectResponse("/admin/webhooks?done=enabled", status_code=303)


@router.post("/webhooks/{hook_id}/disable")
def disable(hook_id: HookId, session: SessionDep, who: AdminDep) -> Response:
    webhooks.set_active(session, who=who, ref=hook_id, active=False)
    return RedirectResponse("/admin/webhooks?done=disabled", status_code=303)


@router.post("/webhooks/{hook_id}/test")
def send_test(
    hook_id: HookId, request: Request, session: SessionDep, who: AdminDep, cfg: SettingsDep
) -> Response:
    """As ``itsm webhook test``: the page again with the same one-line outcome."""
    name = webhooks.get(session, who=who, ref=hook_id).name
    tested = webhooks.send_test(session, who=who, ref=hook_id, settings=cfg)
    return _list_page(request, session, who, tested=(name, tested))


@router.post("/webhooks/{hook_id}/retry")
def retry_dead(hook_id: HookId, session: SessionDep, who: AdminDep) -> Response:
    """Requeue the webhook's given-up messages (enabling it alone sends none of them)."""
    webhooks.retry_dead(session, who=who, ref=hook_id)
    return RedirectResponse("/admin/webhooks?done=retried", status_code=303)


@router.get("/webhooks/{hook_id}/delete")
def confirm_delete(
    hook_id: HookId, request: Request, session: SessionDep, who: AdminDep
) -> Response:
    hook = WebhookRead.model_validate(webhooks.get(session, who=who, ref=hook_id))
    return page(request, who, "admin/confirm.html", {"hook": hook, "action": "delete_webhook"})


@router.post("/webhooks/{hook_id}/delete")
def delete(hook_id: HookId, session: SessionDep, who: AdminDep) -> Response:
    webhooks.delete(session, who=who, ref=hook_id)
    return RedirectResponse("/admin/webhooks?done=deleted", status_code=303)
