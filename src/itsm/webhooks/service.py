"""Webhooks: registered, listed, enabled, disabled, deleted and tested by admins.

The secret is made here and given back once, by :func:`add`; :class:`WebhookRead`
never carries it. Whether a URL may be used is :mod:`itsm.webhooks.address`;
delivery is the ``webhook`` channel (:mod:`itsm.notify.webhook_channel`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.accounts.principal import Principal
from itsm.db.base import utcnow
from itsm.db.ids import parse_id
from itsm.errors import N_, Said, render
from itsm.notify import dead_letters
from itsm.users.policy import require_admin
from itsm.webhooks import address, signing
from itsm.webhooks.config import WebhookSettings
from itsm.webhooks.errors import WebhookNameTaken, WebhookNotFound
from itsm.webhooks.models import Webhook, WebhookFormat
from itsm.webhooks.schemas import WebhookCreate

if TYPE_CHECKING:
    from itsm.config import Settings


def add(
    session: Session, *, who: Principal | None, data: WebhookCreate, cfg: WebhookSettings
) -> tuple[Webhook, str]:
    """Register a webhook; it and its secret (shown this once)."""
    require_admin(who)
    address.check(data.url, allow_private=cfg.allow_private)
    if session.scalar(select(Webhook.id).where(Webhook.name == data.name)) is not None:
        raise WebhookNameTaken(data.name)
    secret = signing.new_secret()
    hook = Webhook(
        name=data.name,
        url=data.url,
        events=[e.value for e in data.events],
        secret=secret,
        format=data.format,
        active=True,
        consecutive_failures=0,
        created_by_id=who.user.id if who is not None else None,
    )
    session.add(hook)
    session.flush()
    return hook, secret


def listed(session: Session, *, who: Principal | None) -> Sequence[Webhook]:
    require_admin(who)
    return session.scalars(select(Webhook).order_by(Webhook.id)).all()


def get(session: Session, *, who: Principal | None, ref: int | str) -> Webhook:
    """The webhook ``ref`` names: its id or its name."""
    require_admin(who)
    found: Webhook | None = None
    if (hook_id := parse_id(ref)) is not None:
        found = session.get(Webhook, hook_id)
    if found is None and isinstance(ref, str) and "\x00" not in ref:  # no name holds NUL
        found = session.scalar(select(Webhook).where(Webhook.name == ref.strip()))
    if found is None:
        raise WebhookNotFound(ref)
    return found


def set_active(session: Session, *, who: Principal | None, ref: int | str, active: bool) -> Webhook:
    """Enable (its failures forgotten) or disable (by hand) a webhook."""
    hook = get(session, who=who, ref=ref)
    if active:
        hook.active = True
        hook.consecutive_failures = 0
        hook.disabled_reason = None
        hook.disabled_at = None
    elif hook.active:
        _disable(session, hook, reason="disabled by an admin")
    session.flush()
    return hook


def _disable(session: Session, hook: Webhook, *, reason: str) -> None:
    """Turn ``hook`` off with ``reason``; its pending messages become dead letters at
    once (enabling it again sends none of them: an admin requeues them if wanted)."""
    hook.active = False
    hook.disabled_reason = reason
    hook.disabled_at = utcnow()
    dead_letters.give_up_webhook(
        session, webhook_id=hook.id, reason=f"not sent: the webhook was disabled ({reason})"
    )


def dead_counts(session: Session, *, who: Principal | None) -> dict[int, int]:
    """Each webhook's given-up messages (for the admin page)."""
    require_admin(who)
    return dead_letters.dead_per_webhook(session)


def retry_dead(session: Session, *, who: Principal | None, ref: int | str) -> int:
    """Requeue the webhook's given-up messages (an admin's choice after enabling it)."""
    hook = get(session, who=who, ref=ref)
    return dead_letters.retry(session, who=who, ids=None, webhook_id=hook.id)


def delete(session: Session, *, who: Principal | None, ref: int | str) -> Webhook:
    """Remove a webhook, with its undelivered messages."""
    hook = get(session, who=who, ref=ref)
    session.delete(hook)
    session.flush()
    return hook


def record_success(hook: Webhook) -> None:
    if hook.consecutive_failures:
        hook.consecutive_failures = 0


def record_failure(session: Session, hook: Webhook, *, reason: str, cfg: WebhookSettings) -> bool:
    """Count one more failed delivery; disable the webhook after ``cfg.disable_after``
    in a row (its pending messages given up). Whether this failure disabled it."""
    hook.consecutive_failures += 1
    if hook.active and hook.consecutive_failures >= cfg.disable_after:
        why = f"{hook.consecutive_failures} failed deliveries in a row; last: {reason}"
        _disable(session, hook, reason=why)
        return True
    return False


@dataclass(frozen=True)
class Tested:
    """What a test delivery got: the HTTP status (``None``: no answer) and the outcome
    in one line, as a message id and its parameters (each door words it)."""

    delivered: bool
    status: int | None
    said: Said

    @property
    def line(self) -> str:
        """The outcome in English (the CLI and the API)."""
        return render(*self.said)


def send_test(
    session: Session, *, who: Principal | None, ref: int | str, settings: Settings
) -> Tested:
    """POST a signed ``ping`` to the webhook now (whether it is active or not) and say
    what it got. Counts no failure."""
    from itsm import extras

    hook = get(session, who=who, ref=ref)
    extras.require("server", needed_by="a webhook's delivery")
    from itsm.notify.webhook_channel import Hook, client, post

    facts = Hook(hook.id, hook.name, hook.url, hook.secret, hook.format)
    token = str(uuid.uuid4())
    if hook.format == WebhookFormat.SLACK:
        from itsm.notify.webhook_channel import slack_text

        document: dict[str, object] = {"text": slack_text(PING, None, language=settings.language)}
    else:
        document = {"event": PING, "delivery": token, "occurred_at": utcnow().isoformat()}
        document["webhook"] = hook.name
    with client(settings.webhooks) as http:
        answer = post(
            http, facts, event=PING, token=token, document=document, cfg=settings.webhooks
        )
    if answer.delivered:
        said: Said = (
            N_("Delivered: the server answered HTTP %(status)s."),
            {"status": answer.status},
        )
    else:
        said = (N_("Not delivered: %(reason)s"), {"reason": answer.reason})
    return Tested(answer.delivered, answer.status, said)


#: The event of a test delivery (``itsm webhook test``).
PING = "ping"
