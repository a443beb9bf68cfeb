"""``POST /api/v1/tickets/import``: ``itsm ticket import`` over HTTP, the same service.

The body is the file itself (CSV with a header row, or JSON Lines), within
``api.max_body_bytes``; the answer is what the CLI's ``--json`` prints.
"""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from itsm.accounts.policy import require_person
from itsm.accounts.principal import Principal
from itsm.api.deps import allowed
from itsm.api.problems import problem
from itsm.errors import N_, InvalidInput
from itsm.server.deps import SessionDep, SettingsDep
from itsm.tickets import access, transfer

router = APIRouter(prefix="/tickets", tags=["tickets"])

# What a client says it sends; ``format`` in the query wins.
_MEDIA_TYPES = {
    "text/csv": transfer.Format.CSV,
    "application/x-ndjson": transfer.Format.JSONL,
    "application/jsonl": transfer.Format.JSONL,
    "application/x-jsonlines": transfer.Format.JSONL,
}


def _may_import(who: Principal) -> None:
    """The CLI's rule, refused before the body is read: people only, staff only."""
    require_person(who)
    access.require_staff(who.user, N_("import tickets"))


Importer = Annotated[Principal, allowed(_may_import)]


class RowError(BaseModel):
    line: int
    reason: str


class ImportReport(BaseModel):
    imported: int
    already_present: int = Field(description="Rows whose external_id a ticket already has.")
    skipped: int = Field(description="Invalid rows left out (skip_invalid=true).")
    first_number: str | None
    last_number: str | None
    skipped_rows: list[RowError] = Field(description="The first 1000 of them, with why.")


async def _body(request: Request) -> bytes:
    # Read here, in the event loop: the route itself runs in a worker thread.
    return await request.body()


def _format(request: Request, given: transfer.Format | None) -> transfer.Format:
    if given is not None:
        return given
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    found = _MEDIA_TYPES.get(media)
    if found is None:
        raise InvalidInput(
            f"cannot tell the format from Content-Type {media or '(none)'!r}; give format=csv"
            " or format=jsonl, or send text/csv or application/x-ndjson"
        )
    return found


@router.post(
    "/import",
    summary="Import tickets from a CSV or JSON Lines body (staff), as itsm ticket import",
    response_model=ImportReport,
    responses={422: {"description": "Invalid rows (nothing imported) or an unusable header"}},
)
def import_tickets(
    request: Request,
    session: SessionDep,
    who: Importer,
    cfg: SettingsDep,
    body: Annotated[bytes, Depends(_body)],
    fmt: Annotated[
        transfer.Format | None,
        Query(alias="format", description="csv or jsonl (default: from Content-Type)."),
    ] = None,
    skip_invalid: Annotated[
        bool, Query(description="Import the valid rows; report the others.")
    ] = False,
) -> ImportReport | JSONResponse:
    kind = _format(request, fmt)
    try:
        result = transfer.import_tickets(
            session,
            path=io.BytesIO(body),
            fmt=kind,
            actor=who.user,
            zone=cfg.zone,
            sla=cfg.sla,
            skip_invalid=skip_invalid,
        )
    except transfer.ImportRejected as exc:
        rows = [{"line": p.line, "reason": p.reason} for p in exc.problems]
        detail = exc.fill(skip_invalid="skip_invalid=true").message
        return problem(422, "import-rejected", detail, invalid=exc.invalid, rows=rows)
    return ImportReport(
        imported=result.imported,
        already_present=result.present,
        skipped=result.skipped,
        first_number=result.first_number,
        last_number=result.last_number,
        skipped_rows=[RowError(line=p.line, reason=p.reason) for p in result.problems],
    )
