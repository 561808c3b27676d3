"""Alembic, driven from code: migrations run at startup, no alembic.ini to find.

`python -m cpms.storage.migrate revision "message"` writes a new revision by comparing the
tables in `cpms.storage.tables` with a scratch database at head.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from cpms.storage.tables import metadata

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(connection: Any, revision: str = "head") -> None:
    """Bring the schema of `connection` (a sync connection) to `revision`."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)

    def _upgrade(rev: Any, context: Any) -> Any:
        return script._upgrade_revs(revision, rev)

    with EnvironmentContext(config, script, fn=_upgrade, destination_rev=revision) as env:
        env.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
        with env.begin_transaction():
            env.run_migrations()


def pending_changes(connection: Any) -> list[Any]:
    """Differences between the tables in code and the migrated schema (empty when in step)."""
    from alembic.autogenerate import compare_metadata

    context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
    return compare_metadata(context, metadata)


def revision(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scratch.sqlite3"
        engine = create_engine(url)
        with engine.begin() as conn:
            upgrade(conn)
        config = alembic_config(url)
        command.revision(config, message=message, autogenerate=True,
                         rev_id=f"{len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1:04d}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "revision":
        revision(sys.argv[2])
    else:
        print("usage: python -m cpms.storage.migrate revision MESSAGE", file=sys.stderr)
        sys.exit(2)
