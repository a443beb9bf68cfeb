"""Web push in Chromium, on both databases: the service worker registers at /sw.js with
the whole site as its scope, and "Push on this browser" on the preferences page works
as far as this machine lets it. Chromium's PushManager.subscribe needs Google's push
service, which test machines cannot reach: the switch then says so and stores nothing;
the routes it calls once subscribed are driven from the page with the session's CSRF
token (the delivery itself is tests/integration/notify/test_push.py)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from itsm.accounts import password_change
from itsm.notify import vapid
from itsm.notify.models import PushSubscription
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import (
    PASSWORD,
    VIEWPORTS,
    Served,
    browsing,
    check_page,
    log_in,
    serving,
)
from tests.push_service import Browser as Subscriber

_SEND = """async ([url, body]) => {
  const csrf = document.getElementById("push").getAttribute("data-csrf");
  const answer = await fetch(url, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
    body: JSON.stringify(body)});
  return answer.status;
}"""


#: Runs the service worker's ``renewed`` as its ``pushsubscriptionchange`` handler does,
#: with the old and new subscriptions as the browser would hand them over.
_RENEW = """([old, fresh]) => renewed({toJSON: () => old}, {toJSON: () => fresh})"""


def _endpoints(served: Served) -> list[str]:
    with served.db.session(write=False) as session:
        return list(session.scalars(select(PushSubscription.endpoint)))


def test_the_service_worker_registers_and_the_switch_stores_only_real_subscriptions(
    chromium: Browser, fresh_db_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "vapid.pem"
    vapid.write(vapid.generate(), key)
    settings = {
        "ITSM_PUSH__VAPID_PRIVATE_KEY_FILE": str(key),
        "ITSM_PUSH__VAPID_SUBJECT": "mailto:admin@example.org",
    }
    with serving(fresh_db_url, tmp_path, **settings) as served:
        with served.db.session() as session:
            users.create_user(session, data=UserCreate(username="ana", full_name="Ana Pérez"))
            password_change.set_password(
                session, ref="ana", password=password_change.new_password(PASSWORD)
            )
        with browsing(chromium, served, VIEWPORTS["desktop"]) as page:
            worker = page.request.get("/sw.js")
            assert worker.headers["service-worker-allowed"] == "/"
            assert worker.headers["content-type"].startswith("text/javascript")
            assert "script-src 'self'" in worker.headers["content-security-policy"]
            log_in(page, "ana", PASSWORD)
            page.goto("/me/notifications")
            switch = page.get_by_role("switch", name="Notificaciones push en este navegador")
            expect(switch).to_be_enabled()  # the worker is ready and no subscription exists
            expect(switch).not_to_be_checked()
            status = page.locator("#push-status")
            expect(status).to_have_text("Este navegador no muestra notificaciones push.")
            registered = page.evaluate(
                "navigator.serviceWorker.ready.then(r => [r.scope, r.active.scriptURL])"
            )
            assert registered == [f"{served.base_url}/", f"{served.base_url}/sw.js"]
            public = page.locator("#push").get_attribute("data-key")
            assert public == vapid.public_key(vapid.load(key))
            check_page(page, "push-switch", "push")

            # Not allowed to notify: the switch stays off and says where to allow it.
            switch.click()
            expect(page.locator("#push")).to_have_attribute("data-state", "denied")
            expect(status).to_contain_text("Este navegador bloquea las notificaciones")
            expect(switch).not_to_be_checked()

            # Allowed, but no push service to reach: said so, nothing stored.
            page.context.grant_permissions(["notifications"])
            switch.click()
            expect(page.locator("#push")).to_have_attribute("data-state", "failed", timeout=60_000)
            expect(status).to_have_text(
                "El navegador no pudo contactar con su servicio push; inténtelo más tarde."
            )
            expect(switch).not_to_be_checked()
            assert _endpoints(served) == []

            # What the switch sends once the browser has a subscription, and when it is
            # switched off: the page's own routes, with the session's CSRF token.
            phone = Subscriber(endpoint="https://fcm.googleapis.com/fcm/send/ana-phone")
            assert page.evaluate(_SEND, ["/me/push-subscriptions", phone.subscription()]) == 204
            assert _endpoints(served) == [phone.endpoint]
            wrong = {**phone.subscription(), "endpoint": "http://push.example.org/x"}
            assert page.evaluate(_SEND, ["/me/push-subscriptions", wrong]) == 422
            gone = ["/me/push-subscriptions/delete", {"endpoint": phone.endpoint}]
            assert page.evaluate(_SEND, gone) == 204
            assert _endpoints(served) == []
            refused = page.request.post("/me/push-subscriptions", data=phone.subscription())
            assert refused.status == 403  # no CSRF token
            assert _endpoints(served) == []

            # Logging out (push.js unsubscribes the browser first, where it has a
            # subscription) forgets the browsers switched on in this login.
            assert page.evaluate(_SEND, ["/me/push-subscriptions", phone.subscription()]) == 204
            assert _endpoints(served) == [phone.endpoint]

            # The push service renews the subscription: the service worker's own code
            # (what its pushsubscriptionchange runs) has the new one replace the old one,
            # still tied to this login.
            (sw,) = page.context.service_workers
            renewed = Subscriber(endpoint="https://fcm.googleapis.com/fcm/send/ana-phone-2")
            assert sw.evaluate(_RENEW, [phone.subscription(), renewed.subscription()])
            assert _endpoints(served) == [renewed.endpoint]
            stranger = Subscriber(endpoint="https://fcm.googleapis.com/fcm/send/stranger")
            forged = {**renewed.subscription(), "keys": stranger.subscription()["keys"]}
            sw.evaluate(_RENEW, [forged, stranger.subscription()])
            assert _endpoints(served) == [renewed.endpoint]  # no proof, no change
            page.get_by_role("button", name="Cerrar sesión").click()
            page.wait_for_url(f"{served.base_url}/login**")
            assert _endpoints(served) == []
