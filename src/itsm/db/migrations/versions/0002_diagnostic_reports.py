"""Diagnostic reports: the stored history of every diagnostics run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diagnostic_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "severity IN ('healthy', 'unknown', 'warning', 'critical')",
            name=op.f("ck_diagnostic_reports_severity_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["hardware_inventory.id"],
            name=op.f("fk_diagnostic_reports_asset_id_hardware_inventory"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostic_reports")),
        sa.UniqueConstraint("report_id", name=op.f("uq_diagnostic_reports_report_id")),
    )
    op.create_index("ix_diagnostic_reports_host_at", "diagnostic_reports", ["host", "collected_at"])
    op.create_index("ix_diagnostic_reports_at", "diagnostic_reports", ["collected_at"])
    op.create_index(op.f("ix_diagnostic_reports_asset_id"), "diagnostic_reports", ["asset_id"])


def downgrade() -> None:
    op.drop_table("diagnostic_reports")
