"""Prometheus Alertmanager's webhook receiver: alerts open, update and resolve tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from itsm.accounts.service import Principal
from itsm.api.deps import CallerDep
from itsm.integrations import alertmanager
from itsm.integrations.schemas import Receipt, WebhookPayload
from itsm.server.deps import SessionDep, SettingsDep

router = APIRouter(tags=["integrations"])


def sender(who: CallerDep) -> Principal:
    alertmanager.require_sender(who)
    return who


@router.post(
    "/integrations/alertmanager",
    summary="Alertmanager webhook (payload version 4): alerts open, update and resolve tickets",
    description=(
        "Each firing alert opens a ticket (source 'alert'), or adds a rate-limited comment to "
        "the active ticket of the same alert fingerprint; each resolved alert resolves it. "
        "Duplicate deliveries, also concurrent ones, never open a second ticket. "
        "See docs/api.md for the webhook_configs block."
    ),
)
def receive_alerts(
    body: WebhookPayload,
    session: SessionDep,
    cfg: SettingsDep,
    _who: Annotated[Principal, Depends(sender)],
) -> Receipt:
    return alertmanager.receive(
        session,
        payload=body,
        settings=cfg.integrations.alertmanager,
        zone=cfg.zone,
        sla=cfg.sla,
    )
