"""Rows written straight into the database, for tests that need a network but test something else."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from cpms.storage.db import Database
from cpms.storage.tables.charge_points import charge_points, connectors, evses


async def charge_point(db: Database, identity: str, *, evse_count: int = 2, protocol: str | None = "ocpp 1.6",
                       password_hash: str | None = None, status: str = "enabled", **columns: Any) -> dict[str, Any]:
    """A charge point with `evse_count` EVSEs (network ids "1".."n"), one type2 connector each."""
    from cpms.clock import Clock

    now = Clock().now()
    async with db.write() as tx:
        values = dict(name=f"CP {identity}", type="public", status=status, network_id=identity,
                      network_protocol=protocol, network_password_hash=password_hash, managed_by_operator=True,
                      network_status="never_connected", security_profile=0, attrs={}, created_at=now,
                      last_updated_at=now)
        values.update(columns)
        cp_id = (await tx.conn.execute(insert(charge_points).values(values)
                                       .returning(charge_points.c.id))).scalar_one()
        evse_ids = []
        for n in range(1, evse_count + 1):
            evse_id = (await tx.conn.execute(insert(evses).values(
                charge_point_id=cp_id, network_id=str(n), physical_reference=f"{identity}-{n}", status="enabled",
                current_type="ac", attrs={}, created_at=now, last_updated_at=now,
            ).returning(evses.c.id))).scalar_one()
            await tx.conn.execute(insert(connectors).values(evse_id=evse_id, number=1, type="type2", format="socket",
                                                            status="enabled", attrs={}, created_at=now,
                                                            last_updated_at=now))
            evse_ids.append(evse_id)
    return {"id": cp_id, "identity": identity, "evse_ids": evse_ids}
