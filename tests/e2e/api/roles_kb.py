"""Who may call the knowledge-base routes (see :mod:`tests.e2e.api.matrix`).

Every person reads, searches and votes on published articles; only technicians and admins
write, edit and see drafts. A draft is "not found" (404) for end users, exactly
like an article that does not exist; an agent token is refused (403) by the
person gate before any article is looked up, as on every person route.
"""

from __future__ import annotations

from tests.e2e.api.matrix import PEOPLE, STAFF, Case

CASES: list[Case] = [
    Case("GET", "/kb/articles", PEOPLE),
    Case("GET", "/kb/articles", PEOPLE, params={"category": "network", "published_only": True}),
    Case("GET", "/kb/articles/search", PEOPLE, params={"q": "vpn", "limit": 5}),
    Case("GET", "/kb/articles/{article}", PEOPLE, template="/kb/articles/{article_id}"),
    Case(
        "GET",
        "/kb/articles/{draft}",
        STAFF,
        denied_status=404,
        template="/kb/articles/{article_id}",
    ),
    Case(
        "POST",
        "/kb/articles",
        STAFF,
        body={"title": "Reset a password", "body": "Use the portal.", "category": "account"},
        mutates=True,
    ),
    Case(
        "PATCH",
        "/kb/articles/{article}",
        STAFF,
        body={"title": "Renamed", "tags": ["howto"]},
        template="/kb/articles/{article_id}",
        mutates=True,
    ),
    Case(
        "PATCH",
        "/kb/articles/{draft}",
        STAFF,
        body={"published": True},
        template="/kb/articles/{article_id}",
        mutates=True,
    ),
    Case(
        "DELETE",
        "/kb/articles/{draft}",
        STAFF,
        template="/kb/articles/{article_id}",
        mutates=True,
    ),
    Case(
        "POST",
        "/kb/articles/{article}/vote",
        PEOPLE,
        body={"helpful": True},
        template="/kb/articles/{article_id}/vote",
        mutates=True,
    ),
    Case(
        "POST",
        "/kb/articles/{draft}/vote",
        STAFF,
        body={"helpful": False},
        denied_status=404,
        template="/kb/articles/{article_id}/vote",
        mutates=True,
    ),
]
