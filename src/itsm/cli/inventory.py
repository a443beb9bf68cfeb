"""``itsm inventory``: the hardware the help desk looks after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import JsonOption, app_context, choice, choice_or_none, dump

if TYPE_CHECKING:
    from itsm.cli.context import AppContext
    from itsm.inventory.schemas import AssetRead

app = typer.Typer(help="Register and track hardware.", no_args_is_help=True)

AssetRef = Annotated[str, typer.Argument(help="Item id, asset tag or hostname.")]


@app.command("add")
def add(
    ctx: typer.Context,
    asset_tag: Annotated[str, typer.Argument(help="Unique asset tag, e.g. PC-0042.")],
    asset_type: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="desktop, laptop, server, virtual_machine, printer, monitor, network, "
            "phone, other.",
        ),
    ],
    hostname: Annotated[str | None, typer.Option(help="Network name.")] = None,
    manufacturer: Annotated[str | None, typer.Option(help="Maker.")] = None,
    model: Annotated[str | None, typer.Option(help="Model.")] = None,
    serial: Annotated[str | None, typer.Option(help="Serial number.")] = None,
    owner: Annotated[str | None, typer.Option(help="User who has it.")] = None,
    location: Annotated[str | None, typer.Option(help="Where it is.")] = None,
    status: Annotated[
        str, typer.Option(help="in_use, in_stock, in_repair, retired, lost.")
    ] = "in_use",
    as_json: JsonOption = False,
) -> None:
    """Register an item."""
    from itsm.accounts.principal import acting
    from itsm.inventory import service
    from itsm.inventory.models import AssetStatus, AssetType
    from itsm.inventory.schemas import AssetCreate
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    type_ = choice(AssetType, asset_type, name="type")
    status_ = choice(AssetStatus, status, name="status")
    with app_ctx.session() as session:
        data = validated(
            AssetCreate,
            {
                "asset_tag": asset_tag,
                "asset_type": type_,
                "hostname": hostname,
                "manufacturer": manufacturer,
                "model": model,
                "serial_number": serial,
                "location": location,
                "status": status_,
            },
        )
        asset = service.add_asset(
            session, who=acting(app_ctx.actor(session)), data=data, owner_ref=owner
        )
        read = service.asset_read(session, asset)
    _one(app_ctx, read, as_json, f"Item #{read.id} ({read.asset_tag}) added.")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    asset_type: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only this user's items.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: JsonOption = False,
) -> None:
    """List inventory items."""
    from itsm.accounts.principal import acting
    from itsm.cli.output import e, table, when
    from itsm.inventory import service
    from itsm.inventory.models import AssetStatus, AssetType

    app_ctx = app_context(ctx)
    wanted_status = choice_or_none(AssetStatus, status, name="status")
    wanted_type = choice_or_none(AssetType, asset_type, name="type")
    with app_ctx.session(write=False) as session:
        rows = service.asset_reads(
            session,
            service.list_assets(
                session,
                who=acting(app_ctx.actor(session)),
                status=wanted_status,
                asset_type=wanted_type,
                owner=owner,
                limit=limit,
            ),
        )
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, [dump(r) for r in rows])
        return
    app_ctx.console.print(
        table(
            "Inventory",
            ["Id", "Tag", "Type", "Hostname", "Model", "Owner", "Status", "Last seen"],
            (
                [
                    str(a.id),
                    e(a.asset_tag),
                    a.asset_type,
                    e(a.hostname),
                    e(" ".join(x for x in (a.manufacturer, a.model) if x)),
                    e(a.owner),
                    a.status,
                    when(a.last_seen_at),
                ]
                for a in rows
            ),
        )
    )


@app.command("show")
def show(ctx: typer.Context, ref: AssetRef, as_json: JsonOption = False) -> None:
    """Show one item."""
    from itsm.accounts.principal import acting
    from itsm.inventory import service

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        who = acting(app_ctx.actor(session))
        read = service.asset_read(session, service.show_asset(session, who=who, ref=ref))
    _one(app_ctx, read, as_json, None)


@app.command("assign")
def assign(
    ctx: typer.Context,
    ref: AssetRef,
    user: Annotated[str, typer.Argument(help="User id or username; 'none' clears the owner.")],
    as_json: JsonOption = False,
) -> None:
    """Hand an item to a user."""
    from itsm.accounts.principal import acting
    from itsm.inventory import service

    app_ctx = app_context(ctx)
    owner = None if user.lower() in {"none", "-"} else user
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        asset = service.assign_owner(session, who=who, ref=ref, owner_ref=owner)
        read = service.asset_read(session, asset)
    message = (
        f"{read.asset_tag} owner set to {read.owner}."
        if read.owner
        else f"{read.asset_tag} has no owner now."
    )
    _one(app_ctx, read, as_json, message)


@app.command("status")
def status(
    ctx: typer.Context,
    ref: AssetRef,
    new_status: Annotated[
        str, typer.Argument(metavar="STATUS", help="in_use, in_stock, in_repair, retired, lost.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Change an item's status."""
    from itsm.accounts.principal import acting
    from itsm.inventory import service
    from itsm.inventory.models import AssetStatus

    app_ctx = app_context(ctx)
    target = choice(AssetStatus, new_status, name="status")
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = service.asset_read(
            session, service.set_status(session, who=who, ref=ref, status=target)
        )
    _one(app_ctx, read, as_json, f"{read.asset_tag} is now {read.status}.")


def _one(app_ctx: AppContext, read: AssetRead, as_json: bool, message: str | None) -> None:
    from itsm.cli.output import key_values, print_json, when

    if as_json:
        print_json(app_ctx.console, dump(read))
    elif message:
        app_ctx.console.print(message, markup=False)
    else:
        ram = f"{read.ram_bytes / 2**30:.1f} GiB" if read.ram_bytes else None
        app_ctx.console.print(
            key_values(
                f"{read.asset_tag} (#{read.id})",
                [
                    ("Type", read.asset_type),
                    ("Status", read.status),
                    ("Hostname", read.hostname),
                    ("Machine id", read.machine_id),
                    ("Maker", read.manufacturer),
                    ("Model", read.model),
                    ("Serial", read.serial_number),
                    ("CPU", read.cpu),
                    ("Cores", read.cpu_cores),
                    ("RAM", ram),
                    ("OS", read.os),
                    ("Owner", read.owner),
                    ("Location", read.location),
                    ("Last seen", when(read.last_seen_at)),
                ],
            )
        )


@app.command("collect")
def collect(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Record this machine (hardware, OS, disks, network) in the inventory."""
    from itsm.accounts.principal import acting
    from itsm.diagnostics.collect import collect_snapshot
    from itsm.diagnostics.hostfacts import host_facts
    from itsm.diagnostics.report import build_report
    from itsm.diagnostics.rules import evaluate
    from itsm.inventory import service

    app_ctx = app_context(ctx)
    diag = app_ctx.settings.diagnostics
    snapshot = collect_snapshot(diag)
    report = build_report(snapshot, evaluate(snapshot, diag))
    with app_ctx.session() as session:
        asset = service.upsert_host(
            session,
            who=acting(app_ctx.actor(session)),
            facts=host_facts(report),
            seen_at=report.collected_at,
        )
        read = service.asset_read(session, asset)
    _one(app_ctx, read, as_json, None)
