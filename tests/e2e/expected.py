"""What ``itsm demo`` leaves in an empty database (the design note's numbers)."""

from __future__ import annotations

from typing import Any

DEMO_STATS: dict[str, Any] = {
    "by_status": {"open": 4, "in_progress": 1},
    "by_priority": {"critical": 3, "high": 1, "medium": 1},
    "by_category": {"hardware": 3, "network": 1, "software": 1},
    "total": 5,
    "active": 5,
    "unassigned_active": 3,
}
