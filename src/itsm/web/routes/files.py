"""A ticket's attached file for the signed-in visitor: the portal's previews and downloads.

The same response as the API's download (:mod:`itsm.api.downloads`), by the same rules.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from itsm.api.deps import SessionDep, SettingsDep
from itsm.api.downloads import file_response
from itsm.attachments import service as attachments
from itsm.attachments.storage import Store
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
