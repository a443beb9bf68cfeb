"""The cheap head-revision reader agrees with Alembic itself."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from itsm.db import migrate


def test_head_revision_matches_alembic() -> None:
    script = ScriptDirectory.from_config(migrate._config())
    assert migrate.head_revision() == script.get_current_head()


def test_every_migration_is_read() -> None:
    script = ScriptDirectory.from_config(migrate._config())
    assert len(list(script.walk_revisions())) == len(
        list((migrate.MIGRATIONS_DIR / "versions").glob("*.py"))
    )
