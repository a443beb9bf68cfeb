"""Idempotent import: a row's ``external_id`` is unique, and a second import skips it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.tickets import transfer
from itsm.tickets.models import Ticket
from itsm.tickets.schemas import TicketFilters

from .conftest import People, run_import
from .support import consistency, write_csv, write_jsonl


def _rows() -> list[dict[str, Any]]:
    return [
        {"title": "Impresora", "category": "hardware", "requester": "req", "external_id": "OT-1"},
        {"title": "Correo", "category": "software", "requester": "req", "external_id": "OT-2"},
        {"title": "Sin id", "category": "other", "requester": "req"},
    ]


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


@pytest.mark.parametrize("writer", [write_csv, write_jsonl])
def test_importing_the_same_file_twice_creates_only_rows_without_an_id(
    session: Session, people: People, tmp_path: Path, writer: Any
) -> None:
    path = writer(tmp_path / ("in.csv" if writer is write_csv else "in.jsonl"), _rows())
    first = run_import(session, path, actor=people.admin)
    assert (first.imported, first.present) == (3, 0)
    stored = {t: e for t, e in session.execute(select(Ticket.title, Ticket.external_id))}
    assert stored == {"Impresora": "OT-1", "Correo": "OT-2", "Sin id": None}

    again = run_import(session, path, actor=people.admin)
    assert (again.imported, again.present, again.skipped) == (1, 2, 0)
    assert again.first_number == again.last_number  # only "Sin id", numbered on
    assert _count(session) == 4
    assert consistency(session.connection())["tickets"] == 4


def test_new_and_known_ids_in_one_file_keep_file_order(
    session: Session, people: People, tmp_path: Path
) -> None:
    run_import(session, write_csv(tmp_path / "a.csv", _rows()[:1]), actor=people.admin)
    rows = [
        {"title": f"Fila {i}", "category": "other", "requester": "req", "external_id": f"OT-{i}"}
        for i in range(3)
    ]
    result = run_import(session, write_csv(tmp_path / "b.csv", rows), actor=people.admin)
    assert (result.imported, result.present) == (2, 1)  # OT-1 was there already
    titles = session.scalars(select(Ticket.title).order_by(Ticket.number)).all()
    assert titles == ["Impresora", "Fila 0", "Fila 2"]


def test_a_json_number_is_an_id_too(session: Session, people: People, tmp_path: Path) -> None:
    row = {"title": "Numérico", "category": "other", "requester": "req", "external_id": 4711}
    path = write_jsonl(tmp_path / "n.jsonl", [row])
    assert run_import(session, path, actor=people.admin).imported == 1
    assert session.scalar(select(Ticket.external_id)) == "4711"
    row["external_id"] = "4711"  # the same id, as text
    assert run_import(session, write_jsonl(path, [row]), actor=people.admin).present == 1


def test_an_id_twice_in_one_file_or_too_long_is_an_invalid_row(
    session: Session, people: People, tmp_path: Path
) -> None:
    rows = _rows()
    rows[2]["external_id"] = "OT-1"
    rows.append(
        {"title": "Largo", "category": "other", "requester": "req", "external_id": "x" * 101}
    )
    rows.append({"title": "Lista", "category": "other", "requester": "req", "external_id": [1]})
    with pytest.raises(transfer.ImportRejected) as caught:
        run_import(session, write_jsonl(tmp_path / "d.jsonl", rows), actor=people.admin)
    assert [(p.line, p.reason) for p in caught.value.problems] == [
        (3, "external_id 'OT-1' is also on line 1"),
        (4, "invalid external_id of 101 characters: give text of up to 100 characters"),
        (5, "invalid external_id [1]: give text of up to 100 characters"),
    ]
    assert _count(session) == 0
    skipping = run_import(
        session, write_jsonl(tmp_path / "d.jsonl", rows), actor=people.admin, skip_invalid=True
    )
    assert (skipping.imported, skipping.skipped) == (2, 3)


def test_export_writes_the_id_and_imports_back(
    session: Session, people: People, tmp_path: Path
) -> None:
    run_import(session, write_csv(tmp_path / "in.csv", _rows()), actor=people.admin)
    out = io.StringIO()
    transfer.export_tickets(session, filters=TicketFilters(), fmt=transfer.Format.CSV, out=out)
    exported = tmp_path / "out.csv"
    exported.write_text(out.getvalue(), encoding="utf-8")
    assert out.getvalue().splitlines()[0].endswith(",source,external_id")
    result = run_import(session, exported, actor=people.admin)
    # The two with an id are found again; a ticket without one is a new ticket each time.
    assert (result.imported, result.present) == (1, 2)
