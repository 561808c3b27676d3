"""Alembic environment for `python -m cpms.storage.migrate revision` (offline tooling only).

The server does not come through here: it calls cpms.storage.migrate.upgrade with its own
connection at startup.
"""

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from cpms.storage import types
from cpms.storage.tables import metadata


def render_item(kind: str, obj: Any, autogen_context: Any) -> Any:
    """Render cpms's cross-database types by name, so migrations stay dialect-neutral."""
    if kind == "type":
        if obj is types.Id or (getattr(obj, "_variant_mapping", None) and repr(obj) == repr(types.Id)):
            return "cpms.storage.types.Id"
        if obj is types.Json or (getattr(obj, "_variant_mapping", None) and repr(obj) == repr(types.Json)):
            return "cpms.storage.types.Json"
        if isinstance(obj, types.UtcDateTime):
            return "cpms.storage.types.UtcDateTime()"
    return False


config = context.config
engine = create_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()
