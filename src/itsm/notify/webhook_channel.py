"""The webhook channel: each outbox row for a webhook becomes one signed HTTP POST.

The body is JSON (``generic``) or a Slack-compatible ``{"text": ...}`` line in the
desk's language (``slack``). Headers: ``X-Itsm-Event``, ``X-Itsm-Delivery`` (the
outbox token: the same on a retry, for the receiver's de-duplication),
``X-Itsm-Timestamp`` (Unix seconds) and ``X-Itsm-Signature-256``
(:mod:`itsm.webhooks.signing`). The URL is checked again for each batch the worker
delivers (once per URL in it) and every request goes to the very address checked,
with no redirect followed (:mod:`itsm.webhooks.address`). 2xx is delivered; 408, 429,
5xx, timeouts and connection errors are retried (``Retry-After`` honoured); other
answers are given up. A webhook failing ``webhooks.disable_after`` times in a row is disabled.
"""

from __future__ import annotations

import email.utils
import json
import logging
import ssl
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from itsm import i18n
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.i18n import gettext as _
from itsm.logs import fields
from itsm.notify.channels import Delivery, DeliveryFailed, Permanent, Transient
from itsm.notify.models import OutboxMessage
from itsm.tickets.models import Ticket
from itsm.webhooks import address, service, signing
from itsm.webhooks.config import WebhookSettings
from itsm.webhooks.errors import RefusedAddress, Unresolved
from itsm.webhooks.models import Webhook, WebhookEvent, WebhookFormat

log = logging.getLogger("itsm.notify")

#: Longest part of a refusing server's answer kept with the error.
_ANSWER_CHARS = 200
_RETRIED_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class Hook:
    """What a delivery needs of its webhook, read in the worker's read transaction."""

    id: int
    name: str
    url: str
    secret: str
    format: str


@dataclass(frozen=True)
class Answer:
    """What one POST got: the HTTP status (``None``: no answer at all, as a timeout or
    a refused address), the reason in one line, and whether to try again (and not
    before ``retry_after`` seconds)."""

    status: int | None
    reason: str
    retry: bool = False
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def failure(self) -> DeliveryFailed | None:
        """What the worker does with a message that got this answer (``None``: delivered)."""
        if self.delivered:
            return None
        if self.retry:
            return Transient(self.reason, retry_after=self.retry_after)
        return Permanent(self.reason)


def post(
    client: httpx.Client,
    hook: Hook,
    *,
    event: str,
    token: str,
    document: dict[str, Any],
    cfg: WebhookSettings,
    target: address.Target | None = None,
) -> Answer:
    """POST ``document`` to ``hook``, signed, at ``target`` (``hook.url`` checked now
    when not given); what it got (never raises for a refusal)."""
    if target is None:
        try:
            target = address.check(hook.url, allow_private=cfg.allow_private)
        except Unresolved as exc:
            return Answer(None, str(exc), retry=True)
        except RefusedAddress as exc:
            return Answer(None, str(exc))
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    literal = f"[{target.address}]" if target.address.version == 6 else str(target.address)
    default_port = 443 if target.scheme == "https" else 80
    host = target.host if ":" not in target.host else f"[{target.host}]"
    headers = {
        "Host": host if target.port == default_port else f"{host}:{target.port}",
        "Content-Type": "application/json",
        "X-Itsm-Event": event,
        "X-Itsm-Delivery": token,
        "X-Itsm-Timestamp": stamp,
        "X-Itsm-Signature-256": signing.signature(hook.secret, stamp, body),
    }
    url = f"{target.scheme}://{literal}:{target.port}{target.path}"
    # TLS names and checks the host as written, though the connection goes to the address.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        answer = client.post(url, content=body, headers=headers, extensions=extensions)
    except httpx.TimeoutException as exc:
        return Answer(None, f"{target.host}: timed out ({type(exc).__name__})", retry=True)
    except httpx.HTTPError as exc:
        return Answer(None, f"{target.host}: {type(exc).__name__}: {exc}", retry=True)
    status = answer.status_code
    if 200 <= status < 300:
        return Answer(status, f"HTTP {status}")
    said = " ".join(answer.text[:_ANSWER_CHARS].split())
    reason = f"HTTP {status} from {target.host}" + (f": {said}" if said else "")
    if status >= 500 or status in _RETRIED_STATUSES:
        waited = _retry_after(answer.headers.get("Retry-After"))
        return Answer(status, reason, retry=True, retry_after=waited)
    if 300 <= status < 400:
        reason += " (redirects are not followed: register the final URL)"
    return Answer(status, reason)


def checked(url: str, cfg: WebhookSettings) -> address.Target:
    """``url`` checked (:func:`itsm.webhooks.address.check`): :class:`Transient` if its
    name does not resolve now, :class:`Permanent` if it may not be posted to."""
    try:
        return address.check(url, allow_private=cfg.allow_private)
    except Unresolved as exc:
        raise Transient(str(exc)) from None
    except RefusedAddress as exc:
        raise Permanent(str(exc)) from None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); ``None`` when
    it is missing or makes no sense (negative, unreadable)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    seconds = (moment - datetime.now(UTC)).total_seconds()
    return seconds if seconds > 0 else None


def client(cfg: WebhookSettings, *, tls: ssl.SSLContext | None = None) -> httpx.Client:
    """The HTTP client of a batch: timeouts, no redirects, no proxies from the
    environment (the request must go to the address that was checked)."""
    return httpx.Client(
        verify=tls if tls is not None else True,
        timeout=httpx.Timeout(cfg.timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": "itsm-webhooks"},
    )


class Webhooks:
    """The webhook :class:`~itsm.notify.channels.Deliverer`; one HTTP client (and its
    kept-alive connections) per batch."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cfg = settings.webhooks
        self._client: httpx.Client | None = None
        self._tls: ssl.SSLContext | None = None  # loading the CA bundle is slow: once
        # Read once per batch: a batch is mostly a few webhooks told of a few tickets.
        self._hooks: dict[int, Hook | None] = {}
        self._tickets: dict[int, dict[str, Any] | None] = {}
        # Checked once per batch, every batch: a name re-pointed since the last batch
        # (DNS rebinding) is seen at the next one, and each call goes to the address checked.
        self._targets: dict[str, address.Target] = {}

    def prepare(self, session: Session, delivery: Delivery) -> Delivery:
        hook_id = delivery.webhook_id or 0
        if hook_id not in self._hooks:
            found = session.get(Webhook, hook_id) if hook_id else None
            self._hooks[hook_id] = (
                Hook(found.id, found.name, found.url, found.secret, found.format)
                if found is not None and found.active
                else None
            )
        facts = self._hooks[hook_id]
        if facts is None:
            return replace(delivery, extra={"refused": "the webhook is disabled or deleted"})
        ticket_id = delivery.ticket.id if delivery.ticket else 0
        if ticket_id not in self._tickets:
            ticket = session.get(Ticket, ticket_id) if ticket_id else None
            self._tickets[ticket_id] = _ticket(ticket, self.settings)
        return replace(delivery, extra={"hook": facts, "ticket": self._tickets[ticket_id]})

    def send(self, delivery: Delivery) -> None:
        refused = delivery.extra.get("refused")
        if refused:
            raise Permanent(str(refused))
        hook: Hook = delivery.extra["hook"]
        event = str(delivery.payload.get("event", ""))
        if self._client is None:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            self._client = client(self.cfg, tls=self._tls)
        answer = post(
            self._client,
            hook,
            event=event,
            token=delivery.token,
            document=document(delivery, hook.format, event=event),
            cfg=self.cfg,
            target=self._target(hook.url),
        )
        if (failure := answer.failure()) is not None:
            raise failure

    def _target(self, url: str) -> address.Target:
        target = self._targets.get(url)
        if target is None:  # a refused or unresolved URL is not kept: checked again next time
            target = self._targets[url] = checked(url, self.cfg)
        return target

    def record(self, session: Session, delivery: Delivery) -> None:
        hook = _held(session, delivery.webhook_id)
        if hook is not None:
            service.record_success(hook)

    def failed(self, session: Session, message: OutboxMessage, failure: DeliveryFailed) -> None:
        hook = _held(session, message.webhook_id)
        if hook is None or not hook.active:
            return
        if service.record_failure(session, hook, reason=str(failure), cfg=self.cfg):
            log.warning(
                "webhook.disabled",
                extra=fields(webhook=hook.name, failures=hook.consecutive_failures),
            )

    def close(self) -> None:
        self._hooks.clear()
        self._tickets.clear()
        self._targets.clear()
        if self._client is not None:
            self._client.close()
            self._client = None


def _held(session: Session, hook_id: int | None) -> Webhook | None:
    """The webhook, read once per marking transaction (the session holds it for the
    batch's other messages, which its identity map alone would not)."""
    if not hook_id:
        return None
    held: dict[int, Webhook | None] = session.info.setdefault("itsm.webhooks", {})
    if hook_id not in held:
        held[hook_id] = session.get(Webhook, hook_id)
    return held[hook_id]


def _ticket(ticket: Ticket | None, settings: Settings) -> dict[str, Any] | None:
    if ticket is None:
        return None
    base = settings.email.base_url
    return {
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category,
        "requester": ticket.requester.full_name if ticket.requester else None,
        "assignee": ticket.assignee.full_name if ticket.assignee else None,
        "url": f"{base}/tickets/{ticket.number}" if base else None,
    }


def document(delivery: Delivery, fmt: str, *, event: str) -> dict[str, Any]:
    """The JSON body of ``delivery``: the generic document or the Slack line."""
    ticket: dict[str, Any] | None = delivery.extra.get("ticket")
    occurred = delivery.created_at or utcnow()
    if fmt == WebhookFormat.SLACK:
        return {"text": slack_text(event, ticket, language=delivery.recipient.language)}
    return {
        "event": event,
        "delivery": delivery.token,
        "occurred_at": occurred.astimezone(UTC).isoformat(),
        "ticket": ticket,
    }


def slack_text(event: str, ticket: dict[str, Any] | None, *, language: str) -> str:
    """One line for a chat room, escaped as Slack's ``text`` requires."""
    with i18n.activated(language):
        line = _line(event).format(
            number=ticket["number"] if ticket else "",
            title=ticket["title"] if ticket else "",
            assignee=(ticket or {}).get("assignee") or _("nobody"),
            status=_(_STATUS.get(ticket["status"], ticket["status"])) if ticket else "",
        )
    text = _escaped(line)
    url = (ticket or {}).get("url")
    return f"{text} <{_escaped(url)}|{_escaped(ticket['number'])}>" if url and ticket else text


def N_(message: str) -> str:  # noqa: N802 - gettext's marker, as the extractor knows it
    return message


#: A status as a chat line says it ("TKT-… is now resolved").
_STATUS = {
    "open": N_("open"),
    "in_progress": N_("in progress"),
    "pending": N_("waiting for the requester"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _line(event: str) -> str:
    if event == WebhookEvent.CREATED:
        return _("New ticket {number}: {title}")
    if event == WebhookEvent.ASSIGNED:
        return _("{number} assigned to {assignee}: {title}")
    if event == WebhookEvent.COMMENTED:
        return _("New public reply on {number}: {title}")
    if event == WebhookEvent.STATUS_CHANGED:
        return _("{number} is now {status}: {title}")
    if event == WebhookEvent.REOPENED:
        return _("{number} was reopened: {title}")
    if event == WebhookEvent.SLA_WARNING:
        return _("{number} is close to its due time: {title}")
    if event == WebhookEvent.SLA_BREACH:
        return _("{number} is past its due time: {title}")
    if event == WebhookEvent.ESCALATED:
        return _("{number} was escalated to {assignee}: {title}")
    return _("Test message from the IT help desk")
