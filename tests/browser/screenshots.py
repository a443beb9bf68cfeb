"""The screenshots of docs/web.md: ``python -m tests.browser.screenshots docs/img``.

Loads the demo help desk into a fresh SQLite database, serves it with ``itsm serve``
and photographs its main pages in Spanish with Debian's Chromium (Playwright), at a
small viewport so that each PNG stays small enough to commit.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect, sync_playwright

from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.demo import service as demo
from tests.browser.conftest import _free_port, _up
from tests.browser_driver import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.cli import ITSM, make_env
from tests.waiting import wait_until

VIEWPORT = {"width": 900, "height": 640}
#: What docs/web.md may commit per picture.
MAX_BYTES = 120 * 1024


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()


def _shoot(page: Page, out: Path, name: str) -> Path:
    path = out / f"{name}.png"
    page.screenshot(path=str(path))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{path} is {size} bytes, over {MAX_BYTES}: make the viewport smaller")
    return path


def take(out: Path, base_url: str, passwords: dict[str, str]) -> list[Path]:
    shots: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for username, pages in (("ana", _end_user), ("tech", _technician), ("admin", _admin)):
                context = browser.new_context(
                    viewport=VIEWPORT,  # type: ignore[arg-type]
                    locale="es-ES",
                    base_url=base_url,
                )
                page = context.new_page()
                _log_in(page, username, passwords[username])
                shots += pages(page, out)
                context.close()
        finally:
            browser.close()
    return shots


def _end_user(page: Page, out: Path) -> list[Path]:
    page.goto("/")
    shots = [_shoot(page, out, "portal")]
    page.goto("/tickets/new")
    page.get_by_label("¿Cuál es el problema?").press_sequentially("espacio en disco", delay=20)
    expect(page.locator("#suggestions").get_by_role("link").first).to_be_visible()
    return [*shots, _shoot(page, out, "new-ticket")]


def _technician(page: Page, out: Path) -> list[Path]:
    page.goto("/queue?view=active")
    expect(page.locator("#queue[data-state=live]")).to_have_count(1)
    shots = [_shoot(page, out, "queue")]
    page.locator("tbody tr[data-ticket] a").first.click()
    expect(page.locator("#desk-live[data-state=live]")).to_have_count(1)
    shots.append(_shoot(page, out, "ticket"))
    page.goto("/dashboard")
    expect(page.locator("#dashboard[data-state=live]")).to_have_count(1)
    return [*shots, _shoot(page, out, "dashboard")]


def _admin(page: Page, out: Path) -> list[Path]:
    page.goto("/admin/users")
    return [_shoot(page, out, "admin-users")]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.browser.screenshots DIRECTORY", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        db = open_database(Settings(database_url=url, data_dir=Path(tmp) / "data"))
        try:
            with db.session() as session:
                loaded = demo.load_demo(session, zone=ZoneInfo("Europe/Madrid"))
        finally:
            db.dispose()
        passwords = {login.username: login.password for login in loaded.logins}
        port = _free_port()
        env = make_env(url, ITSM_LANGUAGE="es", ITSM_TIMEZONE="Europe/Madrid")
        server = subprocess.Popen(
            [str(ITSM), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until("itsm serve answers", lambda: _up(base_url) or server.poll() is not None)
            if server.poll() is not None:
                raise SystemExit("itsm serve did not start")
            for path in take(out, base_url, passwords):
                print(f"{path} ({path.stat().st_size} bytes)")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
