"""``itsm kb``: the knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import (
    JsonOption,
    app_context,
    choice,
    choice_or_none,
    dump,
    read_file,
    split_csv,
)
from itsm.wording import count

if TYPE_CHECKING:
    from itsm.cli.context import AppContext
    from itsm.kb.schemas import ArticleRead

app = typer.Typer(help="Write, find and read knowledge-base articles.", no_args_is_help=True)

ArticleRef = Annotated[str, typer.Argument(help="Article id.")]


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="Article title.")],
    body: Annotated[str | None, typer.Argument(help="Markdown text (or use --file).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the body from a Markdown file.")
    ] = None,
    category: Annotated[
        str, typer.Option(help="hardware, software, network, account, other.")
    ] = "other",
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="Tag; repeat or comma-separate.")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Keep unpublished.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Add an article from text or a Markdown file."""
    from itsm.accounts.principal import acting
    from itsm.errors import InvalidInput
    from itsm.kb import service
    from itsm.kb.schemas import MAX_BODY_BYTES, ArticleInput, ArticleRead
    from itsm.tickets.models import Category
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    if (body is None) == (file is None):
        raise InvalidInput("give the article body either as an argument or with --file, not both")
    text = read_file(file, max_bytes=MAX_BODY_BYTES) if file is not None else str(body)
    data = validated(
        ArticleInput,
        {
            "title": title,
            "body": text,
            "category": choice(Category, category, name="category"),
            "tags": split_csv(tags),
            "published": not draft,
        },
    )
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = ArticleRead.model_validate(service.add_article(session, who=who, data=data))
    _one(app_ctx, read, as_json, f"Article #{read.id} added: {read.title}")


@app.command("list")
def list_(
    ctx: typer.Context,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    published_only: Annotated[bool, typer.Option("--published", help="Hide drafts.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List articles."""
    from itsm.accounts.principal import acting
    from itsm.cli.output import e, table
    from itsm.kb import service
    from itsm.kb.schemas import ArticleRead
    from itsm.tickets.models import Category

    app_ctx = app_context(ctx)
    wanted = choice_or_none(Category, category, name="category")
    with app_ctx.session(write=False) as session:
        rows = [
            ArticleRead.model_validate(a)
            for a in service.list_articles(
                session,
                who=acting(app_ctx.actor(session)),
                category=wanted,
                published_only=published_only,
            )
        ]
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, [dump(r) for r in rows])
        return
    app_ctx.console.print(
        table(
            "Knowledge base",
            ["Id", "Title", "Category", "Tags", "Published", "Views", "Helpful"],
            (
                [
                    str(a.id),
                    e(a.title),
                    a.category,
                    e(", ".join(a.tags)),
                    "yes" if a.published else "draft",
                    str(a.views),
                    f"{a.helpful_yes}/{a.helpful_yes + a.helpful_no}",
                ]
                for a in rows
            ),
        )
    )


@app.command("show")
def show(ctx: typer.Context, ref: ArticleRef, as_json: JsonOption = False) -> None:
    """Read an article (counts a view)."""
    from itsm.accounts.principal import acting
    from itsm.kb import service
    from itsm.kb.schemas import ArticleRead

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        article = service.get_article(session, who=who, ref=ref, count_view=True)
        read = ArticleRead.model_validate(article)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(read))
        return
    from rich.markdown import Markdown
    from rich.panel import Panel

    from itsm.cli.output import e, visible

    meta = f"{read.category} · {', '.join(read.tags) or 'no tags'} · {count(read.views, 'view')}"
    app_ctx.console.print(
        Panel(Markdown(visible(read.body)), title=f"#{read.id} {e(read.title)}", subtitle=e(meta))
    )


@app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to find (accents and case do not matter).")],
    limit: Annotated[int, typer.Option(min=1, max=200)] = 10,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over titles and bodies."""
    from itsm.accounts.principal import acting
    from itsm.cli.output import e, table
    from itsm.kb import service
    from itsm.kb.schemas import ArticleRead

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        found = [
            (ArticleRead.model_validate(a), s)
            for a, s in service.search_articles(
                session, who=acting(app_ctx.actor(session)), query=query, limit=limit
            )
        ]
    if as_json:
        from itsm.cli.output import print_json

        print_json(
            app_ctx.console,
            [dump(a) | {"score": None if s is None else round(s, 4)} for a, s in found],
        )
        return
    app_ctx.console.print(
        table(
            count(len(found), "article"),
            ["Id", "Title", "Category", "Tags"],
            ([str(a.id), e(a.title), a.category, e(", ".join(a.tags))] for a, _ in found),
        )
    )


@app.command("update")
def update(
    ctx: typer.Context,
    ref: ArticleRef,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    body: Annotated[str | None, typer.Option(help="New Markdown body.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="New body from a file.")] = None,
    category: Annotated[str | None, typer.Option(help="New category.")] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="Replace the tags; repeat or comma-separate.")
    ] = None,
    add_tags: Annotated[
        list[str] | None, typer.Option("--add-tag", help="Add a tag; repeat or comma-separate.")
    ] = None,
    remove_tags: Annotated[
        list[str] | None,
        typer.Option("--remove-tag", help="Remove a tag; repeat or comma-separate."),
    ] = None,
    publish: Annotated[
        bool | None, typer.Option("--publish/--unpublish", help="Publish or hide.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change an article."""
    from itsm.accounts.principal import acting
    from itsm.errors import InvalidInput
    from itsm.kb import service
    from itsm.kb.schemas import MAX_BODY_BYTES, ArticleRead, ArticleUpdate
    from itsm.tickets.models import Category
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    if body is not None and file is not None:
        raise InvalidInput("give the new body either with --body or with --file, not both")
    if tags is not None and (add_tags or remove_tags):
        raise InvalidInput(
            "give either --tag (to replace the tags) or --add-tag / --remove-tag, not both"
        )
    given = {
        "title": title,
        "body": read_file(file, max_bytes=MAX_BODY_BYTES) if file is not None else body,
        "category": choice_or_none(Category, category, name="category"),
        "tags": split_csv(tags) if tags is not None else None,
        "add_tags": split_csv(add_tags) if add_tags else None,
        "remove_tags": split_csv(remove_tags) if remove_tags else None,
        "published": publish,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise InvalidInput(
            "nothing to change; give --title, --body, --file, --category, --tag, --add-tag,"
            " --remove-tag or --publish"
        )
    data = validated(ArticleUpdate, changes)
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = ArticleRead.model_validate(
            service.update_article(session, who=who, ref=ref, data=data)
        )
    _one(app_ctx, read, as_json, f"Article #{read.id} updated.")


@app.command("delete")
def delete(ctx: typer.Context, ref: ArticleRef) -> None:
    """Delete an article and the votes on it (technicians and admins)."""
    from itsm.accounts.principal import acting
    from itsm.kb import service

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        service.delete_article(session, who=who, ref=ref)
    app_ctx.console.print(f"Article #{ref.strip()} deleted.", markup=False)


@app.command("vote")
def vote(
    ctx: typer.Context,
    ref: ArticleRef,
    helpful: Annotated[
        bool | None,
        typer.Option("--helpful/--not-helpful", help="Whether the article helped you."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Say whether an article helped (one vote each; voting again changes it)."""
    from itsm.accounts.principal import acting
    from itsm.errors import InvalidInput
    from itsm.kb import service
    from itsm.kb.schemas import ArticleRead

    app_ctx = app_context(ctx)
    if helpful is None:
        raise InvalidInput("say whether the article helped: --helpful or --not-helpful")
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = ArticleRead.model_validate(
            service.vote_article(session, who=who, ref=ref, helpful=helpful)
        )
    votes = read.helpful_yes + read.helpful_no
    _one(
        app_ctx,
        read,
        as_json,
        f"Article #{read.id}: vote recorded ({'helpful' if helpful else 'not helpful'});"
        f" {read.helpful_yes} of {votes} {'person' if votes == 1 else 'people'} found it helpful.",
    )


def _one(app_ctx: AppContext, read: ArticleRead, as_json: bool, message: str) -> None:
    from itsm.cli.output import print_json

    if as_json:
        print_json(app_ctx.console, dump(read))
    else:
        app_ctx.console.print(message, markup=False)
