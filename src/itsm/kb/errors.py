"""Errors of the knowledge-base domain."""

from itsm.errors import NotFound


class ArticleNotFound(NotFound):
    pass
