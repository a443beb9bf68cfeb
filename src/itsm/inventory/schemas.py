"""Validated shapes of inventory input and output."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from itsm.db.ids import MAX_ID
from itsm.inventory.models import AssetStatus, AssetType
from itsm.schema import Schema
from itsm.validation import refuse_nul

#: Endings of the API's ``PUT /inventory/assets/{ref}/owner`` and ``…/status`` routes:
#: a tag ending in one would read, in those routes, as another item's tag.
RESERVED_TAG_ENDINGS = ("/owner", "/status")


def reserved_tag_ending(tag: str) -> str | None:
    """The route ending ``tag`` ends in (``/owner``, ``/status``), if any."""
    return next((end for end in RESERVED_TAG_ENDINGS if tag.endswith(end)), None)


def check_asset_tag(tag: str) -> str:
    """``tag``, unless it ends in a route's ending (:data:`RESERVED_TAG_ENDINGS`)."""
    ending = reserved_tag_ending(tag)
    if ending is not None:
        raise ValueError(
            f"{tag!r} ends in {ending!r}; a tag may not end in '/owner' or '/status',"
            " the endings of the API's routes that change an item"
        )
    return tag


class AssetCreate(Schema):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    asset_tag: str = Field(
        min_length=1,
        max_length=64,
        description="Unique; may hold '/' (LAP/2024/001) but may not end in '/owner' or '/status'.",
    )
    asset_type: AssetType
    hostname: str | None = Field(default=None, max_length=255)
    machine_id: str | None = Field(default=None, max_length=128)
    manufacturer: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=100)
    serial_number: str | None = Field(default=None, max_length=100)
    cpu: str | None = Field(default=None, max_length=200)
    cpu_cores: int | None = Field(default=None, ge=1, le=100_000)
    ram_bytes: int | None = Field(default=None, ge=0, le=2**63 - 1)  # BIGINT
    disks: list[dict[str, Any]] | None = None
    os: str | None = Field(default=None, max_length=200)
    network: list[dict[str, Any]] | None = None
    location: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=65_536)
    owner_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    status: AssetStatus = AssetStatus.IN_USE
    purchase_date: date | None = None
    warranty_expires: date | None = None

    _no_nul = field_validator("*", mode="before")(refuse_nul)

    @field_validator("asset_tag")
    @classmethod
    def _asset_tag(cls, value: str) -> str:
        return check_asset_tag(value)


class AssetRead(Schema):
    model_config = ConfigDict(from_attributes=True)

    id: int
    asset_tag: str
    asset_type: AssetType
    hostname: str | None
    machine_id: str | None
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    cpu: str | None
    cpu_cores: int | None
    ram_bytes: int | None
    disks: list[dict[str, Any]] | None
    os: str | None
    network: list[dict[str, Any]] | None
    location: str | None
    notes: str | None
    owner_id: int | None
    owner: str | None = Field(default=None, description="The owner's username")
    status: AssetStatus
    purchase_date: date | None
    warranty_expires: date | None
    last_seen_at: datetime | None
    created_at: datetime
    updated_at: datetime


class HostFacts(Schema):
    """What a machine says about itself (from the diagnostics probes)."""

    model_config = ConfigDict(extra="forbid")

    identity: str = Field(min_length=1, max_length=128)
    hostname: str = Field(min_length=1, max_length=255)
    manufacturer: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=100)
    serial_number: str | None = Field(default=None, max_length=100)
    cpu: str | None = Field(default=None, max_length=200)
    cpu_cores: int | None = Field(default=None, ge=1, le=100_000)
    ram_bytes: int | None = Field(default=None, ge=0, le=2**63 - 1)  # BIGINT
    disks: list[dict[str, Any]] = Field(default_factory=list)
    os: str | None = Field(default=None, max_length=200)
    network: list[dict[str, Any]] = Field(default_factory=list)
    virtual: bool = False
