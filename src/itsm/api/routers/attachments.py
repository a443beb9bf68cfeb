"""Files attached to tickets over HTTP: upload (multipart), list, download.

The rules are :mod:`itsm.attachments.service`'s (on top of the tickets' role rules);
a route reads the request, calls it and renders the result.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Response, UploadFile
from fastapi.responses import FileResponse

from itsm.api.deps import PersonDep
from itsm.api.routers.tickets import Ref
from itsm.attachments import service
from itsm.attachments.schemas import AttachmentRead
from itsm.attachments.storage import Store
from itsm.server.deps import SessionDep, SettingsDep
from itsm.server.downloads import file_response

router = APIRouter(prefix="/tickets", tags=["attachments"])

AttachmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The attachment's id.")]


@router.post(
    "/{ref}/attachments",
    status_code=201,
    summary="Attach a file (multipart field `file`); internal files: staff only",
    description=(
        "Optional form fields: `comment` (text of a comment posted with the file) and"
        " `internal` (true: staff only, and the comment is an internal note). The media"
        " type is read from the content. Over `attachments.max_bytes`: 413; the ticket"
        " already holding `attachments.max_per_ticket` files: 422."
    ),
)
def upload(
    ref: Ref,
    file: Annotated[UploadFile, File(description="The file.")],
    response: Response,
    session: SessionDep,
    who: PersonDep,
    cfg: SettingsDep,
    comment: Annotated[str | None, Form(max_length=100_000)] = None,
    internal: Annotated[bool, Form()] = False,
) -> AttachmentRead:
    row = service.attach(
        session,
        ref=ref,
        source=file.file,
        filename=file.filename or "",
        actor=who.user,
        store=Store(cfg.attachments_dir),
        limits=cfg.attachments,
        internal=internal,
        comment=comment,
        sla=cfg.sla,
    )
    response.headers["Location"] = f"/api/v1/tickets/{ref}/attachments/{row.id}"
    return service.attachment_read(row, viewer=who.user)


@router.get(
    "/{ref}/attachments",
    summary="A ticket's files, oldest first (end users: no internal ones)",
)
def list_attachments(ref: Ref, session: SessionDep, who: PersonDep) -> list[AttachmentRead]:
    return service.attachment_reads(session, ref=ref, viewer=who.user)


@router.get(
    "/{ref}/attachments/{attachment_id}",
    summary="Download a file (Content-Disposition: attachment)",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download(
    ref: Ref, attachment_id: AttachmentId, session: SessionDep, who: PersonDep, cfg: SettingsDep
) -> FileResponse:
    row = service.get_attachment(session, ref=ref, attachment_id=attachment_id, viewer=who.user)
    return file_response(row, Store(cfg.attachments_dir))
