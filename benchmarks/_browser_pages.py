"""Pages loaded in Chromium: DOMContentLoaded times and the JS and CSS each page loads.

Debian's Chromium (``/usr/bin/chromium``) through Playwright, as the browser tests
drive it (:mod:`tests.browser_driver`). Each page is loaded ``loads`` times in one
browser context holding the viewer's session cookie (the first load fetches the
static files, later ones may take them from the browser's cache, as a person's
browser does); the time is the navigation's ``domContentLoadedEventEnd`` (from the
start of the navigation, in the page's own clock). The scripts and style sheets
each page loads are fetched again and gzip-compressed here (level 6, nginx's
usual) to size what crosses the network behind a compressing proxy.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from typing import Any

import httpx
from tests.browser_driver import CHROMIUM, CHROMIUM_ARGS

DCL_SCRIPT = "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    cookie: tuple[str, str]  # name, value


@dataclass
class Loaded:
    dcl_ms: list[float] = field(default_factory=list)
    assets: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Asset:
    url: str
    raw_bytes: int
    gzip_bytes: int
    served_encoding: str  # the server's Content-Encoding when the client accepts gzip


def available() -> str | None:
    """Why the browser part cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian's chromium package)"
    return None


def load_pages(base_url: str, pages: list[Page], loads: int) -> dict[str, Loaded]:
    from playwright.sync_api import sync_playwright

    out: dict[str, Loaded] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for page_def in pages:
                out[page_def.key] = _load(browser, base_url, page_def, loads)
        finally:
            browser.close()
    return out


def _load(browser: Any, base_url: str, page_def: Page, loads: int) -> Loaded:
    loaded = Loaded()
    context = browser.new_context()
    name, value = page_def.cookie
    context.add_cookies([{"name": name, "value": value, "url": base_url}])
    page = context.new_page()

    def seen(response: Any) -> None:
        if response.request.resource_type in ("script", "stylesheet"):
            loaded.assets.add(response.url)

    page.on("response", seen)
    try:
        for _ in range(loads):
            response = page.goto(base_url + page_def.path, wait_until="domcontentloaded")
            if response is None or response.status != 200:
                status = None if response is None else response.status
                raise RuntimeError(f"{page_def.path}: HTTP {status} in Chromium")
            loaded.dcl_ms.append(float(page.evaluate(DCL_SCRIPT)))
    finally:
        context.close()
    return loaded


def sizes(urls: set[str]) -> dict[str, Asset]:
    out: dict[str, Asset] = {}
    with httpx.Client(timeout=30) as client:
        for url in sorted(urls):
            plain = client.get(url, headers={"Accept-Encoding": "identity"})
            plain.raise_for_status()
            asked = client.get(url, headers={"Accept-Encoding": "gzip"})
            out[url] = Asset(
                url=url,
                raw_bytes=len(plain.content),
                gzip_bytes=len(gzip.compress(plain.content, compresslevel=6)),
                served_encoding=asked.headers.get("content-encoding", "identity"),
            )
    return out
