"""Browser tests: a real ``itsm serve`` (uvicorn) in a subprocess on each database,
driven by Playwright through Debian's Chromium (the ``chromium`` fixture of
tests/conftest.py)."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from tests.e2e.cli import ITSM, make_env
from tests.integration.attachments.files import png
from tests.waiting import wait_until

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".ci" / "screenshots"
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
#: The password the browser tests give the people they log in as.
PASSWORD = "correct horse battery"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}
_SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""


@dataclass
class Served:
    base_url: str
    db: Database


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _up(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def served(fresh_db_url: str, tmp_path: Path) -> Iterator[Served]:
    with serving(fresh_db_url, tmp_path) as running:
        yield running


@contextmanager
def serving(database_url: str, tmp_path: Path, **settings: str) -> Iterator[Served]:
    """``itsm serve`` on ``database_url`` in Spanish, with ``settings`` (ITSM_* variables)."""
    port = _free_port()
    env = make_env(database_url, ITSM_LANGUAGE="es", **settings)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [str(ITSM), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    db = open_database(Settings(database_url=database_url))
    try:
        wait_until("itsm serve answers", lambda: _up(url) or proc.poll() is not None, timeout=60)
        assert proc.poll() is None, (tmp_path / "serve.log").read_text()
        yield Served(base_url=url, db=db)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        db.dispose()


@contextmanager
def browsing(
    chromium: Browser, served: Served, viewport: dict[str, int], *, locale: str = "es-ES"
) -> Iterator[Page]:
    """A page of a fresh browser context on ``served``; once done, the CSP must have
    blocked nothing of the page's own (Chromium says so on the console)."""
    context = chromium.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        locale=locale,
        base_url=served.base_url,
    )
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    try:
        yield page
    finally:
        context.close()
    assert blocked == [], "the CSP blocked something of the page's own"


def log_in(page: Page, username: str, password: str) -> None:
    """Log in through the (Spanish) login page, from wherever the page is, and wait
    for the page it leads to (staff land on the queue, end users on their tickets)."""
    page.goto("/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()


def check_page(page: Page, name: str, shots: str) -> None:
    """axe-core on the page as it is, then its screenshot."""
    page.evaluate(AXE)
    assert page.evaluate(_SERIOUS) == [], f"{name}: serious accessibility violations"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{shots}-{name}.png"), full_page=True)


def write_new_ticket(page: Page, shots: str) -> None:
    """From the portal's nav: a title typed key by key shows the two printer articles
    as suggestions; the rest of the form is filled and a 64x48 PNG attached."""
    page.get_by_role("link", name="Nueva incidencia").first.click()
    page.get_by_label("¿Cuál es el problema?").press_sequentially("IMPRESORA", delay=20)
    suggestions = page.locator("#suggestions")
    expect(suggestions.get_by_text("¿Te sirve alguno de estos?")).to_be_visible()
    expect(suggestions.get_by_role("link")).to_have_count(2)
    check_page(page, "new-ticket", shots)
    page.get_by_label("Cuéntenos más").fill("No imprime desde esta mañana")
    page.get_by_label("Categoría").select_option("hardware")
    page.get_by_label("No puedo trabajar").check()
    page.get_by_label("Adjuntar un archivo (opcional)").set_input_files(
        files=FilePayload(name="captura.png", mimeType="image/png", buffer=png(64, 48))
    )
