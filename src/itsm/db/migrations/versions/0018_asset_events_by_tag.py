"""The audit trail names a ticket's inventory item by asset tag, not by id.

A change of a ticket's item was recorded as ``field_changed`` ``asset_id`` with the
items' ids; it is now ``asset`` with their asset tags, as the trail names people by
username. Existing events are rewritten so: an item deleted since keeps its id,
written ``#<id>``. The downgrade turns tags back into ids where an item has the tag.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _tag(value: str) -> str:
    """SQL for the asset tag of the item whose id is the event's ``value`` column."""
    return (
        f"CASE WHEN {value} IS NULL THEN NULL ELSE COALESCE((SELECT asset_tag FROM"
        f" hardware_inventory WHERE CAST(hardware_inventory.id AS TEXT) = {value}),"
        f" '#' || {value}) END"
    )


def _id(value: str) -> str:
    """SQL for the id (as text) of the item tagged ``value``; a ``#<id>`` its id."""
    return (
        f"COALESCE((SELECT CAST(hardware_inventory.id AS TEXT) FROM hardware_inventory"
        f" WHERE hardware_inventory.asset_tag = {value}),"
        f" CASE WHEN {value} LIKE '#%' THEN substr({value}, 2) ELSE {value} END)"
    )


def upgrade() -> None:
    op.execute(
        f"UPDATE ticket_events SET field = 'asset', old_value = {_tag('old_value')},"
        f" new_value = {_tag('new_value')} WHERE field = 'asset_id'"
    )


def downgrade() -> None:
    op.execute(
        f"UPDATE ticket_events SET field = 'asset_id', old_value = {_id('old_value')},"
        f" new_value = {_id('new_value')} WHERE field = 'asset' AND kind = 'field_changed'"
    )
