"""A browser without a browser: an HTTP client that keeps cookies and sends forms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.live_server import Api

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


@dataclass
class Browser:
    """One visitor: cookies kept between requests, redirects not followed."""

    api: Api
    language: str = "es"
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            base_url=self.api.base_url,
            headers={"Accept-Language": self.language},
            follow_redirects=False,
            timeout=30,
        )
        self.api.clients.append(self.client)

    def get(self, path: str, **kw: object) -> httpx.Response:
        return self.client.get(path, **kw)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, str], **kw: object) -> httpx.Response:
        return self.client.post(path, data=data, **kw)  # type: ignore[arg-type]

    def login(self, username: str, password: str) -> httpx.Response:
        page = self.get("/login")
        assert page.status_code == 200, page.text
        form = {"csrf_token": csrf_of(page.text), "username": username, "password": password}
        return self.post("/login", form)

    def csrf(self, path: str = "/tickets") -> str:
        """The session's CSRF token, as the page at ``path`` carries it."""
        return csrf_of(self.get(path).text)


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Log a real browser's ``page`` in through the login form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
