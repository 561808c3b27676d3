"""What the OCPP 2.0.1 transaction, authorization and reservation tests share: a transaction as the
charger tells it (its id, its seqNo), meter values in 2.0.1 shapes, and the API's view of it.

The `ocpp` package's charger side writes snake_case and sends camelCase; payloads here are its
snake_case. Row counts and charger timestamps come from the 1.6 support (`tests.ocpp.transactions_support`).
"""

from __future__ import annotations

import itertools
from typing import Any

from ocpp.v201 import call
from sqlalchemy import func, select

from cpms.storage.db import Database
from cpms.storage.tables.core import events
from tests.ocpp.transactions_support import rows

_ids = itertools.count(1)


def token(uid: str, kind: str = "ISO14443") -> dict[str, str]:
    return {"id_token": uid, "type": kind}


def reading(timestamp: str, energy: float | None = None, power: float | None = None, soc: float | None = None,
            context: str = "Sample.Periodic", unit: str = "Wh", multiplier: int | None = None) -> dict[str, Any]:
    """One 2.0.1 meterValue: numbers, units in unitOfMeasure (with an optional power of ten)."""
    sampled = []
    if energy is not None:
        unit_of_measure: dict[str, Any] = {"unit": unit}
        if multiplier is not None:
            unit_of_measure["multiplier"] = multiplier
        sampled.append({"value": energy, "context": context, "measurand": "Energy.Active.Import.Register",
                        "unit_of_measure": unit_of_measure})
    if power is not None:
        sampled.append({"value": power, "context": context, "measurand": "Power.Active.Import",
                        "unit_of_measure": {"unit": "W"}})
    if soc is not None:
        sampled.append({"value": soc, "context": context, "measurand": "SoC", "location": "EV",
                        "unit_of_measure": {"unit": "Percent"}})
    return {"timestamp": timestamp, "sampled_value": sampled}


class Transaction:
    """One transaction as a 2.0.1 charger reports it: its own id and a seqNo counted from 0."""

    def __init__(self, evse: int | None = 1, connector: int = 1, transaction_id: str | None = None) -> None:
        self.id = transaction_id or f"TX-{next(_ids):05d}-{id(self) % 9973}"
        self.evse = evse
        self.connector = connector
        self.seq_no = 0
        self.sent_evse = False

    def event(self, kind: str, trigger: str, timestamp: str, *, state: str | None = None,
              id_token: dict[str, str] | None = None, meter: list[dict[str, Any]] | None = None,
              seq_no: int | None = None, **extra: Any) -> call.TransactionEvent:
        """The next TransactionEvent (seqNo counted unless given); the EVSE goes with the first one."""
        info: dict[str, Any] = {"transaction_id": self.id}
        if state is not None:
            info["charging_state"] = state
        for key in ("stopped_reason", "remote_start_id"):
            if key in extra:
                info[key] = extra.pop(key)
        if seq_no is None:
            seq_no, self.seq_no = self.seq_no, self.seq_no + 1
        evse = extra.pop("evse", None)
        if evse is None and self.evse is not None and not self.sent_evse:
            evse = {"id": self.evse, "connector_id": self.connector}
        self.sent_evse = self.sent_evse or evse is not None
        return call.TransactionEvent(event_type=kind, timestamp=timestamp, trigger_reason=trigger, seq_no=seq_no,
                                     transaction_info=info, evse=evse, id_token=id_token, meter_value=meter, **extra)


async def session_row(db: Database, transaction_id: str) -> Any:
    [row] = await rows(db, "sessions", transaction_id=transaction_id)
    return row


async def read_session(api: Any, session_id: int, **options: str) -> dict[str, Any]:
    response = await api.get(f"/public-api/resources/sessions/v1.0/{session_id}", params=options)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def session_of(api: Any, db: Database, transaction_id: str, **options: str) -> dict[str, Any]:
    """The session of the charger's transaction, read through the Public API."""
    return await read_session(api, (await session_row(db, transaction_id)).id, **options)


async def event_types(db: Database, entity: str = "session") -> list[str]:
    async with db.read() as conn:
        return list((await conn.execute(select(events.c.type).where(events.c.entity == entity)
                                        .order_by(events.c.id))).scalars().all())


async def event_count(db: Database) -> int:
    """Events about charging (connecting announces the charger's network status, which is not)."""
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(events).where(
            events.c.entity.in_(("session", "authorization", "reservation"))))).scalar_one()
