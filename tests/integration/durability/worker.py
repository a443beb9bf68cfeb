"""A separate OS process writing tickets through the services, as the CLI does.

Run as ``python -m tests.integration.durability.worker MODE URL LOG ...``. Every
write is one unit of work (``Database.session()``, commit on success); only after
the commit returned is it *acknowledged*: one JSON line appended to ``LOG`` and
flushed, so what the log holds was promised to a caller, even if the process is
killed a moment later. A failure is logged as an ``error`` line too and stops the
worker, so the test sees it whatever it was.

Modes:

``stress``  wait for the gate, then for ``--seconds`` (and at least one round)
            create tickets, comment on them and change their status and
            assignee in turn, each change on a random one of the newest tickets
            of the whole database (so the workers contend for the same rows).
``create``  create tickets one by one, forever (the test kills it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import string
import sys
import time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.tickets import creation, lifecycle
from itsm.tickets import service as tickets
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import CommentCreate, TicketCreate
from itsm.users import service as users

RECENT = 12  # changes pick one of the newest tickets: hot rows, real contention
CYCLE = ("create", "comment", "status", "assign", "comment", "status", "assign")


def word(n: int) -> str:
    """A letters-only word unique to ``n``, the same length for every ``n`` (prefix-free)."""
    letters = []
    for _ in range(7):
        n, digit = divmod(n, 26)
        letters.append(string.ascii_lowercase[digit])
    return "zq" + "".join(letters)


class Log:
    def __init__(self, path: Path) -> None:
        self._out: IO[str] = path.open("a", encoding="utf-8")

    def write(self, **entry: Any) -> None:
        self._out.write(json.dumps(entry) + "\n")
        self._out.flush()

    def close(self) -> None:
        self._out.close()


def _create(
    db: Database, rng: random.Random, *, actor_id: int, requester_id: int, staff: list[int], n: int
) -> dict[str, Any]:
    settings = db.settings
    with db.session() as session:
        actor = users.get_user(session, ref=actor_id)
        assignee = rng.choice(staff) if staff and rng.random() < 0.3 else None
        data = TicketCreate(
            title=f"Cafetera {word(n)} averiada",
            description=f"Ticket {n}: the coffee machine leaks.",
            category="hardware",
            priority=rng.choice(["critical", "high", "medium", "low"]),
            requester_id=requester_id,
            assignee_id=assignee,
        )
        ticket = creation.create_ticket(
            session, data=data, actor=actor, zone=settings.zone, sla=settings.sla
        )
        entry = {
            "op": "create",
            "ticket": ticket.id,
            "number": ticket.number,
            "title": ticket.title,
            "actor": actor_id,
            "assignee": ticket.assignee.username if ticket.assignee else None,
        }
    return entry


def _change(
    db: Database, rng: random.Random, what: str, *, actor_id: int, staff: list[int], n: int
) -> dict[str, Any] | None:
    """A comment, status change or assignment on a recent ticket; None if there is none."""
    settings = db.settings
    with db.session() as session:
        actor = users.get_user(session, ref=actor_id)
        recent = session.scalars(select(Ticket.id).order_by(Ticket.id.desc()).limit(RECENT)).all()
        if not recent:
            return None
        ticket_id = rng.choice(recent)
        if what == "comment":
            body = CommentCreate(body=f"Comment {n}: tried again", is_internal=rng.random() < 0.3)
            comment = tickets.add_comment(session, ref=ticket_id, data=body, actor=actor)
            entry: dict[str, Any] = {
                "op": "comment",
                "ticket": ticket_id,
                "comment": comment.id,
                "internal": body.is_internal,
            }
        elif what == "status":
            # Read under the row lock the change itself takes: the transition is valid.
            ticket = tickets.get_ticket_for_update(session, ref=ticket_id)
            old = Status(ticket.status)
            new = rng.choice(lifecycle.allowed_next(old))
            note = f"Fixed by change {n}" if new is Status.RESOLVED else None
            tickets.change_status(
                session, ref=ticket_id, status=new, actor=actor, note=note, sla=settings.sla
            )
            entry = {"op": "status", "ticket": ticket_id, "old": old.value, "new": new.value}
            entry["note"] = note is not None
        else:
            # As ``itsm ticket assign`` does: the service takes (and waits for) the row lock.
            target = rng.choice([*staff, None])
            ticket = tickets.assign(session, ref=ticket_id, assignee_ref=target, actor=actor)
            new_user = ticket.assignee.username if ticket.assignee else None
            # The true previous assignee, from outside this transaction: the last
            # committed one, which nobody can change while this one holds the row lock.
            old_user = _committed_assignee(db, ticket_id)
            if new_user == old_user:
                return {"op": "noop"}  # the service must record nothing either
            entry = {"op": "assign", "ticket": ticket_id, "old": old_user, "new": new_user}
        entry["actor"] = actor_id
    return entry


def _committed_assignee(db: Database, ticket_id: int) -> str | None:
    with db.session(write=False) as other:
        ticket = other.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.assignee.username if ticket.assignee else None


def stress(db: Database, log: Log, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    staff = [int(s) for s in args.staff.split(",")]
    gate = Path(args.gate)
    (gate / f"ready-{args.seed}").touch()
    while not (gate / "go").exists():  # start together, once every worker is ready
        time.sleep(0.005)
    began = time.monotonic()
    first = args.seed * 1_000_000  # the words of different workers' titles never meet
    for step in itertools.count():
        # A round of each kind in turn, then on until the time is up: however slow the
        # machine, every worker makes every kind of write; the first is a creation.
        if step >= len(CYCLE) and time.monotonic() - began >= args.seconds:
            break
        what, n = CYCLE[step % len(CYCLE)], first + step + 1
        if what == "create":
            entry: dict[str, Any] | None = _create(
                db, rng, actor_id=args.actor, requester_id=args.requester, staff=staff, n=n
            )
        else:
            entry = _change(db, rng, what, actor_id=args.actor, staff=staff, n=n)
        if entry is not None and entry["op"] != "noop":
            log.write(**entry)
    log.write(op="done", seconds=time.monotonic() - began)


def create_forever(db: Database, log: Log, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    n = args.seed * 1_000_000
    while True:
        n += 1
        log.write(
            **_create(db, rng, actor_id=args.actor, requester_id=args.requester, staff=[], n=n)
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["stress", "create"])
    parser.add_argument("url")
    parser.add_argument("log", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--actor", type=int, required=True)
    parser.add_argument("--requester", type=int, required=True)
    parser.add_argument("--staff", default="")
    parser.add_argument("--gate", default="")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    log = Log(args.log)
    db = open_database(Settings(database_url=args.url))
    try:
        if args.mode == "stress":
            stress(db, log, args)
        else:
            create_forever(db, log, args)
    except Exception as exc:  # reported to the test, which fails on any
        log.write(op="error", error=f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        db.dispose()
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
