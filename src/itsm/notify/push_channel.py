"""The web push channel: one outbox message per person, sent to each of their browsers.

Messages go through pywebpush: encrypted for the browser (RFC 8291, ``aes128gcm``)
and signed with the desk's VAPID key (RFC 8292). The payload is JSON ``{title, body,
url, tag}`` in the recipient's language, from the same texts as the in-app line (a
ticket's number and title, never a comment), so the service worker shows it as it
comes. A push service that says a browser is gone (404, 410) or subscribed with
another key (403) loses that subscription at once; 429 and 5xx are tried again.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import Database
from itsm.errors import N_, ConfigError
from itsm.extras import require
from itsm.notify import push_subscriptions, vapid
from itsm.notify.channels import Delivery, DeliveryFailed, Permanent, Transient
from itsm.notify.models import NotifyKind, OutboxMessage
from itsm.notify.texts import headline, summary

#: A browser gone (404, 410) or subscribed with another VAPID key (403, RFC 8292).
_GONE = frozenset({403, 404, 410})
_URGENT = frozenset({NotifyKind.SLA_BREACH, NotifyKind.ESCALATED})
#: Messages whose browsers are partly done, kept so a retry skips the done ones.
_REMEMBERED = 10_000


@dataclass(frozen=True)
class Browser:
    id: int
    endpoint: str
    p256dh: str
    auth: str


def payload(delivery: Delivery) -> dict[str, Any]:
    """What the service worker shows: title, body, the page to open, and a tag that
    folds a ticket's notifications into one."""
    ticket = delivery.ticket
    return {
        "title": headline(delivery),
        "body": summary(delivery),
        "url": f"/tickets/{ticket.number}" if ticket is not None else "/notifications",
        "tag": ticket.number if ticket is not None else delivery.kind,
    }


class Push:
    """The push :class:`~itsm.notify.channels.Deliverer`; keeps one HTTP session open
    across a batch."""

    def __init__(self, settings: Settings, db: Database) -> None:
        require("push", needed_by="web push (push.vapid_private_key_file)")
        from py_vapid import Vapid

        cfg = settings.push
        if cfg.vapid_private_key_file is None or cfg.vapid_subject is None:
            raise ConfigError(
                N_("web push needs push.vapid_private_key_file and push.vapid_subject")
            )
        self.cfg = cfg
        self.db = db
        self.subject = cfg.vapid_subject
        self.signer = Vapid(private_key=vapid.load(cfg.vapid_private_key_file))
        self._http: Any = None
        self._done: OrderedDict[str, set[int]] = OrderedDict()

    def prepare(self, session: Session, delivery: Delivery) -> Delivery:
        browsers = [
            Browser(id=s.id, endpoint=s.endpoint, p256dh=s.p256dh, auth=s.auth)
            for s in push_subscriptions.listed_for(session, user_id=delivery.recipient.id)
        ]
        return replace(delivery, extra={"browsers": browsers})

    def send(self, delivery: Delivery) -> None:
        browsers: list[Browser] = delivery.extra.get("browsers", [])
        if not browsers:
            raise Permanent("no browser of the recipient is subscribed to push any more")
        data = json.dumps(payload(delivery), ensure_ascii=False)
        done = self._done.setdefault(delivery.token, set())
        gone: list[int] = []
        later: list[str] = []
        refused: list[str] = []
        for browser in browsers:
            if browser.id in done:
                continue
            status, text = self._post(browser, data, urgent=delivery.kind in _URGENT)
            if status is not None and 200 <= status < 300:
                done.add(browser.id)
            elif status in _GONE:
                gone.append(browser.id)
            elif status is None or status == 429 or status >= 500:
                later.append(text)
            else:
                refused.append(text)
        if gone:
            with self.db.session() as session:
                push_subscriptions.forget(session, ids=gone)
        if later:
            self._remember(delivery.token)
            raise Transient("; ".join(later))
        self._done.pop(delivery.token, None)
        if not done:
            if refused:
                raise Permanent("; ".join(refused))
            raise Permanent("every browser of the recipient is gone from its push service")
        delivery.extra["reached"] = sorted(done)

    def record(self, session: Session, delivery: Delivery) -> None:
        push_subscriptions.reached(session, ids=delivery.extra.get("reached", []), at=utcnow())

    def failed(self, session: Session, message: OutboxMessage, failure: DeliveryFailed) -> None:
        """The worker's retries and dead letters are enough."""

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # -- one browser ---------------------------------------------------------------------

    def _post(self, browser: Browser, data: str, *, urgent: bool) -> tuple[int | None, str]:
        """The push service's status for ``browser`` (None: not reached) and what to say."""
        import requests
        from pywebpush import WebPushException, webpush

        if self._http is None:
            self._http = requests.Session()
        where = _origin(browser.endpoint)
        try:
            webpush(
                {
                    "endpoint": browser.endpoint,
                    "keys": {"p256dh": browser.p256dh, "auth": browser.auth},
                },
                data,
                vapid_private_key=self.signer,
                vapid_claims={"sub": self.subject},  # a new dict: webpush adds aud and exp
                ttl=self.cfg.ttl_seconds,
                timeout=self.cfg.timeout_seconds,
                headers={"Urgency": "high" if urgent else "normal"},
                requests_session=self._http,
            )
        except WebPushException as exc:
            status = exc.status_code
            if status is None:
                return None, f"{where}: {exc.message}"
            return int(status), f"{where} answered {status}"
        except requests.RequestException as exc:
            return None, f"{where}: {type(exc).__name__}"
        except ValueError:  # keys that cannot encrypt: that browser can never be reached
            return 410, f"{where}: the browser's keys are not usable"
        return 201, ""

    def _remember(self, token: str) -> None:
        self._done.move_to_end(token)
        while len(self._done) > _REMEMBERED:
            self._done.popitem(last=False)


def _origin(endpoint: str) -> str:
    scheme, _, rest = endpoint.partition("://")
    return f"push service {scheme}://{rest.split('/', 1)[0]}"
