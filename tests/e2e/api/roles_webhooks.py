"""Who may manage outgoing webhooks (see matrix.py): admins only. The seeded webhook's
host does not resolve, so its test delivery fails at once, without the network."""

from __future__ import annotations

from tests.e2e.api.matrix import Case

ADMIN = frozenset({"admin"})
NEW = {"name": "crm", "url": "https://93.184.215.14/hooks/itsm", "events": ["ticket.created"]}

CASES = [
    Case("GET", "/webhooks", ADMIN),
    Case("POST", "/webhooks", ADMIN, body=NEW, mutates=True),
    Case("GET", "/webhooks/{webhook}", ADMIN, template="/webhooks/{ref}"),
    Case(
        "POST", "/webhooks/{webhook}/enable", ADMIN, template="/webhooks/{ref}/enable", mutates=True
    ),
    Case(
        "POST",
        "/webhooks/{webhook}/disable",
        ADMIN,
        template="/webhooks/{ref}/disable",
        mutates=True,
    ),
    Case("POST", "/webhooks/{webhook}/test", ADMIN, template="/webhooks/{ref}/test"),
    Case("DELETE", "/webhooks/{webhook}", ADMIN, template="/webhooks/{ref}", mutates=True),
]
