"""Rows to documents: `Store.join_all` (a page) gives exactly what `Store.join` gives row by row."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, insert, select

from cpms.clock import UTC
from cpms.resources.store import Store
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.types import Json

STORE = Store(charge_points)
AT = datetime(2024, 5, 6, 7, 8, 9, 12345, tzinfo=UTC)


async def insert_charge_points(server) -> None:
    base = {"type": "public", "status": "enabled", "managed_by_operator": True, "network_status": "never_connected",
            "security_profile": 0, "created_at": AT, "last_updated_at": AT}
    async with server.rt.db.write() as tx:
        await tx.conn.execute(insert(charge_points).values(**base, name="Plain", attrs={}))
        await tx.conn.execute(insert(charge_points).values(
            **base, name="Full", network_id="CP-2", network_protocol="ocpp 1.6", user_id=None, partner_id=7,
            first_contact_at=AT, last_boot_notification={"chargePointVendor": "ABB"},
            attrs={"network": {"ip": "10.0.0.1"}, "tags": ["a", "b"], "user": "not an object"}))


async def test_a_page_of_rows_joins_like_each_row(server) -> None:
    await insert_charge_points(server)
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(charge_points).order_by(charge_points.c.id))).all()
    assert STORE.join_all(rows) == [STORE.join(row) for row in rows] == [STORE._join_mapping(row._mapping)
                                                                        for row in rows]
    full = STORE.join_all(rows)[1]
    # columns land at their paths, merged into (or replacing non-objects in) what attrs holds
    assert full["network"] == {"ip": "10.0.0.1", "id": "CP-2", "protocol": "ocpp 1.6"}
    assert full["user"] == {"id": None}
    assert full["partner"] == {"id": 7}
    assert full["tags"] == ["a", "b"]
    assert full["createdAt"] == full["firstContactAt"] == "2024-05-06T07:08:09.012345Z"
    assert full["lastBootNotification"] == {"chargePointVendor": "ABB"}
    assert "networkPasswordHash" not in full and "network_password_hash" not in full


async def test_a_partial_select_joins_only_its_columns(server) -> None:
    await insert_charge_points(server)
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(charge_points.c.id, charge_points.c.network_id)
                                   .order_by(charge_points.c.id))).all()
    assert STORE.join_all(rows) == [{"id": 1, "network": {"id": None}}, {"id": 2, "network": {"id": "CP-2"}}]


def test_mappings_and_an_empty_page_join_too() -> None:
    assert STORE.join_all([]) == []
    assert STORE.join({"id": 3, "name": "Mapped", "attrs": {"x": 1}, "created_at": AT}) == {
        "id": 3, "name": "Mapped", "x": 1, "createdAt": "2024-05-06T07:08:09.012345Z"}


def test_dates_are_iso_dates() -> None:
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("day", Date, info={"path": "day"}),
                  Column("label", String, info={"path": "a.b.label"}), Column("attrs", Json))
    store = Store(table)
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "day": date(2024, 2, 29), "label": "x", "attrs": {"a": {"c": 1}}}])
        rows = conn.execute(select(table)).all()
    assert store.join_all(rows) == [{"id": 1, "day": "2024-02-29", "a": {"c": 1, "b": {"label": "x"}}}]
