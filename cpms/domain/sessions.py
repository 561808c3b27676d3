"""Transactions as chargers report them: start, meter values, stop. Version-agnostic.

A session is keyed by its charge point and `transaction_id` (the charger's name for it: the
session id in OCPP 1.6, the charger's own string in 2.0.1). What a charger reports is recorded,
never refused: the id token's verdict goes back in the answer and the charger acts on it.

- A start is matched first to its retransmission (same EVSE, id tag, meter start and timestamp:
  the same session answers), then to the remote start it names (2.0.1's remoteStartId is the
  pending session's id: the EVSE need not be named, two starts with one id tag are not confused),
  then to a remote start waiting on that EVSE for that id tag (pending -> active), else it is a
  new session (a name that matches no waiting remote start is ignored). A start for an EVSE cpms
  does not know is recorded (flagged `unknown_evse`, no EVSE) and answered Invalid, so the
  charger ends it.
- A new start on an EVSE that still has an active session closes that one
  (`new_start_transaction_received`): the charger has evidently forgotten it.
- A stop for a transaction cpms never saw (started while cpms was unreachable and lost, or
  another charger's) is recorded as a finished session of this charger (`unknown_transaction`);
  the other charger's session is never touched. The same stop twice changes nothing.
- Meter values for an unknown transaction, or without one, are kept as charger-level readings.
- A charger may start a transaction before anyone is authorized (OCPP 2.0.1 on plug-in): the
  session waits, `pending`, until `update` brings an accepted id token, and does not keep a remote
  start off its EVSE: a remote start claims it (`remote_starts.prepare`), a remote start already
  waiting there is adopted by it. It may name its EVSE and its start register later, or never:
  the first register reading is then the start, the last known one the stop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select

from cpms.domain import authorizations as auth
from cpms.domain import charging_periods, charging_profiles, meter_values, session_events, session_progress
from cpms.domain.meter_values import Reading
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import connectors, evses
from cpms.storage.tables.sessions import sessions

log = logging.getLogger("cpms.sessions")
s = sessions.c


@dataclass
class Start:
    charge_point_id: int
    evse_network_id: str | None  # None: not named yet (2.0.1 names it in the first event that knows it)
    id_tag: str | None  # None: nobody authorized (yet, or the charger needs nobody)
    meter_start: float | None  # None: the first register reading is the start
    timestamp: datetime
    transaction_id: str | None = None  # None: the session id becomes the transaction id (OCPP 1.6)
    reservation_id: int | None = None
    readings: list[Reading] = field(default_factory=list)
    connector_number: int | None = None
    awaiting_authorization: bool = False  # without id tag: pending until an accepted one comes
    charging: bool | None = None  # the state the charger tells with the start (2.0.1 chargingState)
    remote_start_id: int | None = None  # the remote start the charger says this is (2.0.1 remoteStartId)


@dataclass
class Started:
    session_id: int
    transaction_id: str
    verdict: auth.Verdict | None  # None when the start named no id tag


@dataclass
class Update:
    """What a charger reports about a running transaction (2.0.1 TransactionEvent Updated)."""
    charge_point_id: int
    timestamp: datetime
    evse_network_id: str | None = None
    connector_number: int | None = None
    id_tag: str | None = None
    reservation_id: int | None = None
    readings: list[Reading] = field(default_factory=list)
    charging: bool | None = None
    # the charger sent this before (2.0.1: a seqNo not above the highest seen): its readings are
    # kept once, its id tag is answered, nothing else moves
    replayed: bool = False


@dataclass
class Stop:
    charge_point_id: int
    transaction_id: str
    meter_stop: float | None  # None: the last register known (2.0.1 has no meterStop of its own)
    timestamp: datetime
    reason: str | None = None  # the contract's spelling (lower case OCPP reason)
    id_tag: str | None = None
    readings: list[Reading] = field(default_factory=list)
    evse_network_id: str | None = None  # where a transaction cpms never saw took place, if said


async def find(tx: Tx, charge_point_id: int, transaction_id: str) -> Any:
    return (await tx.conn.execute(select(sessions).where(s.charge_point_id == charge_point_id,
                                                         s.transaction_id == transaction_id)
                                  .order_by(s.id.desc()).limit(1))).first()


def charger_state(row: Any) -> dict[str, Any]:
    """What the charger's protocol keeps about its transaction (2.0.1: the highest seqNo seen and the
    remoteStartId), in the session's attrs; never shown."""
    return dict((row.attrs or {}).get("charger") or {}) if row is not None else {}


async def keep_charger_state(tx: Tx, session_id: int, **values: Any) -> None:
    row = await session_events.fetch(tx, session_id)
    state = {**charger_state(row), **values}
    if state != charger_state(row):
        await tx.conn.execute(sessions.update().where(s.id == session_id)
                              .values(attrs={**(row.attrs or {}), "charger": state}))


async def find_evse(tx: Tx, charge_point_id: int, network_id: str, connector: int | None = None) -> Any:
    """The EVSE the charger calls `network_id` (exactly, else as the same number) with its connector
    numbered `connector`, else its first."""
    c, e = connectors.c, evses.c
    named = case((c.number == connector, 0), else_=1) if connector is not None else c.number
    first = (select(c.id).where(c.evse_id == e.id).order_by(named, c.number, c.id).limit(1)).scalar_subquery()
    rows = (await tx.conn.execute(select(e.id, e.network_id, e.physical_reference, first.label("connector_id"))
                                  .where(e.charge_point_id == charge_point_id).order_by(e.id))).all()
    exact = [row for row in rows if row.network_id == network_id]
    if exact:
        return exact[0]
    number = _number(network_id)
    return next((row for row in rows if number is not None and _number(row.network_id) == number), None)


def _number(text: str | None) -> int | None:
    value = (text or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


async def start(tx: Tx, data: Start, now: datetime, window: timedelta = auth.DEFAULT_START_WINDOW) -> Started:
    evse = None
    if data.evse_network_id is not None:
        evse = await find_evse(tx, data.charge_point_id, data.evse_network_id, data.connector_number)
    again = await _retransmitted(tx, data)
    if again is not None:
        verdict = None if data.id_tag is None else auth.Verdict(
            again.start_id_tag_status or auth.ACCEPTED,
            parent_id_tag=auth.user_identifier(again.user_id) if again.user_id else None)
        return Started(again.id, again.transaction_id, verdict)
    waiting = await _waiting_remote_start(tx, data, evse, now - window)
    if waiting is not None and evse is None:  # named by remoteStartId: on the EVSE it was asked for
        evse = await _evse_of(tx, waiting)
        if evse is None:
            waiting = None
        else:
            data = replace(data, evse_network_id=evse.network_id)
    if waiting is not None and data.id_tag is not None:
        return await _activate(tx, waiting, data, evse, now)
    if waiting is not None and data.awaiting_authorization:
        return await _adopt(tx, waiting, data, evse, now)
    verdict = await auth.judge(tx.conn, data.charge_point_id, data.id_tag, now, window,
                               remote_start=data.remote_start_id) if data.id_tag else None
    authorization_id = None
    if evse is None and data.evse_network_id is not None:
        log.warning("charge point %s started a transaction on EVSE %r, which cpms does not know: answered Invalid",
                    data.charge_point_id, data.evse_network_id)
        if verdict is not None:
            verdict.status = auth.INVALID
            authorization_id, _ = await auth.record(tx, data.charge_point_id, data.id_tag, verdict, now,
                                                    rejection="unknown_evse")
    elif verdict is not None:
        authorization_id = await _authorization_for(tx, data.charge_point_id, data.id_tag or "", verdict,
                                                    evse.id if evse is not None else None, now, window)
    if evse is not None:
        await _close_forgotten(tx, evse.id, data.timestamp, now)
    active = data.id_tag is not None or not data.awaiting_authorization
    values = {
        "charge_point_id": data.charge_point_id, "evse_id": evse.id if evse is not None else None,
        "connector_id": evse.connector_id if evse is not None else None, "evse_network_id": data.evse_network_id,
        "status": "active" if active else "pending", "user_id": verdict.user_id if verdict else None,
        "authorization_id": authorization_id, "id_tag": data.id_tag,
        "id_tag_key": auth.key(data.id_tag) if data.id_tag else None,
        "id_tag_label": verdict.label if verdict else None,
        "start_id_tag_status": verdict.status if verdict else None, "started_at": data.timestamp,
        "meter_start": data.meter_start, "energy": 0.0,
        "evse_physical_reference": evse.physical_reference if evse is not None else None,
        "anomaly": "unknown_evse" if evse is None and data.evse_network_id is not None else None, "attrs": {},
        "created_at": now, "last_updated_at": now,
    }
    session_id = (await tx.conn.execute(sessions.insert().values(values).returning(s.id))).scalar_one()
    transaction_id = data.transaction_id or str(session_id)
    await tx.conn.execute(sessions.update().where(s.id == session_id).values(transaction_id=transaction_id))
    if active:
        await charging_periods.open_period(tx, session_id, data.timestamp, data.meter_start,
                                           charging=data.charging is not False)
    await _use_reservation(tx, data.charge_point_id, data.reservation_id, session_id, now)
    # born active: announced as an activation is (started, then the session as it now reads), so the
    # session's first update does not wait for its first readings
    kinds = ("session.started", "session.updated") if active else ("session.updated",)
    row = await session_events.changed(tx, session_id, now, *kinds)
    await _progress(tx, row, data.readings, now)
    return Started(session_id, transaction_id, verdict)


async def _retransmitted(tx: Tx, data: Start) -> Any:
    """The same start again: the charger's transaction id and time, or (1.6) EVSE, id tag, register and time."""
    if data.transaction_id is not None:
        where = [s.transaction_id == data.transaction_id]
    elif data.id_tag is not None:
        where = [s.evse_network_id == data.evse_network_id, s.id_tag_key == auth.key(data.id_tag),
                 s.meter_start == data.meter_start, s.status.in_(("active", "finished"))]
    else:
        return None
    return (await tx.conn.execute(select(sessions).where(s.charge_point_id == data.charge_point_id,
                                                         s.started_at == data.timestamp, *where)
                                  .order_by(s.id.desc()).limit(1))).first()


async def _waiting_remote_start(tx: Tx, data: Start, evse: Any, since: datetime) -> Any:
    """A remote start (for this id tag, when the start names one) that no transaction took yet: pending,
    or failed only because the answer was late. The one the start's remoteStartId names (on the start's
    EVSE, if it names one), else the latest on the start's EVSE."""
    late = (s.status == "failed") & (s.reason == "charge_point_timeout")
    where = [s.charge_point_id == data.charge_point_id, s.transaction_id.is_(None), (s.status == "pending") | late,
             s.created_at >= since]
    if data.id_tag is not None:
        where.append(s.id_tag_key == auth.key(data.id_tag))
    if evse is not None:
        where.append(s.evse_id == evse.id)
    if data.remote_start_id is not None:
        named = (await tx.conn.execute(select(sessions).where(*where, s.id == data.remote_start_id))).first()
        if named is not None:
            return named
    if evse is None:
        return None
    return (await tx.conn.execute(select(sessions).where(*where).order_by(s.id.desc()).limit(1))).first()


async def _evse_of(tx: Tx, row: Any) -> Any:
    """The EVSE a remote start was asked for, as `find_evse` gives it (None if it is gone)."""
    network_id = (await tx.conn.execute(select(evses.c.network_id).where(evses.c.id == row.evse_id))).scalar()
    return await find_evse(tx, row.charge_point_id, network_id) if network_id is not None else None


async def _activate(tx: Tx, row: Any, data: Start, evse: Any, now: datetime) -> Started:
    await _close_forgotten(tx, evse.id, data.timestamp, now, keep=row.id)
    transaction_id = data.transaction_id or str(row.id)
    await tx.conn.execute(sessions.update().where(s.id == row.id).values(
        status="active", reason=None, started_at=data.timestamp, meter_start=data.meter_start, energy=0.0,
        transaction_id=transaction_id, evse_network_id=data.evse_network_id,
        connector_id=row.connector_id or evse.connector_id, start_id_tag_status=auth.ACCEPTED, last_updated_at=now))
    await charging_periods.open_period(tx, row.id, data.timestamp, data.meter_start, data.charging is not False)
    if row.authorization_id is not None:
        await auth.attach_evse(tx, row.authorization_id, evse.id, now)
    await _use_reservation(tx, data.charge_point_id, data.reservation_id, row.id, now)
    fresh = await session_events.changed(tx, row.id, now, "session.started", "session.updated")
    await _progress(tx, fresh, data.readings, now)
    verdict = auth.Verdict(auth.ACCEPTED, user_id=row.user_id,
                           parent_id_tag=auth.user_identifier(row.user_id) if row.user_id else None)
    return Started(row.id, transaction_id, verdict)


async def _adopt(tx: Tx, row: Any, data: Start, evse: Any, now: datetime) -> Started:
    """A transaction started, nobody authorized yet, where a remote start waits: it is that remote
    start's session, pending until the charger reports the id tag it was sent."""
    await _close_forgotten(tx, evse.id, data.timestamp, now, keep=row.id)
    transaction_id = data.transaction_id or str(row.id)
    await tx.conn.execute(sessions.update().where(s.id == row.id).values(
        status="pending", reason=None, started_at=data.timestamp, meter_start=data.meter_start,
        transaction_id=transaction_id, evse_network_id=data.evse_network_id,
        connector_id=row.connector_id or evse.connector_id, last_updated_at=now))
    fresh = await session_events.changed(tx, row.id, now)
    await _progress(tx, fresh, data.readings, now)
    return Started(row.id, transaction_id, None)


async def _authorization_for(tx: Tx, charge_point_id: int, id_tag: str, verdict: auth.Verdict, evse_id: int | None,
                             now: datetime, window: timedelta) -> int:
    """The authorization behind this start: the remote start's, the charger's own recent Authorize, or a new one."""
    existing = verdict.remote_authorization_id
    if existing is None and verdict.accepted:
        existing = await auth.unused_accepted(tx.conn, charge_point_id, id_tag, now - window)
    if existing is not None:
        await auth.attach_evse(tx, existing, evse_id, now)
        return existing
    return (await auth.record(tx, charge_point_id, id_tag, verdict, now, evse_id=evse_id))[0]


async def _close_forgotten(tx: Tx, evse_id: int, at: datetime, now: datetime, keep: int | None = None) -> None:
    """Sessions on the EVSE the charger evidently forgot: active ones, and transactions it started
    that were still waiting for an id tag."""
    waiting = (s.status == "pending") & s.transaction_id.is_not(None)
    where = [s.evse_id == evse_id, (s.status == "active") | waiting]
    if keep is not None:
        where.append(s.id != keep)
    for row in (await tx.conn.execute(select(sessions).where(*where))).all():
        log.warning("EVSE %s started a new transaction while session %s was %s: closing it", evse_id, row.id,
                    row.status)
        await _finish(tx, row, max(at, row.started_at), None, "new_start_transaction_received", now)


async def _use_reservation(tx: Tx, charge_point_id: int, reservation_id: int | None, session_id: int,
                           now: datetime) -> None:
    if reservation_id is not None:
        from cpms.domain import reservations

        await reservations.use(tx, charge_point_id, reservation_id, session_id, now)


async def _progress(tx: Tx, row: Any, readings: list[Reading], now: datetime, *, charging: bool | None = None,
                    at: datetime | None = None) -> None:
    """Store the readings; an active session's figures move with the new ones, and with a state the
    charger tells (`charging` since `at`) even without a reading."""
    fresh = await meter_values.store(tx, row.charge_point_id, readings, now, session_id=row.id, evse_id=row.evse_id,
                                     evse_network_id=row.evse_network_id)
    if row.status != "active":
        return
    moments = session_progress.moments(fresh, charging, at)
    if moments:
        changed = await session_progress.apply(tx, row, moments, now, charging=charging)
        if fresh:
            await session_progress.announce_readings(tx, row, fresh, changed, now)


# -- what a charger reports while the transaction runs ------------------------------------------

async def update(tx: Tx, row: Any, data: Update, now: datetime,
                 window: timedelta = auth.DEFAULT_START_WINDOW) -> auth.Verdict | None:
    """Apply a report on transaction `row`; returns the verdict on its id tag (None without one).

    The first id tag of a session (or any, while it waits) authorizes it as a start does: recorded,
    and a pending session becomes active once accepted. Its own id tag again, or another one (who
    stops it), is only judged.
    """
    if data.evse_network_id is not None and row.evse_network_id is None and not data.replayed:
        await _locate(tx, row, data, now)
        row = await session_events.fetch(tx, row.id)
    verdict = None
    if data.id_tag is not None:
        unauthorized = row.status == "pending" or (row.status == "active" and row.id_tag is None)
        if unauthorized and not data.replayed:
            verdict = await _authorize(tx, row, data, now, window)
        else:
            verdict = await _judged(tx, row, data.id_tag, now, window)
    row = await session_events.fetch(tx, row.id)
    if data.reservation_id is not None and not data.replayed:
        await _use_reservation(tx, data.charge_point_id, data.reservation_id, row.id, now)
    await _progress(tx, row, data.readings, now, charging=None if data.replayed else data.charging,
                    at=data.timestamp)
    return verdict


async def _locate(tx: Tx, row: Any, data: Update, now: datetime) -> None:
    """The charger names the EVSE of a transaction it started before knowing it."""
    evse = await find_evse(tx, row.charge_point_id, data.evse_network_id or "", data.connector_number)
    values: dict[str, Any] = {"evse_network_id": data.evse_network_id, "last_updated_at": now}
    if evse is None:
        log.warning("charge point %s says its transaction %s is on EVSE %r, which cpms does not know",
                    row.charge_point_id, row.transaction_id, data.evse_network_id)
        values["anomaly"] = "unknown_evse"
    else:
        values.update(evse_id=evse.id, connector_id=evse.connector_id, evse_physical_reference=evse.physical_reference)
        if row.authorization_id is not None:
            await auth.attach_evse(tx, row.authorization_id, evse.id, now)
    await tx.conn.execute(sessions.update().where(s.id == row.id).values(values))
    await session_events.changed(tx, row.id, now)


async def _authorize(tx: Tx, row: Any, data: Update, now: datetime, window: timedelta) -> auth.Verdict:
    """The id tag that authorizes a transaction started without one (or a pending remote start's)."""
    id_tag = data.id_tag or ""
    claimed = row.status == "pending" and row.authorization_id is not None and row.id_tag_key == auth.key(id_tag)
    if claimed:  # the id tag a remote start sent for this very transaction
        verdict = auth.Verdict(auth.ACCEPTED, user_id=row.user_id, label=row.id_tag_label,
                               parent_id_tag=auth.user_identifier(row.user_id) if row.user_id else None)
        authorization_id = row.authorization_id
        await auth.attach_evse(tx, authorization_id, row.evse_id, now)
    else:
        verdict = await auth.judge(tx.conn, row.charge_point_id, id_tag, now, window, exclude_session=row.id)
        authorization_id = await _authorization_for(tx, row.charge_point_id, id_tag, verdict, row.evse_id, now,
                                                    window)
    if row.status == "pending" and not verdict.accepted:
        return verdict  # not authorized: the transaction keeps waiting
    await tx.conn.execute(sessions.update().where(s.id == row.id).values(
        status="active", id_tag=id_tag, id_tag_key=auth.key(id_tag), id_tag_label=verdict.label,
        user_id=verdict.user_id if verdict.user_id is not None else row.user_id, authorization_id=authorization_id,
        start_id_tag_status=verdict.status, last_updated_at=now))
    if row.status == "pending":
        register = row.last_register if row.last_register is not None else row.meter_start
        await charging_periods.open_period(tx, row.id, row.started_at, register, charging=False)
        await charging_periods.advance(tx, row.id, max(data.timestamp, row.started_at), register,
                                       data.charging is not False, previous=register)
        await session_events.changed(tx, row.id, now, "session.started", "session.updated")
    else:
        await session_events.changed(tx, row.id, now)
    return verdict


async def _judged(tx: Tx, row: Any, id_tag: str, now: datetime, window: timedelta) -> auth.Verdict:
    """The verdict on an id tag a running session reports again (or on who stops it); writes nothing.

    A token cpms made for the session's own remote start is no id tag: the session vouches for it.
    """
    verdict = await auth.judge(tx.conn, row.charge_point_id, id_tag, now, window, exclude_session=row.id)
    own = row.id_tag_key == auth.key(id_tag)
    if own and verdict.status == auth.INVALID and row.start_id_tag_status == auth.ACCEPTED:
        return auth.Verdict(auth.ACCEPTED, user_id=row.user_id,
                            parent_id_tag=auth.user_identifier(row.user_id) if row.user_id else None)
    return verdict


async def record_meter_values(tx: Tx, charge_point_id: int, evse_network_id: str | None,
                              transaction_id: str | None, readings: list[Reading], now: datetime) -> int | None:
    """Store readings; those of a known transaction move its session. Returns the session id, if any."""
    row = await find(tx, charge_point_id, transaction_id) if transaction_id is not None else None
    if row is None:
        if transaction_id is not None:
            log.warning("charge point %s sent meter values for transaction %s, which it does not have in cpms%s: "
                        "kept as charger-level readings", charge_point_id, transaction_id,
                        await _owner(tx, charge_point_id, transaction_id))
        evse = None
        if evse_network_id not in (None, "0"):
            evse = await find_evse(tx, charge_point_id, evse_network_id)
        await meter_values.store(tx, charge_point_id, readings, now, session_id=None,
                                 evse_id=evse.id if evse is not None else None, evse_network_id=evse_network_id)
        return None
    await _progress(tx, row, readings, now)
    return int(row.id)


async def _owner(tx: Tx, charge_point_id: int, transaction_id: str) -> str:
    """For the log: the charge point that does own such a transaction, if one does."""
    other = (await tx.conn.execute(select(s.charge_point_id).where(s.transaction_id == transaction_id,
                                                                   s.charge_point_id != charge_point_id)
                                   .limit(1))).scalar()
    return f" (it is charge point {other}'s)" if other is not None else ""


async def stop(tx: Tx, data: Stop, now: datetime) -> auth.Verdict | None:
    """Finish the transaction; returns the verdict on the stop's id tag (None without one)."""
    row = await find(tx, data.charge_point_id, data.transaction_id)
    if row is None:
        log.warning("charge point %s stopped transaction %s, which it does not have in cpms%s: recorded as a "
                    "finished session of its own", data.charge_point_id, data.transaction_id,
                    await _owner(tx, data.charge_point_id, data.transaction_id))
        row = await _orphan(tx, data, now)
    elif row.status == "finished" and row.meter_stop is not None:
        pass  # a retransmission: answered again, nothing changes
    else:
        await _progress(tx, row, data.readings, now)
        row = await session_events.fetch(tx, row.id)
        told = data.meter_stop is not None
        await _finish(tx, row, data.timestamp, data.meter_stop if told else row.last_register,
                      row.reason or data.reason or "local", now, told=told)
    if data.id_tag is None:
        return None
    return await auth.judge(tx.conn, data.charge_point_id, data.id_tag, now, exclude_session=row.id)


async def _orphan(tx: Tx, data: Stop, now: datetime) -> Any:
    registers = [(r.timestamp, r.energy) for r in sorted(data.readings, key=lambda r: r.timestamp)
                 if r.energy is not None]
    started_at = min([r.timestamp for r in data.readings], default=data.timestamp)
    meter_stop = data.meter_stop if data.meter_stop is not None else registers[-1][1] if registers else None
    meter_start = registers[0][1] if registers else meter_stop
    evse = None
    if data.evse_network_id is not None:
        evse = await find_evse(tx, data.charge_point_id, data.evse_network_id)
    values = {
        "charge_point_id": data.charge_point_id, "transaction_id": data.transaction_id, "status": "active",
        "id_tag": data.id_tag, "id_tag_key": auth.key(data.id_tag) if data.id_tag else None,
        "started_at": min(started_at, data.timestamp), "meter_start": meter_start, "energy": 0.0,
        "evse_id": evse.id if evse is not None else None, "connector_id": evse.connector_id if evse else None,
        "evse_network_id": data.evse_network_id,
        "evse_physical_reference": evse.physical_reference if evse is not None else None,
        "anomaly": "unknown_transaction", "attrs": {}, "created_at": now, "last_updated_at": now,
    }
    session_id = (await tx.conn.execute(sessions.insert().values(values).returning(s.id))).scalar_one()
    await charging_periods.open_period(tx, session_id, values["started_at"], meter_start)
    row = await session_events.changed(tx, session_id, now, "session.started")
    await _progress(tx, row, data.readings, now)
    row = await session_events.fetch(tx, session_id)
    await _finish(tx, row, data.timestamp, meter_stop, data.reason or "local", now)
    return await session_events.fetch(tx, session_id)


async def _finish(tx: Tx, row: Any, at: datetime, meter_stop: float | None, reason: str | None,
                  now: datetime, told: bool = True) -> None:
    """The session ends at `at`; with `meter_stop` its energy is final (cpms closing it alone: last known).

    A stop register the charger did not tell (`told` false: the last one known) is no new reading.
    """
    energy = row.energy
    if meter_stop is not None and row.meter_start is not None:
        energy = max(0.0, meter_stop - row.meter_start)
    stopped_at = max(at, row.started_at)
    await tx.conn.execute(sessions.update().where(s.id == row.id).values(
        status="finished", stopped_at=stopped_at, meter_stop=meter_stop, energy=energy, reason=reason,
        last_register=meter_stop if meter_stop is not None else row.last_register,
        power_average=session_progress.average_power(energy, row.started_at, stopped_at), last_updated_at=now))
    await session_progress.account_stop(tx, row, stopped_at, meter_stop if told else None)
    if row.transaction_id is not None:
        await charging_profiles.transaction_ended(tx, row.charge_point_id, row.transaction_id)
    kinds = ("session.stopped", "session.updated") if row.status != "finished" else ("session.updated",)
    await session_events.changed(tx, row.id, now, *kinds)


async def close_by_cpms(tx: Tx, session_id: int, reason: str, now: datetime) -> bool:
    """cpms ends an active session itself (force stop): energy as last known until the charger reports."""
    row = await session_events.fetch(tx, session_id)
    if row is None or row.status != "active":
        return False
    await _finish(tx, row, now, None, reason, now)
    return True
