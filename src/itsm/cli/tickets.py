"""``itsm ticket``: the help desk queue from the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli import tickets_attach, tickets_transfer, tickets_watch
from itsm.cli.common import JsonOption, app_context, choice, choice_or_none, dump, read_text_arg
from itsm.cli.ticket_filters import (
    ActiveOpt,
    AssigneeOpt,
    CategoryOpt,
    PriorityOpt,
    RequesterOpt,
    SlaOpt,
    SourceOpt,
    StatusOpt,
    TextOpt,
    UnassignedOpt,
    ticket_filters,
)

if TYPE_CHECKING:
    from datetime import timedelta

    from itsm.cli.context import AppContext
    from itsm.tickets.schemas import TicketRead

app = typer.Typer(help="Create, find, change and comment on tickets.", no_args_is_help=True)

Ref = Annotated[str, typer.Argument(help="Ticket id or number (TKT-YYYYMMDD-NNNN).")]


@app.command("create")
def create(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="Short summary.")],
    description: Annotated[str, typer.Argument(help="What happened ('-' reads stdin).")],
    category: Annotated[str, typer.Argument(help="hardware, software, network, account, other.")],
    priority: Annotated[str, typer.Argument(help="critical, high, medium, low.")] = "medium",
    requester: Annotated[
        str | None, typer.Argument(help="Requester user id or username (default: you).")
    ] = None,
    assignee: Annotated[str | None, typer.Option(help="Technician to assign.")] = None,
    asset: Annotated[str | None, typer.Option(help="Inventory item (id, tag or hostname).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Open a new ticket."""
    from itsm.cli.tickets_view import created_panel
    from itsm.tickets import access, refs
    from itsm.tickets.models import Category, Priority, Source
    from itsm.tickets.schemas import TicketOpen
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    category_ = choice(Category, category, name="category")
    priority_ = choice(Priority, priority, name="priority")
    with app_ctx.session() as session:
        actor = app_ctx.actor(session)
        access.check_open_refs(actor, requester_ref=requester, assignee_ref=assignee)
        data = validated(
            TicketOpen,
            {
                "title": title,
                "description": read_text_arg(description),
                "category": category_,
                "priority": priority_,
                "requester_id": refs.user_ref(session, requester).id if requester else None,
                "assignee_id": refs.user_ref(session, assignee).id if assignee else None,
                "asset_id": (
                    access.attachable_asset(session, viewer=actor, ref=asset).id if asset else None
                ),
            },
        )
        ticket = access.open_ticket(
            session,
            data=data,
            actor=actor,
            source=Source.CLI,
            zone=app_ctx.settings.zone,
            sla=app_ctx.settings.sla,
        )
        read = access.ticket_view(session, viewer=actor, ticket=ticket)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(read))
    else:
        app_ctx.console.print(created_panel(read))


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Rows per page.")] = 20,
    status: StatusOpt = None,
    priority: PriorityOpt = None,
    category: CategoryOpt = None,
    source: SourceOpt = None,
    assignee: AssigneeOpt = None,
    requester: RequesterOpt = None,
    unassigned: UnassignedOpt = False,
    active: ActiveOpt = False,
    text: TextOpt = None,
    sla: SlaOpt = None,
    sort: Annotated[
        str, typer.Option(help="newest, oldest, priority or due (SLA due time, soonest first).")
    ] = "newest",
    cursor: Annotated[str | None, typer.Option(help="Continue after a previous page.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List tickets, newest first, one page at a time."""
    from itsm.tickets import access, queries

    app_ctx = app_context(ctx)
    filters = ticket_filters(
        status,
        priority,
        category,
        assignee,
        requester,
        unassigned,
        active,
        text,
        sla,
        due_soon_minutes=app_ctx.settings.sla.due_soon_minutes,
        source=source,
    )
    order = choice(queries.Sort, sort, name="sort")
    with app_ctx.session(write=False) as session:
        viewer = app_ctx.actor(session)
        rows, next_cursor = access.list_page(
            session, viewer=viewer, filters=filters, sort=order, limit=limit, cursor=cursor
        )
        items = access.ticket_views(session, viewer=viewer, tickets=rows)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, {"items": [dump(i) for i in items], "next_cursor": next_cursor})
        return
    from itsm.cli.tickets_view import queue_table

    if not items:
        app_ctx.console.print("No tickets match.")
        return
    app_ctx.console.print(queue_table(items, due_soon=_due_soon(app_ctx)))
    if next_cursor:
        app_ctx.console.print(f"More: --cursor {next_cursor}", markup=False)


@app.command("show")
def show(ctx: typer.Context, ref: Ref, as_json: JsonOption = False) -> None:
    """A ticket with its comments, files and history."""
    from itsm.attachments import service as attachments
    from itsm.tickets import access, watchers

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        viewer = app_ctx.actor(session)
        ticket = access.visible_ticket(session, ref=ref, viewer=viewer)
        watching = watchers.watcher_reads(session, ref=ticket.id, viewer=viewer)
        read = access.ticket_view(session, viewer=viewer, ticket=ticket)
        comments = access.comments(session, ref=ticket.id, viewer=viewer)
        history = access.history(session, ref=ticket.id, viewer=viewer)
        links = access.links(session, ref=ticket.id, viewer=viewer)
        # The files ``viewer`` may see: an end user's list has no internal ones.
        files = attachments.attachment_reads(session, ref=ticket.id, viewer=viewer)
    if as_json:
        from itsm.cli.output import print_json

        data = dump(read) | {
            "comments": [dump(c) for c in comments],
            "attachments": [dump(f) for f in files],
            "events": [dump(ev) for ev in history],
            "links": [{"kind": k, "ticket": n} for k, n in links],
            "watchers": [dump(w) for w in watching],
        }
        print_json(app_ctx.console, data)
        return
    from itsm.cli.tickets_view import detail

    names = [w.username for w in watching]
    app_ctx.console.print(detail(read, comments, history, links, files, names))


@app.command("history")
def history(ctx: typer.Context, ref: Ref, as_json: JsonOption = False) -> None:
    """The audit trail of a ticket: every change, who made it, old and new values."""
    from itsm.tickets import access

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        rows = access.history(session, ref=ref, viewer=app_ctx.actor(session))
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, [dump(r) for r in rows])
        return
    from itsm.cli.tickets_view import history_table

    app_ctx.console.print(history_table(rows))


@app.command("update")
def update(
    ctx: typer.Context,
    ref: Ref,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    description: Annotated[
        str | None, typer.Option(help="New description ('-' reads stdin).")
    ] = None,
    category: Annotated[str | None, typer.Option(help="New category.")] = None,
    priority: Annotated[str | None, typer.Option(help="New priority.")] = None,
    asset: Annotated[str | None, typer.Option(help="Link an inventory item.")] = None,
    no_asset: Annotated[
        bool, typer.Option("--no-asset", help="Unlink the ticket's inventory item.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Change a ticket's fields."""
    from itsm.errors import InvalidInput
    from itsm.tickets import access
    from itsm.tickets.models import Category, Priority
    from itsm.tickets.schemas import TicketUpdate
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    given = {
        "title": title,
        "description": read_text_arg(description) if description is not None else None,
        "category": choice_or_none(Category, category, name="category"),
        "priority": choice_or_none(Priority, priority, name="priority"),
    }
    changes: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    if asset is not None and no_asset:
        raise InvalidInput("give --asset or --no-asset, not both")
    if not changes and asset is None and not no_asset:
        raise InvalidInput(
            "nothing to change; give --title, --description, --category, --priority, "
            "--asset or --no-asset"
        )
    if no_asset:
        changes["asset_id"] = None
    with app_ctx.session() as session:
        actor = app_ctx.actor(session)
        access.check_update(actor)
        if asset is not None:
            changes["asset_id"] = access.attachable_asset(session, viewer=actor, ref=asset).id
        data = validated(TicketUpdate, changes)
        ticket = access.update(session, ref=ref, data=data, actor=actor, sla=app_ctx.settings.sla)
        read = access.ticket_view(session, viewer=actor, ticket=ticket)
    _done(app_ctx, read, as_json, f"Updated {read.number}.")


@app.command("assign")
def assign(
    ctx: typer.Context,
    ref: Ref,
    user: Annotated[str, typer.Argument(help="Technician id or username; 'none' unassigns.")],
    as_json: JsonOption = False,
) -> None:
    """Give a ticket to a technician."""
    from itsm.tickets import access

    app_ctx = app_context(ctx)
    target = None if user.lower() in {"none", "-"} else user
    with app_ctx.session() as session:
        actor = app_ctx.actor(session)
        ticket = access.assign(session, ref=ref, assignee_ref=target, actor=actor)
        read = access.ticket_view(session, viewer=actor, ticket=ticket)
    message = (
        f"{read.number} assigned to {read.assignee}."
        if read.assignee
        else f"{read.number} unassigned."
    )
    _done(app_ctx, read, as_json, message)


@app.command("status")
def status(
    ctx: typer.Context,
    ref: Ref,
    new_status: Annotated[
        str, typer.Argument(metavar="STATUS", help="open, in_progress, pending, resolved, closed.")
    ],
    note: Annotated[
        str | None,
        typer.Option("--note", help="Resolution note (required to resolve; '-' reads stdin)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Move a ticket through its lifecycle."""
    from itsm.tickets import access
    from itsm.tickets.models import Status

    app_ctx = app_context(ctx)
    target = choice(Status, new_status, name="status")
    with app_ctx.session() as session:
        actor = app_ctx.actor(session)
        ticket = access.change_status(
            session,
            ref=ref,
            status=target,
            actor=actor,
            note=read_text_arg(note) if note is not None else None,
            sla=app_ctx.settings.sla,
        )
        read = access.ticket_view(session, viewer=actor, ticket=ticket)
    _done(app_ctx, read, as_json, f"{read.number} is now {read.status}.")


@app.command("comment")
def comment(
    ctx: typer.Context,
    ref: Ref,
    body: Annotated[str, typer.Argument(help="The comment ('-' reads stdin).")],
    internal: Annotated[bool, typer.Option("--internal", help="Visible to staff only.")] = False,
    time_spent: Annotated[int, typer.Option("--time", min=0, help="Minutes spent.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Add a public comment or an internal note."""
    from itsm.tickets import access, service
    from itsm.tickets.schemas import CommentCreate, comment_read
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    data = validated(
        CommentCreate,
        {"body": read_text_arg(body), "is_internal": internal, "time_spent_minutes": time_spent},
    )
    with app_ctx.session() as session:
        created = access.add_comment(
            session, ref=ref, data=data, actor=app_ctx.actor(session), sla=app_ctx.settings.sla
        )
        read = comment_read(created)
        number = service.get_ticket(session, ref=created.ticket_id).number
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(read))
    else:
        kind = "Internal note" if read.is_internal else "Comment"
        app_ctx.console.print(f"{kind} #{read.id} added to {number}.", markup=False)


@app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to find (accents and case do not matter).")],
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    active: Annotated[bool, typer.Option(help="Only open, in_progress and pending.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over titles, descriptions and comments."""
    from itsm.tickets import access

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        viewer = app_ctx.actor(session)
        found, total = access.search(
            session, viewer=viewer, query=query, limit=limit, active_only=active
        )
        views = access.ticket_views(session, viewer=viewer, tickets=[t for t, _ in found])
        items = [(view, score) for view, (_, score) in zip(views, found, strict=True)]
    if as_json:
        from itsm.cli.output import print_json

        print_json(
            app_ctx.console,
            {
                "total": total,
                "items": [
                    dump(t) | {"score": None if s is None else round(s, 4)} for t, s in items
                ],
            },
        )
        return
    from itsm.cli.tickets_view import queue_table
    from itsm.wording import count

    app_ctx.console.print(
        queue_table(
            [t for t, _ in items],
            title=count(total, "matching ticket"),
            due_soon=_due_soon(app_ctx),
        )
    )


@app.command("stats")
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Ticket counts by status, priority and category."""
    from itsm.tickets import access

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        result = access.stats(session, viewer=app_ctx.actor(session))
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(result))
        return
    from itsm.cli.tickets_view import stats_view

    stats_view(app_ctx.console, result)


def _due_soon(app_ctx: AppContext) -> timedelta:
    from datetime import timedelta

    return timedelta(minutes=app_ctx.settings.sla.due_soon_minutes)


def _done(app_ctx: AppContext, read: TicketRead, as_json: bool, message: str) -> None:
    from itsm.cli.output import print_json

    if as_json:
        print_json(app_ctx.console, dump(read))
    else:
        app_ctx.console.print(message, markup=False)


@app.command("merge")
def merge(
    ctx: typer.Context,
    duplicate: Annotated[str, typer.Argument(help="The duplicate ticket (gets closed).")],
    target: Annotated[str, typer.Argument(help="The ticket that stays.")],
    as_json: JsonOption = False,
) -> None:
    """Merge a duplicate into another ticket; comments and history are kept."""
    from itsm.tickets import access

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        actor = app_ctx.actor(session)
        kept = access.merge(
            session,
            duplicate_ref=duplicate,
            target_ref=target,
            actor=actor,
            sla=app_ctx.settings.sla,
        )
        read = access.ticket_view(session, viewer=actor, ticket=kept)
    _done(app_ctx, read, as_json, f"Merged {duplicate} into {read.number}.")


@app.command("link")
def link(
    ctx: typer.Context,
    ref: Ref,
    other: Annotated[str, typer.Argument(help="The related ticket.")],
) -> None:
    """Mark two tickets as related."""
    from itsm.tickets import access

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        access.link(session, ref=ref, other_ref=other, actor=app_ctx.actor(session))
    app_ctx.console.print(f"Linked {ref} and {other}.", markup=False)


@app.command("rate")
def rate(
    ctx: typer.Context,
    ref: Ref,
    rating: Annotated[int, typer.Argument(help="1 (bad) to 5 (excellent).")],
    comment: Annotated[str | None, typer.Option(help="What went well or not.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Rate the resolution of your ticket (once per resolution)."""
    from itsm.tickets import access

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        actor = app_ctx.actor(session)
        ticket = access.rate(session, ref=ref, rating=rating, comment=comment, actor=actor)
        read = access.ticket_view(session, viewer=actor, ticket=ticket)
    _done(app_ctx, read, as_json, f"Thanks: {read.number} rated {rating}/5.")


# Commands kept in their own module, registered here so that they belong to this group.
app.command("import")(tickets_transfer.import_)
app.command("export")(tickets_transfer.export)
app.command("attach")(tickets_attach.attach)
app.command("attachments")(tickets_attach.attachments)
app.command("download")(tickets_attach.download)
app.command("sweep-files")(tickets_attach.sweep_files)
app.command("watch")(tickets_watch.watch)
app.command("unwatch")(tickets_watch.unwatch)
