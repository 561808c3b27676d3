"""Shared metadata and the columns every resource table has.

A column may carry `info={"path": "network.id"}`: the dotted property path of the resource
document it stores. Properties without a column of their own live in the `attrs` JSON column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, MetaData

from cpms.storage.types import Id, Json, UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


def id_column() -> Column[Any]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def document_columns(*, index_updated: bool = True) -> list[Column[Any]]:
    """attrs (the rest of the document), createdAt and lastUpdatedAt.

    `index_updated=False` for tables whose rows change many times a second and which nobody
    filters by lastUpdatedAt (sessions): on PostgreSQL an update that touches no indexed column
    stays on its page (a HOT update) instead of writing an entry in every index of the table.
    """
    return [
        Column("attrs", Json, nullable=False, default=dict),
        Column("created_at", UtcDateTime, nullable=False, info={"path": "createdAt"}),
        Column("last_updated_at", UtcDateTime, nullable=False, index=index_updated, info={"path": "lastUpdatedAt"}),
    ]


def path(dotted: str, **info: Any) -> dict[str, Any]:
    """Column info naming the document property a column stores."""
    return {"path": dotted, **info}
