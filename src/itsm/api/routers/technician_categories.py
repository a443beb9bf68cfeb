"""A technician's ticket categories over HTTP: staff read them, admins set them.

The rules are :mod:`itsm.tickets.technician_categories`'; who is told by category is
:mod:`itsm.notify.policy`'s.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from itsm.api.deps import PersonDep
from itsm.server.deps import SessionDep
from itsm.tickets import technician_categories as cats
from itsm.tickets.models import Category
from itsm.users.models import User

router = APIRouter(prefix="/users", tags=["users"])

UserRef = Annotated[
    str, Path(min_length=1, max_length=64, description="User id (42) or username (ana.torres).")
]


class CategoriesRead(BaseModel):
    username: str
    categories: list[Category] = Field(
        description="The categories the technician works on; empty: every category."
    )


class CategoriesSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[Category] = Field(
        max_length=len(Category), description="Empty: every category again."
    )


def _read(user: User, found: list[Category]) -> CategoriesRead:
    return CategoriesRead(username=user.username, categories=found)


@router.get("/{ref}/categories", summary="A technician's ticket categories (staff)")
def show_categories(ref: UserRef, session: SessionDep, who: PersonDep) -> CategoriesRead:
    return _read(*cats.show(session, who=who, ref=ref))


@router.put(
    "/{ref}/categories",
    summary="Set a technician's ticket categories (admins)",
    description=(
        "They are told of new unassigned, alert and diagnostics, and SLA-breached tickets"
        " of these categories only; none: every category. Only technicians (422 otherwise)."
    ),
)
def set_categories(
    ref: UserRef, body: CategoriesSet, session: SessionDep, who: PersonDep
) -> CategoriesRead:
    return _read(*cats.set_categories(session, who=who, ref=ref, categories=body.categories))
