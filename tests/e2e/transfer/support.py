"""Set-up shared by the import/export command tests."""

from __future__ import annotations

from itsm.config import Settings
from itsm.db.runtime import open_database
from tests.factories import make_user


def add_people(url: str) -> None:
    """Users straight through the service (quicker than three ``itsm user add``)."""
    db = open_database(Settings(database_url=url))
    try:
        with db.session() as session:
            make_user(session, username="ana", full_name="Ana Admin", role="admin")
            make_user(session, username="tec", full_name="Tec Nician", role="technician")
            make_user(session, username="req", full_name="Re Quester")
    finally:
        db.dispose()
