"""A merged duplicate's note no longer names its target; tickets' search terms name no
other ticket.

A merge wrote "Duplicate of TKT-…" as the duplicate's resolution note, and notes are
searched (0011): the duplicate's requester found the target's number by its parts.
The target stays in the ``merged_into`` link, which the doors show "Duplicate of …"
from. Such notes are cleared, and every ticket's ``search_terms`` made again by
:func:`itsm.db.fulltext.ticket_search_terms`, which leaves out a joined word naming
another ticket. Neither is an edit: ``updated_at`` is kept. The downgrade writes the
notes back and the terms as 0011 made them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from itsm.db.fulltext import search_terms, ticket_search_terms
from itsm.db.migrations.backfill import refill_search_terms, updated_at_kept

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SOURCES = ("number", "title", "description", "resolution_note")
_PREFIX = "Duplicate of "
# The merged_into link of the ticket being updated, joined to its target (``target``),
# in SQL that both databases read.
_MERGED = (
    "SELECT ticket_links.ticket_id FROM ticket_links"
    " JOIN tickets AS target ON target.id = ticket_links.other_id"
    " WHERE ticket_links.kind = 'merged_into'"
    " AND ticket_links.ticket_id = tickets.id"
)


def upgrade() -> None:
    with updated_at_kept("tickets"):  # a note and terms made again are not an edit
        op.execute(
            f"UPDATE tickets SET resolution_note = NULL WHERE EXISTS ({_MERGED}"
            f" AND tickets.resolution_note = '{_PREFIX}' || target.number)"
        )
        refill_search_terms("tickets", SOURCES, ticket_search_terms)


def downgrade() -> None:
    with updated_at_kept("tickets"):
        op.execute(
            f"UPDATE tickets SET resolution_note = (SELECT '{_PREFIX}' || target.number"
            f" FROM ticket_links JOIN tickets AS target ON target.id = ticket_links.other_id"
            f" WHERE ticket_links.kind = 'merged_into' AND ticket_links.ticket_id = tickets.id)"
            f" WHERE status = 'closed' AND resolution_note IS NULL AND EXISTS ({_MERGED})"
        )
        refill_search_terms("tickets", SOURCES, search_terms)
