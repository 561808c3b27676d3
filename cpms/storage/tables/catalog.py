"""Charge point vendors and models: the catalogue chargers are described against."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table

from cpms.storage.tables.base import document_columns, id_column, metadata, path
from cpms.storage.types import Id

charge_point_vendors = Table(
    "charge_point_vendors",
    metadata,
    id_column(),
    Column("name", String(255), nullable=False, unique=True, info=path("name")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "charge point vendor"},
)

charge_point_models = Table(
    "charge_point_models",
    metadata,
    id_column(),
    Column("vendor_id", Id, ForeignKey("charge_point_vendors.id", ondelete="RESTRICT"), nullable=False,
           index=True, info=path("vendorId")),
    Column("name", String(255), nullable=False, info=path("name")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "charge point model"},
)
