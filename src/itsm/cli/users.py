"""``itsm user``: the people who ask for help and the people who give it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import JsonOption, app_context, choice, choice_or_none, dump
from itsm.wording import count

if TYPE_CHECKING:
    from itsm.cli.context import AppContext
    from itsm.notify.models import Channel, NotifyKind
    from itsm.users.schemas import UserRead

app = typer.Typer(help="Add, list and manage users.", no_args_is_help=True)

UserRef = Annotated[str, typer.Argument(help="User id or username.")]


@app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[
        str, typer.Argument(help="Login name (lower-case letters, digits, . _ -).")
    ],
    full_name: Annotated[str, typer.Argument(help="Full name.")],
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    role: Annotated[str, typer.Option(help="admin, technician or user.")] = "user",
    department: Annotated[str | None, typer.Option(help="Department.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a user."""
    from itsm.accounts.principal import acting
    from itsm.users import service
    from itsm.users.models import Role
    from itsm.users.schemas import UserCreate, UserRead
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    role_ = choice(Role, role, name="role")
    data = validated(
        UserCreate,
        {
            "username": username,
            "full_name": full_name,
            "email": email,
            "role": role_,
            "department": department,
        },
    )
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = UserRead.model_validate(service.add_user(session, who=who, data=data))
    _one(app_ctx, read, as_json, f"User {read.username} (#{read.id}, {read.role}) added.")


@app.command("list")
def list_(
    ctx: typer.Context,
    role: Annotated[str | None, typer.Option(help="Only this role.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include deactivated users.")] = False,
    system: Annotated[
        bool, typer.Option("--system", help="Include the diagnostics agent's account.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List users."""
    from itsm.accounts.principal import acting
    from itsm.cli.output import e, table
    from itsm.users import service
    from itsm.users.models import Role
    from itsm.users.schemas import UserRead

    app_ctx = app_context(ctx)
    wanted = choice_or_none(Role, role, name="role")
    with app_ctx.session(write=False) as session:
        rows = [
            UserRead.model_validate(u)
            for u in service.list_users(
                session,
                who=acting(app_ctx.actor(session)),
                role=wanted,
                include_inactive=all_,
                include_system=system,
            )
        ]
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, [dump(r) for r in rows])
        return
    app_ctx.console.print(
        table(
            "Users",
            ["Id", "Username", "Name", "Role", "Department", "E-mail", "Active"],
            (
                [
                    str(u.id),
                    e(u.username),
                    e(u.full_name),
                    u.role,
                    e(u.department),
                    e(u.email),
                    "yes" if u.is_active else "no",
                ]
                for u in rows
            ),
        )
    )


@app.command("show")
def show(ctx: typer.Context, ref: UserRef, as_json: JsonOption = False) -> None:
    """Show one user."""
    from itsm.accounts.principal import acting
    from itsm.users import service
    from itsm.users.schemas import UserRead

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        who = acting(app_ctx.actor(session))
        read = UserRead.model_validate(service.get_visible_user(session, who=who, ref=ref))
    _one(app_ctx, read, as_json, None)


@app.command("role")
def role(
    ctx: typer.Context,
    ref: UserRef,
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help="admin, technician or user.")],
    as_json: JsonOption = False,
) -> None:
    """Change a user's role."""
    from itsm.accounts.principal import acting
    from itsm.users import service
    from itsm.users.models import Role
    from itsm.users.schemas import UserRead

    app_ctx = app_context(ctx)
    target = choice(Role, new_role, name="role")
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = UserRead.model_validate(service.set_role(session, who=who, ref=ref, role=target))
    _one(app_ctx, read, as_json, f"{read.username} is now {read.role}.")


@app.command("update")
def update(
    ctx: typer.Context,
    ref: UserRef,
    full_name: Annotated[str | None, typer.Option(help="New full name.")] = None,
    email: Annotated[str | None, typer.Option(help="New e-mail.")] = None,
    department: Annotated[str | None, typer.Option(help="New department.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a user's name, e-mail or department."""
    from itsm.accounts.principal import acting
    from itsm.errors import InvalidInput
    from itsm.users import service
    from itsm.users.schemas import UserRead, UserUpdate
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    changes = {
        k: v
        for k, v in {"full_name": full_name, "email": email, "department": department}.items()
        if v is not None
    }
    if not changes:
        raise InvalidInput("nothing to change; give --full-name, --email or --department")
    data = validated(UserUpdate, changes)
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = UserRead.model_validate(service.update_user(session, who=who, ref=ref, data=data))
    _one(app_ctx, read, as_json, f"Updated {read.username}.")


@app.command("deactivate")
def deactivate(ctx: typer.Context, ref: UserRef, as_json: JsonOption = False) -> None:
    """Deactivate a user (history is kept; they can no longer act or be assigned)."""
    from itsm.accounts.principal import acting
    from itsm.users import service
    from itsm.users.schemas import UserRead

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = UserRead.model_validate(service.deactivate_user(session, who=who, ref=ref))
    _one(app_ctx, read, as_json, f"{read.username} deactivated.")


@app.command("reactivate")
def reactivate(ctx: typer.Context, ref: UserRef, as_json: JsonOption = False) -> None:
    """Let a deactivated user act again; their tokens from before are revoked (admins)."""
    from itsm.accounts import reactivation
    from itsm.accounts.principal import acting
    from itsm.users.schemas import UserRead

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        done = reactivation.reactivate(session, who=acting(app_ctx.actor(session)), ref=ref)
        read = UserRead.model_validate(done.user)
        revoked = done.revoked_tokens
    _one(
        app_ctx,
        read,
        as_json,
        f"{read.username} reactivated; {count(revoked, 'personal token')} from before revoked.",
    )


@app.command("passwd")
def passwd(
    ctx: typer.Context,
    ref: UserRef,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a user's password (hashed with Argon2id) for logging in to the API."""
    import sys

    from itsm.accounts import password_change
    from itsm.accounts.principal import acting
    from itsm.errors import InvalidInput

    app_ctx = app_context(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True)
        if typer.prompt("Repeat it", hide_input=True) != password:
            raise InvalidInput("the two passwords differ; nothing changed")
    new = password_change.new_password(password)  # Argon2 before the write transaction
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        done = password_change.reset_password(session, who=who, ref=ref, password=new)
        name, revoked = done.user.username, done.revoked_tokens
    app_ctx.console.print(
        f"Password of {name} set; {count(revoked, 'personal token')} revoked.", markup=False
    )


def _one(app_ctx: AppContext, read: UserRead, as_json: bool, message: str | None) -> None:
    from itsm.cli.output import key_values, print_json, when

    if as_json:
        print_json(app_ctx.console, dump(read))
    elif message:
        app_ctx.console.print(message, markup=False)
    else:
        app_ctx.console.print(
            key_values(
                f"User #{read.id}",
                [
                    ("Username", read.username),
                    ("Name", read.full_name),
                    ("Role", read.role),
                    ("E-mail", read.email),
                    ("Department", read.department),
                    ("Active", "yes" if read.is_active else "no"),
                    ("Created", when(read.created_at)),
                ],
            )
        )


@app.command("unlock")
def unlock(ctx: typer.Context, ref: UserRef, as_json: JsonOption = False) -> None:
    """Forget a user's failed logins, so that the API lets them log in again (admins)."""
    from itsm.accounts import service as accounts
    from itsm.accounts.principal import acting

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        user, forgotten = accounts.unlock(session, who=acting(app_ctx.actor(session)), ref=ref)
        name = user.username
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, {"user": name, "forgotten_failures": forgotten})
        return
    app_ctx.console.print(
        f"{name} unlocked: {count(forgotten, 'failed login')} forgotten.", markup=False
    )


@app.command("notify-prefs")
def notify_prefs(
    ctx: typer.Context,
    choices: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KIND:CHANNEL=on|off, e.g. comment:email=off (repeatable). "
            "Without it, show the preferences.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show or change which events the acting user (--as) is told of, by which channel."""
    from itsm.cli.output import e, print_json, table
    from itsm.errors import InvalidInput
    from itsm.notify import prefs

    app_ctx = app_context(ctx)
    parsed = [_pref_choice(text) for text in choices or []]
    with app_ctx.session(write=bool(parsed)) as session:
        user = app_ctx.actor(session)
        if user is None:
            raise InvalidInput("there is no user to act as: name one with --as")
        chosen = prefs.set_preferences(session, user=user, choices=parsed)
        name = user.username
    rows = [(k.value, c.value, on) for (k, c), on in chosen.items()]
    if as_json:
        print_json(app_ctx.console, [{"kind": k, "channel": c, "enabled": on} for k, c, on in rows])
        return
    kinds = sorted({k for k, _, _ in rows}, key=[k for k, _, _ in rows].index)
    channels = sorted({c for _, c, _ in rows}, key=[c for _, c, _ in rows].index)
    on_off = {(k, c): "on" if on else "off" for k, c, on in rows}
    app_ctx.console.print(
        table(
            f"Notifications of {e(name)}",
            ["kind", *channels],
            [[k, *(on_off[(k, c)] for c in channels)] for k in kinds],
        )
    )


def _pref_choice(text: str) -> tuple[NotifyKind, Channel, bool]:
    """``KIND:CHANNEL=on|off`` read, or one line saying what is allowed."""
    from itsm.errors import InvalidInput
    from itsm.notify.models import Channel, NotifyKind

    target, _, value = text.partition("=")
    kind, _, channel = target.partition(":")
    switch = {"on": True, "off": False}
    kinds = {k.value for k in NotifyKind}
    channels = {c.value for c in Channel}
    if kind not in kinds or channel not in channels or value not in switch:
        raise InvalidInput(
            f"--set {text!r}: expected KIND:CHANNEL=on|off with KIND one of "
            f"{', '.join(sorted(kinds))} and CHANNEL one of {', '.join(sorted(channels))}"
        )
    return NotifyKind(kind), Channel(channel), switch[value]


@app.command("categories")
def categories(
    ctx: typer.Context,
    ref: UserRef,
    set_: Annotated[
        str | None,
        typer.Option(
            "--set",
            help="Comma-separated categories the technician works on (admins only).",
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="None set: every category (admins only).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """A technician's ticket categories: they are told of new, alert and breached
    tickets of these only (none set: every category)."""
    from itsm.accounts.principal import acting
    from itsm.errors import InvalidInput
    from itsm.tickets import technician_categories as cats

    app_ctx = app_context(ctx)
    if set_ is not None and clear:
        raise InvalidInput("give --set CATEGORIES or --clear, not both")
    with app_ctx.session(write=set_ is not None or clear) as session:
        who = acting(app_ctx.actor(session))
        if set_ is not None or clear:
            wanted = [] if clear else (set_ or "").split(",")
            if set_ is not None and not cats.parse(wanted):
                raise InvalidInput("--set needs at least one category; --clear sets none")
            user, found = cats.set_categories(session, who=who, ref=ref, categories=wanted)
        else:
            user, found = cats.show(session, who=who, ref=ref)
        name = user.username
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, {"username": name, "categories": [str(c) for c in found]})
        return
    shown = ", ".join(found) if found else "every category"
    app_ctx.console.print(f"{name}: {shown}.", markup=False)
