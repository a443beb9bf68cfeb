"""An attached file as an HTTP response: always a download, never run as a page.

Shared by the API and the web app. A previewable image keeps its own type (an
``<img>`` shows it whatever the disposition); everything else is
``application/octet-stream``. ``nosniff`` and a CSP that allows nothing (and
sandboxes the response) keep a browser from treating any file as HTML or script.
"""

from __future__ import annotations

import logging

from fastapi.responses import FileResponse

from itsm.attachments import filenames, sniff
from itsm.attachments.errors import AttachmentNotFound
from itsm.attachments.models import Attachment
from itsm.attachments.storage import Store
from itsm.errors import N_

log = logging.getLogger(__name__)

FILE_CSP = "default-src 'none'; sandbox"


def file_response(row: Attachment, store: Store) -> FileResponse:
    path = store.path_of(row.sha256)
    if not path.is_file():
        log.warning("attachment %s: its file %s is missing from the store", row.id, path)
        raise AttachmentNotFound(
            N_("the file of attachment %(id)s is missing on the server"), id=row.id
        )
    return FileResponse(
        path,
        media_type=sniff.served_type(row.media_type),
        headers={
            "Content-Disposition": filenames.content_disposition(row.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": FILE_CSP,
            "Cross-Origin-Resource-Policy": "same-origin",
            "Cache-Control": "private, no-cache",
        },
    )
