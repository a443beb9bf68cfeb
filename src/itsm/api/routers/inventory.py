"""The hardware inventory over HTTP, for technicians and admins only.

Items are found by id, asset tag or hostname, as in ``itsm inventory show``.

Asset tags may hold ``/`` (``LAP/2024/001``), so ``{ref}`` is a ``:path``
parameter: it takes every segment up to the route's own ending, sent as they are
or percent-encoded (``LAP%2F2024%2F001``, which the server decodes before routing
anyway). ``GET /assets/{ref}`` takes the whole rest of the path; the ``PUT``
routes end in ``/owner`` or ``/status``, which Starlette matches after the
greedy reference. A tag may not itself end in ``/owner`` or ``/status``
(:func:`itsm.inventory.schemas.check_asset_tag`): with a tag ``X/owner``, the path
``/assets/X/owner`` would be that item to ``GET`` and item ``X``'s owner to ``PUT``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from itsm.accounts.principal import Principal
from itsm.api.deps import allowed
from itsm.inventory import policy
from itsm.inventory import service as inventory
from itsm.inventory.models import AssetStatus, AssetType
from itsm.inventory.schemas import AssetCreate, AssetRead
from itsm.server.deps import SessionDep

router = APIRouter(prefix="/inventory", tags=["inventory"])

# The services decide (:mod:`itsm.inventory.policy`); the gates refuse by role first.
Reader = Annotated[Principal, allowed(policy.check_read)]
Writer = Annotated[Principal, allowed(policy.check_write)]

AssetRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=255,
        description=(
            "Item id (7), asset tag or hostname; a tag may hold '/' (LAP/2024/001), "
            "sent as is or percent-encoded."
        ),
    ),
]


class OwnerChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: int | Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        description="User id or username; null takes the item back from its owner."
    )


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AssetStatus


@router.get("/assets", summary="List inventory items")
def list_assets(
    session: SessionDep,
    who: Reader,
    status: Annotated[AssetStatus | None, Query(description="Only this status.")] = None,
    asset_type: Annotated[AssetType | None, Query(description="Only this type.")] = None,
    owner: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Only this user's items.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AssetRead]:
    rows = inventory.list_assets(
        session, who=who, status=status, asset_type=asset_type, owner=owner, limit=limit
    )
    return inventory.asset_reads(session, rows)


@router.post("/assets", status_code=201, summary="Register an item")
def create_asset(
    body: AssetCreate, response: Response, session: SessionDep, who: Writer
) -> AssetRead:
    read = inventory.asset_read(session, inventory.add_asset(session, who=who, data=body))
    response.headers["Location"] = f"{router.prefix}/assets/{read.id}"
    return read


@router.get("/assets/{ref:path}", summary="One item, by id, asset tag or hostname")
def get_asset(ref: AssetRef, session: SessionDep, who: Reader) -> AssetRead:
    return inventory.asset_read(session, inventory.show_asset(session, who=who, ref=ref))


@router.put("/assets/{ref:path}/owner", summary="Hand an item to a user, or take it back (null)")
def assign_owner(ref: AssetRef, body: OwnerChange, session: SessionDep, who: Writer) -> AssetRead:
    asset = inventory.assign_owner(session, who=who, ref=ref, owner_ref=body.owner)
    return inventory.asset_read(session, asset)


@router.put("/assets/{ref:path}/status", summary="Change an item's status")
def set_status(ref: AssetRef, body: StatusChange, session: SessionDep, who: Writer) -> AssetRead:
    asset = inventory.set_status(session, who=who, ref=ref, status=body.status)
    return inventory.asset_read(session, asset)
