"""The knowledge base as staff write it: every article (drafts too), the Markdown editor
with its live preview, publishing and deleting; through :mod:`itsm.kb.service`, as the
API does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from itsm.accounts.principal import Principal
from itsm.errors import InvalidInput, ItsmError
from itsm.kb import policy
from itsm.kb import service as kb
from itsm.kb.render import to_html
from itsm.kb.schemas import ArticleInput, ArticleUpdate
from itsm.server.deps import SessionDep
from itsm.tickets.models import Category
from itsm.validation import validated
from itsm.web.session import language
from itsm.web.staff import staff_gate
from itsm.web.templating import render

router = APIRouter(prefix="/staff/kb")
Writer = Annotated[Principal, staff_gate(policy.check_write)]
ArticleId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: Which articles the list shows, by publication.
STATES = ("all", "draft", "published")
Body = Annotated[str, Form(max_length=300_000)]


class ArticleForm(BaseModel):
    """The editor's fields as typed; the kb schemas validate them."""

    title: str = Field(default="", max_length=1000)
    body: str = Field(default="", max_length=300_000)
    category: str = Field(default="", max_length=32)
    tags: str = Field(default="", max_length=2000)

    def tag_list(self) -> list[str]:
        return [t for t in (part.strip() for part in self.tags.split(",")) if t]


Typed = Annotated[ArticleForm, Form()]


@router.get("")
def articles(
    request: Request,
    session: SessionDep,
    who: Writer,
    q: Annotated[str, Query(max_length=500)] = "",
    state: Annotated[str, Query(max_length=16)] = "all",
    category: Annotated[str, Query(max_length=32)] = "",
    tag: Annotated[str, Query(max_length=50)] = "",
) -> Response:
    """Every article, drafts too, filtered by words, publication, category and tag."""
    state = state if state in STATES else "all"
    rows = kb.list_articles(
        session,
        who=who,
        category=Category(category) if category in set(Category) else None,
        published_only=state == "published",
        drafts_only=state == "draft",
        tag=tag or None,
        query=q or None,
        limit=500,
    )
    filters = {"q": q, "state": state, "category": category, "tag": tag}
    return render(
        request,
        "staff/kb_list.html",
        {"articles": rows, "filters": filters, "states": STATES, "categories": list(Category)},
        language=language(request, who),
    )


def _editor(
    request: Request,
    who: Principal,
    *,
    values: dict[str, Any],
    article: Any = None,
    error: ItsmError | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "staff/kb_edit.html",
        {
            "values": values,
            "article": article,
            "error": error,
            "preview": to_html(str(values.get("body", ""))),
            "categories": list(Category),
        },
        language=language(request, who),
        status=status,
    )


@router.get("/new")
def new_article(request: Request, who: Writer) -> Response:
    return _editor(request, who, values={"category": Category.OTHER.value})


@router.post("")
def create(request: Request, session: SessionDep, who: Writer, typed: Typed) -> Response:
    """A new article, a draft until published."""
    values = typed.model_dump()
    try:
        data = validated(ArticleInput, {**values, "tags": typed.tag_list(), "published": False})
    except InvalidInput as exc:
        return _editor(request, who, values=values, error=exc, status=422)
    article = kb.add_article(session, who=who, data=data)
    return RedirectResponse(f"{router.prefix}/{article.id}", status_code=303)


# Before the routes of /{article_id}, which would take its path.
@router.post("/preview")
def preview(request: Request, who: Writer, body: Body = "") -> Response:
    """The body as the article page will show it (htmx, while it is typed)."""
    return render(
        request,
        "staff/kb_preview.html",
        {"preview": to_html(body)},
        language=language(request, who),
    )


@router.get("/{article_id}")
def edit(article_id: ArticleId, request: Request, session: SessionDep, who: Writer) -> Response:
    article = kb.get_article(session, who=who, ref=article_id)
    values = {
        "title": article.title,
        "body": article.body,
        "category": article.category,
        "tags": ", ".join(article.tags),
    }
    return _editor(request, who, values=values, article=article)


@router.post("/{article_id}")
def save(
    article_id: ArticleId, request: Request, session: SessionDep, who: Writer, typed: Typed
) -> Response:
    values = typed.model_dump()
    try:
        data = validated(ArticleUpdate, {**values, "tags": typed.tag_list()})
        kb.update_article(session, who=who, ref=article_id, data=data)
    except InvalidInput as exc:
        article = kb.get_article(session, who=who, ref=article_id)
        return _editor(request, who, values=values, article=article, error=exc, status=422)
    return RedirectResponse(f"{router.prefix}/{article_id}", status_code=303)


def _publication(session: SessionDep, who: Principal, article_id: int, published: bool) -> Response:
    data = ArticleUpdate(published=published)
    kb.update_article(session, who=who, ref=article_id, data=data)
    return RedirectResponse(f"{router.prefix}/{article_id}", status_code=303)


@router.post("/{article_id}/publish")
def publish(article_id: ArticleId, session: SessionDep, who: Writer) -> Response:
    return _publication(session, who, article_id, True)


@router.post("/{article_id}/unpublish")
def unpublish(article_id: ArticleId, session: SessionDep, who: Writer) -> Response:
    return _publication(session, who, article_id, False)


@router.get("/{article_id}/delete")
def confirm_delete(
    article_id: ArticleId, request: Request, session: SessionDep, who: Writer
) -> Response:
    """Asks first, on a page of its own (no script needed)."""
    article = kb.get_article(session, who=who, ref=article_id)
    return render(
        request, "staff/kb_delete.html", {"article": article}, language=language(request, who)
    )


@router.post("/{article_id}/delete")
def remove(article_id: ArticleId, session: SessionDep, who: Writer) -> Response:
    kb.delete_article(session, who=who, ref=article_id)
    return RedirectResponse(router.prefix, status_code=303)
