from __future__ import annotations

from itsm.errors import InvalidInput, NotFound, TooLarge


class AttachmentNotFound(NotFound):
    """No such attachment on the ticket, or one the caller may not see."""


class AttachmentTooLarge(TooLarge):
    pass


class TooManyAttachments(InvalidInput):
    pass
