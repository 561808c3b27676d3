"""Starts and stops the Public API asks for: the session waits for the charger.

A remote start on an EVSE writes a `pending` session and its (accepted) authorization before the
charger is asked; the charger's StartTransaction for that EVSE and id tag within the start window
makes it active (`cpms.domain.sessions`). A refusal, or no charger to ask, marks it `failed`; a
charger that accepted but never started leaves it to `expire_waiting` (`expired`, reason
`timeout`). A start without EVSE writes only the authorization: the charger picks the EVSE and
the session is born with its StartTransaction.

A charger that starts transactions on plug-in (OCPP 2.0.1) may already have one on the EVSE,
waiting for an id tag: the remote start claims that session (its user, authorization and id tag
are written on it) and the charger's report of the id tag makes it active. Refused, it is
unclaimed and waits on; it never expires, the charger ends it.

The id tag sent is the request's `idTag` (the deprecated `externalSessionId` when only it is
given), else the id tag of the user's reservation of that EVSE, else cpms's own identifier:
`*0000123` for session 123, `*A0000045` for authorization 45 (no EVSE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from cpms.domain import authorizations as auth
from cpms.domain import session_events
from cpms.storage.db import Tx
from cpms.storage.tables.sessions import reservations, sessions

s = sessions.c


@dataclass
class RemoteStart:
    charge_point_id: int
    user_id: int | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    physical_reference: str | None = None
    id_tag: str | None = None
    external_session_id: str | None = None
    payment_method_id: str | None = None


@dataclass
class Prepared:
    session_id: int | None
    authorization_id: int
    id_tag: str


async def prepare(tx: Tx, req: RemoteStart, now: datetime) -> Prepared:
    method = "user_device" if req.user_id is not None else "admin"
    verdict = auth.Verdict(auth.ACCEPTED, method=method, user_id=req.user_id)
    id_tag = req.id_tag or req.external_session_id
    if req.evse_id is None:
        auth_id, id_tag = await auth.record(tx, req.charge_point_id, id_tag, verdict, now, remote=True)
        return Prepared(None, auth_id, id_tag)
    if id_tag is None and req.user_id is not None:
        id_tag = await _reserved_tag(tx, req, now)
    attrs = {"externalSessionId": req.external_session_id or req.id_tag} if (req.external_session_id or req.id_tag) else {}
    waiting = await _awaiting_transaction(tx, req.evse_id)
    if waiting is not None:
        session_id = waiting.id
        await tx.conn.execute(sessions.update().where(s.id == session_id).values(
            user_id=req.user_id, connector_id=req.connector_id or waiting.connector_id,
            payment_method_id=req.payment_method_id, attrs={**(waiting.attrs or {}), **attrs}, last_updated_at=now))
    else:
        session_id = (await tx.conn.execute(sessions.insert().values(
            charge_point_id=req.charge_point_id, evse_id=req.evse_id, connector_id=req.connector_id,
            status="pending", user_id=req.user_id, started_at=now, energy=0.0,
            evse_physical_reference=req.physical_reference, payment_method_id=req.payment_method_id, attrs=attrs,
            created_at=now, last_updated_at=now,
        ).returning(s.id))).scalar_one()
    id_tag = id_tag or auth.session_identifier(session_id)
    auth_id, _ = await auth.record(tx, req.charge_point_id, id_tag, verdict, now, evse_id=req.evse_id, remote=True)
    await tx.conn.execute(sessions.update().where(s.id == session_id).values(
        id_tag=id_tag, id_tag_key=auth.key(id_tag), authorization_id=auth_id))
    await session_events.changed(tx, session_id, now)
    return Prepared(int(session_id), auth_id, id_tag)


def _awaiting() -> Any:
    """A transaction the charger started that waits for an id tag (no remote start claimed it)."""
    return (s.status == "pending") & s.transaction_id.is_not(None) & s.authorization_id.is_(None)


async def _awaiting_transaction(tx: Tx, evse_id: int) -> Any:
    return (await tx.conn.execute(select(sessions).where(s.evse_id == evse_id, _awaiting())
                                  .order_by(s.id.desc()).limit(1))).first()


async def _reserved_tag(tx: Tx, req: RemoteStart, now: datetime) -> str | None:
    """The id tag the user's reservation of this EVSE holds it for: the charger admits only that one."""
    r = reservations.c
    return (await tx.conn.execute(select(r.id_tag).where(
        r.charge_point_id == req.charge_point_id, r.user_id == req.user_id, r.status == "active", r.expires_at > now,
        or_(r.evse_id == req.evse_id, r.evse_id.is_(None))).order_by(r.id.desc()).limit(1))).scalar()


async def fail(tx: Tx, session_id: int, reason: str, now: datetime) -> None:
    """The charger refused, or could not be asked: the pending session failed; a transaction the
    remote start had claimed is unclaimed and keeps waiting for an id tag."""
    row = await session_events.fetch(tx, session_id)
    if row is None or row.status != "pending":
        return
    if row.transaction_id is not None:
        await tx.conn.execute(sessions.update().where(s.id == session_id).values(
            user_id=None, authorization_id=None, id_tag=None, id_tag_key=None, payment_method_id=None,
            last_updated_at=now))
    else:
        await tx.conn.execute(sessions.update().where(s.id == session_id)
                              .values(status="failed", reason=reason, last_updated_at=now))
    await session_events.changed(tx, session_id, now)


async def expire_waiting(tx: Tx, now: datetime, window: timedelta = auth.DEFAULT_START_WINDOW) -> list[int]:
    """Pending sessions whose charger never started within the window: expired (a transaction the
    charger did start ends with its own stop)."""
    due = (await tx.conn.execute(select(s.id).where(s.status == "pending", s.transaction_id.is_(None),
                                                    s.created_at < now - window)
                                 .order_by(s.id).limit(500))).scalars().all()
    for session_id in due:
        await tx.conn.execute(sessions.update().where(s.id == session_id)
                              .values(status="expired", reason="timeout", last_updated_at=now))
        await session_events.changed(tx, session_id, now)
    return list(due)


async def active_or_pending_on(tx: Tx, evse_id: int) -> Any:
    """A session that keeps a remote start off the EVSE (one waiting for an id tag does not: it is claimed)."""
    return (await tx.conn.execute(select(s.id).where(s.evse_id == evse_id, s.status.in_(("pending", "active")),
                                                     ~_awaiting()).limit(1))).scalar()
