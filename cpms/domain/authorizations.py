"""Who may charge: an id token judged against id tags, users and running sessions, and recorded.

The verdict is OCPP's AuthorizationStatus, which 1.6 (idTagInfo) and 2.0.1 (idTokenInfo) share:

- Accepted      a known tag (or a cpms-made identifier, below) whose user may charge
- Blocked       the tag is disabled or suspended, or its user is disabled
- Expired       the tag's expireAt has passed
- Invalid       nobody knows the token
- ConcurrentTx  the token is already charging and its user's `options.sessionsAllowed` forbids another
                session (no option: one session per tag at a time)

Identifiers cpms makes itself start with `*`: `*0000123` is the remote start of session 123 (the
contract's format), `*A0000045` a remote start without EVSE (authorization 45), `*U0000007` user 7
(the parentIdTag of all of the user's tags, so any of them may use the user's reservation).

Every judgement is recorded as an authorization (Public API /authorizations) and announced
("authorization.created"); a later change (the start that used it) is "authorization.changed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.sessions import authorizations, sessions
from cpms.storage.tables.users import id_tags, users

ACCEPTED, BLOCKED, EXPIRED, INVALID, CONCURRENT = "Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"
REJECTION_REASONS = {BLOCKED: "blocked", EXPIRED: "expired", INVALID: "invalid", CONCURRENT: "concurrent_tx"}
# How long a charger may take to act on a remote start or to follow an Authorize with its start.
DEFAULT_START_WINDOW = timedelta(minutes=3)
USER_IDENTIFIER = re.compile(r"^\*U(\d{1,18})$")

# sessionsAllowed values
SINGLE = "single_session"
MANY_PER_TAG = "multiple_simultaneous_sessions_per_idtag"
TAGS_IN_PARALLEL = "simultaneous_use_of_idtags"
ANYTHING = "multiple_simultaneous_sessions_remotely_and_idtags"


def start_window(settings: Any) -> timedelta:
    """The start window, CPMS_START_WINDOW_SECONDS in the environment (default three minutes)."""
    raw = (getattr(settings, "extra", None) or {}).get("CPMS_START_WINDOW_SECONDS")
    try:
        return timedelta(seconds=float(raw)) if raw else DEFAULT_START_WINDOW
    except ValueError:
        return DEFAULT_START_WINDOW


def key(id_tag: str) -> str:
    return id_tag.strip().lower()


def session_identifier(session_id: int) -> str:
    return f"*{session_id:07d}"


def authorization_identifier(authorization_id: int) -> str:
    return f"*A{authorization_id:07d}"


def user_identifier(user_id: int) -> str:
    return f"*U{user_id:07d}"


@dataclass
class Verdict:
    status: str
    method: str = "id_tag"
    user_id: int | None = None
    id_tag_id: int | None = None
    label: str | None = None
    expiry: datetime | None = None
    parent_id_tag: str | None = None
    # a remote start's authorization this token was issued for
    remote_authorization_id: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED

    def id_tag_info(self) -> dict[str, Any]:
        """OCPP 1.6 idTagInfo (2.0.1 idTokenInfo has the same status and parent fields)."""
        from cpms.clock import iso

        info: dict[str, Any] = {"status": self.status}
        if self.expiry is not None:
            info["expiryDate"] = iso(self.expiry)
        if self.parent_id_tag and self.status == ACCEPTED:
            info["parentIdTag"] = self.parent_id_tag
        return info


async def judge(conn: AsyncConnection, charge_point_id: int, id_tag: str, now: datetime,
                window: timedelta = DEFAULT_START_WINDOW, exclude_session: int | None = None,
                remote_start: int | None = None) -> Verdict:
    """The verdict on `id_tag` at `charge_point_id` now; reads only. A token cpms issued for a remote
    start is judged by that start's authorization: the one `remote_start` names, else the latest."""
    tag = await find_tag(conn, id_tag)
    if tag is not None:
        verdict = Verdict(ACCEPTED, method="mac_address" if tag.type == "mac_address" else "id_tag",
                          user_id=tag.user_id, id_tag_id=tag.id, label=tag.label, expiry=tag.expire_at)
        user = await _user(conn, tag.user_id)
        if tag.status in ("disabled", "suspended") or (user is not None and user.status == "disabled"):
            verdict.status = BLOCKED
        elif tag.expire_at is not None and tag.expire_at <= now:
            verdict.status = EXPIRED
        elif await _concurrent(conn, id_tag, user, exclude_session):
            verdict.status = CONCURRENT
        if tag.user_id is not None:
            verdict.parent_id_tag = user_identifier(tag.user_id)
        return verdict
    remote = await remote_authorization(conn, charge_point_id, id_tag, now - window, remote_start)
    if remote is not None:
        return Verdict(ACCEPTED, method=remote.method, user_id=remote.user_id, remote_authorization_id=remote.id,
                       parent_id_tag=user_identifier(remote.user_id) if remote.user_id else None)
    match = USER_IDENTIFIER.match(id_tag.strip().upper())
    if match:
        user = await _user(conn, int(match.group(1)))
        if user is not None:
            status = BLOCKED if user.status == "disabled" else ACCEPTED
            if status == ACCEPTED and await _concurrent(conn, id_tag, user, exclude_session):
                status = CONCURRENT
            return Verdict(status, method="user_device", user_id=user.id, parent_id_tag=user_identifier(user.id))
    return Verdict(INVALID)


async def find_tag(conn: AsyncConnection, id_tag: str) -> Any:
    """The id tag by its uid: exactly (the unique index), else case-insensitively (OCPP's CiString)."""
    t = id_tags.c
    tag = (await conn.execute(select(id_tags).where(t.uid == id_tag))).first()
    if tag is None:
        tag = (await conn.execute(select(id_tags).where(func.lower(t.uid) == key(id_tag)).limit(1))).first()
    return tag


async def _user(conn: AsyncConnection, user_id: int | None) -> Any:
    if user_id is None:
        return None
    return (await conn.execute(select(users.c.id, users.c.status, users.c.attrs).where(users.c.id == user_id))).first()


def sessions_allowed(user: Any) -> str | None:
    options = (user.attrs or {}).get("options") if user is not None else None
    return options.get("sessionsAllowed") if isinstance(options, dict) else None


async def _concurrent(conn: AsyncConnection, id_tag: str, user: Any, exclude_session: int | None) -> bool:
    rule = sessions_allowed(user)
    if rule in (MANY_PER_TAG, ANYTHING):
        return False
    s = sessions.c
    where = [s.status == "active"]
    if exclude_session is not None:
        where.append(s.id != exclude_session)
    if rule == SINGLE:
        where.append(s.user_id == user.id)
    else:
        where.append(s.id_tag_key == key(id_tag))
    return bool((await conn.execute(select(exists().where(*where)))).scalar())


async def remote_authorization(conn: AsyncConnection, charge_point_id: int, id_tag: str, since: datetime,
                               named: int | None = None) -> Any:
    """A recent remote start's authorization for `id_tag` on this charger that no session used yet:
    the one `named` (2.0.1's remoteStartId of a start without EVSE is its id) if it is such a one,
    else the latest. Two remote starts with one id tag are told apart only by the name."""
    a, s = authorizations.c, sessions.c
    used = exists().where(and_(s.authorization_id == a.id, s.status.in_(("active", "finished"))))
    first = (case((a.id == named, 0), else_=1),) if named is not None else ()
    return (await conn.execute(
        select(authorizations).where(a.charge_point_id == charge_point_id, a.remote.is_(True), a.status == "accepted",
                                     a.id_tag_key == key(id_tag), a.created_at >= since, ~used)
        .order_by(*first, a.id.desc()).limit(1))).first()


async def record(tx: Tx, charge_point_id: int | None, id_tag: str | None, verdict: Verdict, now: datetime, *,
                 evse_id: int | None = None, remote: bool = False, source: str = "local",
                 rejection: str | None = None) -> tuple[int, str]:
    """Write the authorization the verdict amounts to; returns its id and id tag.

    Without `id_tag` the authorization gets its own identifier (`*A0000045`): a remote start
    without EVSE that named no id tag.
    """
    accepted = verdict.accepted
    values = {
        "method": verdict.method, "source": source, "status": "accepted" if accepted else "rejected",
        "rejection_reason": None if accepted else rejection or REJECTION_REASONS.get(verdict.status, "invalid"),
        "ocpp_status": verdict.status, "user_id": verdict.user_id, "id_tag_uid": id_tag,
        "id_tag_key": key(id_tag) if id_tag else None, "id_tag_id": verdict.id_tag_id,
        "charge_point_id": charge_point_id, "evse_id": evse_id, "remote": remote, "attrs": {}, "created_at": now,
        "last_updated_at": now,
    }
    auth_id = int((await tx.conn.execute(authorizations.insert().values(values).returning(authorizations.c.id)))
                  .scalar_one())
    if id_tag is None:
        id_tag = authorization_identifier(auth_id)
        await tx.conn.execute(authorizations.update().where(authorizations.c.id == auth_id)
                              .values(id_tag_uid=id_tag, id_tag_key=key(id_tag)))
    await tx.emit(Event("authorization.created", "authorization", auth_id, {
        "action": "created", "authorizationId": auth_id, "chargePointId": charge_point_id, "evseId": evse_id,
        "idTag": id_tag, "status": values["status"], "ocppStatus": verdict.status, "method": verdict.method,
        "userId": verdict.user_id, "rejectionReason": values["rejection_reason"]}, now))
    return auth_id, id_tag


async def unused_accepted(conn: AsyncConnection, charge_point_id: int, id_tag: str, since: datetime) -> int | None:
    """The charger's own recent Authorize for `id_tag` that no session used yet (its start follows)."""
    a, s = authorizations.c, sessions.c
    used = exists().where(s.authorization_id == a.id)
    return (await conn.execute(
        select(a.id).where(a.charge_point_id == charge_point_id, a.remote.is_(False), a.status == "accepted",
                           a.id_tag_key == key(id_tag), a.created_at >= since, ~used)
        .order_by(a.id.desc()).limit(1))).scalar()


async def attach_evse(tx: Tx, authorization_id: int, evse_id: int | None, now: datetime) -> None:
    """The authorization was used on `evse_id`: note it and announce the change."""
    a = authorizations.c
    row = (await tx.conn.execute(select(authorizations).where(a.id == authorization_id))).first()
    if row is None or row.evse_id == evse_id or evse_id is None:
        return
    await tx.conn.execute(authorizations.update().where(a.id == authorization_id)
                          .values(evse_id=evse_id, last_updated_at=now))
    await tx.emit(Event("authorization.changed", "authorization", authorization_id, {
        "action": "updated", "authorizationId": authorization_id, "chargePointId": row.charge_point_id,
        "evseId": evse_id, "idTag": row.id_tag_uid, "status": row.status, "ocppStatus": row.ocpp_status,
        "method": row.method, "userId": row.user_id}, now))
