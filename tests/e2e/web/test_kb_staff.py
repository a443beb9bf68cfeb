"""The knowledge-base editor over real HTTP on both databases: staff list drafts and
published articles by words, state, category and tag, write one with a live preview,
publish, unpublish and delete it (after a confirmation page); end users get 404 for
every staff page; hostile Markdown is inert in the preview and on the article page,
and every field is escaped."""

from __future__ import annotations

import re

from itsm.kb import service as kb
from itsm.kb.schemas import ArticleCreate, ArticleUpdate
from itsm.tickets.models import Category
from tests.e2e.web.staff_support import PASSWORD, staff_browser
from tests.e2e.web.support import Browser
from tests.live_server import Api
from tests.xss import PAYLOADS, active_content

SCRIPT = "<script>alert('x')</script>"


def _article(api: Api, title: str, *, published: bool, tags: list[str] | None = None) -> int:
    with api.session() as session:
        data = ArticleCreate(
            title=title,
            body="Steps",
            category=Category.NETWORK,
            tags=tags or [],
            published=published,
        )
        return kb.create_article(session, data=data).id


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/staff/kb/\d+"><strong>([^<]*)</strong>', html)


def test_staff_list_write_preview_publish_and_delete_articles(api: Api) -> None:
    _article(api, "VPN from home", published=True, tags=["vpn", "remote"])
    _article(api, "VPN draft notes", published=False, tags=["vpn"])
    _article(api, "Printer jam", published=True, tags=["printer"])
    staff = staff_browser(api)

    listed = staff.get("/staff/kb")
    assert listed.status_code == 200
    assert _titles(listed.text) == ["VPN from home", "VPN draft notes", "Printer jam"]
    assert _titles(staff.get("/staff/kb", params={"state": "draft"}).text) == ["VPN draft notes"]
    assert _titles(staff.get("/staff/kb", params={"state": "published", "q": "vpn"}).text) == [
        "VPN from home"
    ]
    assert _titles(staff.get("/staff/kb", params={"tag": "VPN"}).text) == [
        "VPN from home",
        "VPN draft notes",
    ]
    assert _titles(staff.get("/staff/kb", params={"tag": "vp"}).text) == []
    assert _titles(staff.get("/staff/kb", params={"category": "hardware"}).text) == []
    assert 'href="/staff/kb?tag=remote"' in listed.text

    token = staff.csrf("/staff/kb/new")
    preview = staff.post(
        "/staff/kb/preview", {"body": "# Steps\n\n**Reboot**"}, headers={"X-CSRF-Token": token}
    )
    assert preview.status_code == 200
    assert "<h1>Steps</h1>" in preview.text
    assert "<strong>Reboot</strong>" in preview.text
    assert staff.post("/staff/kb/preview", {"body": "x"}).status_code == 403  # no CSRF token

    empty = staff.post("/staff/kb", {"csrf_token": token, "title": " ", "body": "text"})
    assert empty.status_code == 422
    assert "The article was not saved." in empty.text
    assert "title must not be empty" in empty.text
    assert ">text</textarea>" in empty.text  # what was typed is kept
    created = staff.post(
        "/staff/kb",
        {
            "csrf_token": token,
            "title": "Reset your password",
            "body": "1. Open *the portal*",
            "category": "account",
            "tags": "Password, account",
        },
    )
    assert created.status_code == 303
    page = created.headers["location"]
    article_id = int(page.rsplit("/", 1)[1])
    editor = staff.get(page)
    assert "Draft" in editor.text
    assert "<em>the portal</em>" in editor.text
    assert 'value="password, account"' in editor.text

    saved = staff.post(
        page,
        {
            "csrf_token": token,
            "title": "Reset a password",
            "body": "Open the portal",
            "category": "account",
            "tags": "password",
        },
    )
    assert saved.status_code == 303
    with api.session() as session:
        article = kb.get_article(session, who=None, ref=article_id)
        assert (article.title, article.tags, article.published) == (
            "Reset a password",
            ["password"],
            False,
        )

    ana = Browser(api, language="en")
    api.user("ana", password=PASSWORD)
    ana.login("ana", PASSWORD)
    assert ana.get(f"/kb/{article_id}").status_code == 404  # a draft
    assert staff.post(f"{page}/publish", {"csrf_token": token}).status_code == 303
    assert "Reset a password" in ana.get(f"/kb/{article_id}").text
    assert staff.post(f"{page}/unpublish", {"csrf_token": token}).status_code == 303
    assert ana.get(f"/kb/{article_id}").status_code == 404
    assert f'href="{page}/delete"' in staff.get(page).text  # asks first, on a page of its own
    confirm = staff.get(f"{page}/delete")
    assert "Delete the article Reset a password?" in confirm.text
    assert f'action="{page}/delete"' in confirm.text
    assert staff.post(f"{page}/delete", {"csrf_token": token}).status_code == 303
    assert staff.get(page).status_code == 404
    assert staff.get(f"{page}/delete").status_code == 404
    assert staff.post(f"{page}/delete", {"csrf_token": token}).status_code == 404


def test_end_users_get_404_for_every_staff_page(api: Api) -> None:
    article = _article(api, "Draft", published=False)
    published = _article(api, "Public", published=True)
    api.user("ana", password=PASSWORD)
    ana = Browser(api, language="en")
    ana.login("ana", PASSWORD)
    token = ana.csrf("/tickets")
    for path in (
        "/staff/kb",
        "/staff/kb/new",
        f"/staff/kb/{article}",
        f"/staff/kb/{published}",
        f"/staff/kb/{published}/delete",
    ):
        answer = ana.get(path)
        assert answer.status_code == 404, path
        assert "Not found" in answer.text
    for path in (
        "/staff/kb",
        "/staff/kb/preview",
        f"/staff/kb/{published}",
        f"/staff/kb/{published}/unpublish",
        f"/staff/kb/{published}/delete",
    ):
        answer = ana.post(path, {"csrf_token": token, "title": "x", "body": "x"})
        assert answer.status_code == 404, path
    assert "Inventory" not in ana.get("/tickets").text
    assert "/staff/kb" not in ana.get("/kb").text
    with api.session() as session:
        assert kb.get_article(session, who=None, ref=published).published
    anonymous = Browser(api).get("/staff/kb")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")


def test_hostile_markdown_is_inert_in_the_preview_and_on_the_article_page(api: Api) -> None:
    staff = staff_browser(api)
    token = staff.csrf("/staff/kb/new")
    api.user("ana", password=PASSWORD)
    ana = Browser(api, language="en")
    ana.login("ana", PASSWORD)
    body = "\n\n".join(PAYLOADS)
    preview = staff.post("/staff/kb/preview", {"body": body}, headers={"X-CSRF-Token": token})
    assert active_content(preview.text) == []
    article_id = _article(api, "Hostile", published=True)
    for payload in PAYLOADS:
        with api.session() as session:
            kb.update_article(session, who=None, ref=article_id, data=ArticleUpdate(body=payload))
        page = ana.get(f"/kb/{article_id}")
        assert page.status_code == 200
        main = page.text.split('<main id="main">', 1)[1]
        assert active_content(main) == [], payload
        edited = staff.get(f"/staff/kb/{article_id}")
        rendered = edited.text.split('id="preview"', 1)[1].split("</section>", 1)[0]
        assert active_content(rendered) == [], payload


def test_every_field_is_escaped(api: Api) -> None:
    staff = staff_browser(api)
    with api.session() as session:
        data = ArticleCreate(
            title=f"T {SCRIPT}",
            body=f"B {SCRIPT}",
            category=Category.OTHER,
            tags=[f"t{SCRIPT}"],
            published=True,
        )
        article_id = kb.create_article(session, data=data).id
    for path in ("/staff/kb", f"/staff/kb/{article_id}", f"/kb/{article_id}"):
        page = staff.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text, path
        assert "&lt;script&gt;alert(" in page.text, path
    filtered = staff.get("/staff/kb", params={"q": SCRIPT, "tag": SCRIPT})
    assert "<script>alert" not in filtered.text
