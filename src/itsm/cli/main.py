"""Entry point: runs the Typer app and turns every failure into one line and an exit code."""

from __future__ import annotations

import errno
import sys
from typing import Any, NoReturn

import typer

from itsm.cli.context import AppContext
from itsm.cli.exit import BY_KIND, ExitStatus


def main(argv: list[str] | None = None, ctx: AppContext | None = None) -> NoReturn:
    from itsm.cli.app import app

    args = sys.argv[1:] if argv is None else argv
    app_ctx = ctx or AppContext()
    app_ctx.debug = "--debug" in args
    command = typer_main(app)
    try:
        result = command.main(args=args, prog_name="itsm", standalone_mode=False, obj=app_ctx)
        code = result if isinstance(result, int) else ExitStatus.OK
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        app_ctx.err.print("error: aborted", markup=False)
        code = ExitStatus.INTERRUPTED
    except typer.TyperException as exc:
        code = usage_error(app_ctx, exc)
    except KeyboardInterrupt:
        app_ctx.err.print("error: interrupted", markup=False)
        code = ExitStatus.INTERRUPTED
    except BaseException as exc:
        code = report(app_ctx, exc)
    sys.exit(int(code))


def run() -> NoReturn:
    """The ``itsm`` console script (and ``python -m itsm``): :func:`main`, then :func:`leave`.

    In-process callers (tests, embedding) use :func:`main`, which ends by
    :class:`SystemExit` as usual.
    """
    try:
        main()
    except SystemExit as exc:
        leave(exit_status(exc.code))


def leave(code: int) -> NoReturn:
    """End the process once the command is done, without the interpreter's teardown.

    The output is flushed and the exit handlers (logging, temporary files) run;
    tearing down every module and object one by one would change nothing outside
    the process and is a pause a user notices (docs/architecture.md). Unlike the
    interpreter's exit it does not wait for non-daemon threads: a command must not
    leave work running in one (the probes' threads are daemons).
    """
    import atexit
    import contextlib
    import os

    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `itsm ... | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:  # e.g. `itsm ticket export > /full/disk`
        print(f"error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        code = code or ExitStatus.ERROR
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def exit_status(code: object) -> int:
    """The process status :class:`SystemExit` ``code`` stands for, as the interpreter reads it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def typer_main(app: typer.Typer) -> Any:
    import typer.main

    return typer.main.get_command(app)


def usage_error(app_ctx: AppContext, exc: typer.TyperException) -> int:
    """Command-line mistakes: one line naming the problem and where help is."""
    message = getattr(exc, "format_message", lambda: str(exc))()
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: show its help
        app_ctx.console.file.write(message + "\n")
        return ExitStatus.OK
    usage_ctx = getattr(exc, "ctx", None)
    hint = f" (see '{usage_ctx.command_path} --help')" if usage_ctx is not None else ""
    app_ctx.err.print(f"error: {message}{hint}", markup=False, soft_wrap=True)
    return int(getattr(exc, "exit_code", ExitStatus.USAGE))


#: Write failures of a full disk, a quota or a device: said plainly, not as a bug.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def report(app_ctx: AppContext, exc: BaseException) -> int:
    """One line on stderr (a traceback too with ``--debug``); returns the exit code."""
    from itsm.errors import ItsmError

    if isinstance(exc, SystemExit):
        raise exc
    if app_ctx.debug:
        app_ctx.err.print_exception(show_locals=False)
    if isinstance(exc, ItsmError):
        app_ctx.err.print(f"error: {exc.message}", markup=False, soft_wrap=True)
        return BY_KIND.get(exc.kind, ExitStatus.ERROR)
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from itsm.config import mask_url

    if isinstance(exc, IntegrityError):
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        app_ctx.err.print(
            f"error: the change conflicts with stored data: {mask_url(reason)}",
            markup=False,
            soft_wrap=True,
        )
        return ExitStatus.CONFLICT
    if isinstance(exc, DBAPIError):
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        app_ctx.err.print(
            f"error: database error: {mask_url(reason)}", markup=False, soft_wrap=True
        )
        return ExitStatus.DATABASE_UNAVAILABLE
    if isinstance(exc, OSError) and exc.errno in _OUTPUT_ERRNOS:
        # e.g. `itsm ticket list > /dev/full`: the machine's trouble, not a bug of itsm
        app_ctx.err.print(
            f"error: cannot write the output: {exc.strerror}", markup=False, soft_wrap=True
        )
        return ExitStatus.ERROR
    name = type(exc).__name__
    app_ctx.err.print(
        f"error: unexpected {name}: {mask_url(str(exc)).splitlines()[0] if str(exc) else ''} "
        "(run with --debug for the traceback)",
        markup=False,
        soft_wrap=True,
    )
    return ExitStatus.ERROR
