"""Outgoing webhooks (``/webhooks``), for admins: the same service as ``itsm webhook``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from itsm.accounts.principal import Principal
from itsm.api.deps import allowed
from itsm.server.deps import SessionDep, SettingsDep
from itsm.users.policy import require_admin
from itsm.webhooks import service
from itsm.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookRead, WebhookTested

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Admin = Annotated[Principal, allowed(require_admin)]
Ref = Annotated[str, Path(max_length=100, description="The webhook's id or name.")]


@router.get("", summary="Every webhook (never its secret)")
def list_webhooks(session: SessionDep, who: Admin) -> list[WebhookRead]:
    return [WebhookRead.model_validate(h) for h in service.listed(session, who=who)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook; the answer holds its signing secret, shown only this once",
    responses={422: {"description": "Invalid, or a URL refused (not http(s), private)"}},
)
def add_webhook(
    session: SessionDep, who: Admin, settings: SettingsDep, data: WebhookCreate
) -> WebhookCreated:
    hook, secret = service.add(session, who=who, data=data, cfg=settings.webhooks)
    return WebhookCreated(**WebhookRead.model_validate(hook).model_dump(), secret=secret)


@router.get("/{ref}", summary="One webhook, by id or name")
def get_webhook(session: SessionDep, who: Admin, ref: Ref) -> WebhookRead:
    return WebhookRead.model_validate(service.get(session, who=who, ref=ref))


@router.post("/{ref}/enable", summary="Enable a webhook; its failures start afresh")
def enable_webhook(session: SessionDep, who: Admin, ref: Ref) -> WebhookRead:
    return WebhookRead.model_validate(service.set_active(session, who=who, ref=ref, active=True))


@router.post("/{ref}/disable", summary="Stop delivering to a webhook")
def disable_webhook(session: SessionDep, who: Admin, ref: Ref) -> WebhookRead:
    hook = service.set_active(session, who=who, ref=ref, active=False)
    return WebhookRead.model_validate(hook)


@router.post("/{ref}/test", summary="POST a signed ping to the webhook now")
def test_webhook(session: SessionDep, who: Admin, settings: SettingsDep, ref: Ref) -> WebhookTested:
    tested = service.send_test(session, who=who, ref=ref, settings=settings)
    return WebhookTested(ok=tested.delivered, status=tested.status, detail=tested.line)


@router.delete(
    "/{ref}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a webhook and its undelivered messages",
)
def delete_webhook(session: SessionDep, who: Admin, ref: Ref) -> Response:
    service.delete(session, who=who, ref=ref)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
