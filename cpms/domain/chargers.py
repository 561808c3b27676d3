"""Chargers as the gateway sees them: identity, credentials, and whether they may connect."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.storage.tables.charge_points import charge_points


@dataclass(frozen=True)
class ChargerRecord:
    id: int
    identity: str
    protocol: str | None  # "ocpp 1.6", "ocpp 2.0.1", or None (accept what the charger offers)
    password_hash: str | None
    status: str  # enabled | disabled | out of order | demo
    security_profile: int


async def find_by_identity(conn: AsyncConnection, identity: str) -> ChargerRecord | None:
    t = charge_points
    row = (await conn.execute(
        select(t.c.id, t.c.network_id, t.c.network_protocol, t.c.network_password_hash, t.c.status,
               t.c.security_profile).where(t.c.network_id == identity)
    )).first()
    if row is None:
        return None
    return ChargerRecord(row.id, row.network_id, row.network_protocol, row.network_password_hash, row.status,
                         row.security_profile or 0)
