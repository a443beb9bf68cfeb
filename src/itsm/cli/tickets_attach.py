"""``itsm ticket attach``, ``attachments`` and ``download``: files on tickets.

Registered on the ``ticket`` group by :mod:`itsm.cli.tickets`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from itsm.cli.common import JsonOption, app_context, dump, read_text_arg

Ref = Annotated[str, typer.Argument(help="Ticket id or number (TKT-YYYYMMDD-NNNN).")]


def attach(
    ctx: typer.Context,
    ref: Ref,
    file: Annotated[str, typer.Argument(help="The file to attach.")],
    internal: Annotated[
        bool, typer.Option("--internal", help="Staff only (with --comment: an internal note).")
    ] = False,
    comment: Annotated[
        str | None, typer.Option("--comment", help="A comment posted with the file ('-': stdin).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Attach a file to a ticket; its type is read from its content."""
    from pathlib import Path

    from itsm.attachments import service
    from itsm.attachments.storage import Store
    from itsm.errors import InvalidInput
    from itsm.wording import count

    app_ctx = app_context(ctx)
    path = Path(file)
    text = read_text_arg(comment) if comment is not None else None
    try:
        source = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror or exc}") from None
    cfg = app_ctx.settings
    with source, app_ctx.session() as session:
        row = service.attach(
            session,
            ref=ref,
            source=source,
            filename=path.name,
            actor=app_ctx.actor(session),
            store=Store(cfg.attachments_dir),
            limits=cfg.attachments,
            internal=internal,
            comment=text,
            sla=cfg.sla,
        )
        read = service.attachment_read(row, viewer=app_ctx.actor(session))
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(read))
        return
    size = count(read.size_bytes, "byte")
    app_ctx.console.print(
        f"Attached #{read.id} {read.filename} ({read.media_type}, {size}).", markup=False
    )


def attachments(ctx: typer.Context, ref: Ref, as_json: JsonOption = False) -> None:
    """List a ticket's files."""
    from itsm.attachments import service
    from itsm.cli.output import e, table
    from itsm.cli.timezone import local

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        rows = service.attachment_reads(session, ref=ref, viewer=app_ctx.actor(session))
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, [dump(r) for r in rows])
        return
    if not rows:
        app_ctx.console.print("No attachments.", markup=False)
        return
    app_ctx.console.print(
        table(
            "Attachments",
            ["Id", "File", "Type", "Bytes", "By", "Added", "Internal"],
            [
                [
                    str(r.id),
                    e(r.filename),
                    e(r.media_type),
                    str(r.size_bytes),
                    e(r.uploader or "-"),
                    local(r.created_at),
                    "yes" if r.is_internal else "",
                ]
                for r in rows
            ],
        )
    )


def download(
    ctx: typer.Context,
    ref: Ref,
    attachment_id: Annotated[int, typer.Argument(help="The attachment's id.", min=1)],
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", help="Where to write ('-': stdout; default: its name, here)."
        ),
    ] = None,
) -> None:
    """Save a ticket's file (to its own name in this directory unless -o says where)."""
    import shutil
    import sys
    from pathlib import Path

    from itsm.attachments import service
    from itsm.attachments.errors import AttachmentNotFound
    from itsm.attachments.storage import Store
    from itsm.cli.files import written_bytes
    from itsm.errors import Conflict, InvalidInput

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        row = service.get_attachment(
            session, ref=ref, attachment_id=attachment_id, viewer=app_ctx.actor(session)
        )
        name, sha = row.filename, row.sha256
    stored = Store(app_ctx.settings.attachments_dir).path_of(sha)
    try:
        source = stored.open("rb")
    except FileNotFoundError:
        raise AttachmentNotFound(
            f"the file of attachment {attachment_id} is missing from {stored.parent.parent}"
        ) from None
    with source:
        if output == "-":
            shutil.copyfileobj(source, sys.stdout.buffer)
            sys.stdout.flush()
            return
        target = Path(output) if output else Path(name)
        if output is None and target.exists():
            raise Conflict(f"{name} exists here; pass -o PATH to choose where to write")
        try:
            with written_bytes(target) as out:
                shutil.copyfileobj(source, out)
        except OSError as exc:
            raise InvalidInput(f"cannot write {target}: {exc.strerror or exc}") from None
    app_ctx.console.print(f"Saved {target}.", markup=False)


def sweep_files(
    ctx: typer.Context,
    grace: Annotated[
        int,
        typer.Option(
            "--older-than",
            min=1,
            max=525_600,
            help="Minutes a file must be unchanged before it may be removed.",
        ),
    ] = 60,
    as_json: JsonOption = False,
) -> None:
    """Remove stored files no attachment names (left by attaches that rolled back)."""
    from datetime import timedelta

    from itsm.attachments.storage import Store
    from itsm.attachments.sweep import sweep
    from itsm.wording import count

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        done = sweep(
            session,
            store=Store(app_ctx.settings.attachments_dir),
            grace=timedelta(minutes=grace),
        )
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, {"removed": done.removed, "kept": done.kept})
        return
    app_ctx.console.print(
        f"Removed {count(done.removed, 'unreferenced file')}; kept {count(done.kept, 'file')}.",
        markup=False,
    )
