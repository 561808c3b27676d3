"""The domain events of sessions, with the ids and values a webhook payload needs.

    session.started      the charger started the transaction (status active)
    session.stopped      the transaction ended (status finished)
    session.updated      status or energy/power/SoC changed (pending, failed, expired too)
    session.meterValues  sampled values arrived for the session (data.meterValues)

Each carries a snapshot of the session (`session`: the contract's property names) plus the ids
at the top level, so a notification builder never has to guess.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from cpms.clock import iso
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.sessions import sessions


def snapshot(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "chargePointId": row.charge_point_id, "evseId": row.evse_id, "connectorId": row.connector_id,
        "status": row.status, "reason": row.reason, "userId": row.user_id, "authorizationId": row.authorization_id,
        "idTag": row.id_tag, "startedAt": iso(row.started_at), "stoppedAt": iso(row.stopped_at),
        "energy": row.energy, "power": {"latest": row.power_latest, "peak": row.power_peak,
                                        "average": row.power_average},
        "socPercent": row.soc_percent, "meterStart": row.meter_start, "meterStop": row.meter_stop,
        "transactionId": row.transaction_id, "lastUpdatedAt": iso(row.last_updated_at),
    }


async def fetch(tx: Tx, session_id: int) -> Any:
    return (await tx.conn.execute(select(sessions).where(sessions.c.id == session_id))).first()


def event(kind: str, row: Any, now: datetime, **extra: Any) -> Event:
    return events(row, now, [(kind, extra)])[0]


def events(row: Any, now: datetime, kinds: list[tuple[str, dict[str, Any]]]) -> list[Event]:
    """Events (kind, extra data) about session `row` as it stands: the snapshot, the costly part, is
    made once for them all (a reading announces both its meter values and the session's progress)."""
    if not kinds:
        return []
    data: dict[str, Any] = {"sessionId": row.id, "chargePointId": row.charge_point_id, "evseId": row.evse_id,
                            "userId": row.user_id, "status": row.status, "session": snapshot(row)}
    return [Event(kind, "session", row.id, {**data, **extra}, now) for kind, extra in kinds]


def updated(row: Any, values: dict[str, Any]) -> SimpleNamespace:
    """The session `row` as it reads once `values` are written: announced without reading it back."""
    return SimpleNamespace(**{**row._asdict(), **values}) if hasattr(row, "_asdict") else \
        SimpleNamespace(**{**vars(row), **values})


async def announce(tx: Tx, kind: str, row: Any, now: datetime, **extra: Any) -> None:
    await tx.emit(event(kind, row, now, **extra))


async def changed(tx: Tx, session_id: int, now: datetime, *kinds: str, **extra: Any) -> Any:
    """Re-read the session and announce `kinds` (default: session.updated); returns the row."""
    row = await fetch(tx, session_id)
    for kind in kinds or ("session.updated",):
        await announce(tx, kind, row, now, **extra)
    return row
