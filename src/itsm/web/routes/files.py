"""A ticket's files for the signed-in visitor: downloads (the same response as the
API's, :mod:`itsm.server.downloads`, by the same rules) and the technician's page's upload."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Response, UploadFile
from fastapi.responses import FileResponse, RedirectResponse

from itsm.attachments import service as attachments
from itsm.attachments.storage import Store
from itsm.server.deps import SessionDep, SettingsDep
from itsm.server.downloads import file_response
from itsm.tickets import access
from itsm.tickets.visibility import sees_all
from itsm.web.routes import desk
from itsm.web.session import ViewerDep

router = APIRouter()
Ref = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/tickets/{ref}/attachments/{attachment_id}")
def download(
    ref: Ref,
    attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    who: ViewerDep,
    cfg: SettingsDep,
) -> FileResponse:
    row = attachments.get_attachment(session, ref=ref, attachment_id=attachment_id, viewer=who.user)
    return file_response(row, Store(cfg.attachments_dir))


@router.post("/tickets/{ref}/attachments")
def upload(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    cfg: SettingsDep,
    file: Annotated[UploadFile, File()],
    comment: Annotated[str, Form(max_length=100_000)] = "",
    visibility: Annotated[Literal["public", "internal"], Form()] = "public",
) -> Response:
    """A file, with a comment if one is written; internal (staff only) when asked."""
    row = attachments.attach(
        session,
        ref=ref,
        source=file.file,
        filename=file.filename or "",
        actor=who.user,
        store=Store(cfg.attachments_dir),
        limits=cfg.attachments,
        internal=visibility == "internal",
        comment=comment if comment.strip() else None,
        sla=cfg.sla,
    )
    number = access.visible_ticket(session, ref=row.ticket_id, viewer=who.user).number
    if sees_all(who.user):
        return desk.back(number, "file")
    return RedirectResponse(f"/tickets/{number}", status_code=303)
