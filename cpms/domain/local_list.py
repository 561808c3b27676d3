"""Local authorization lists: the id tags a charger may accept on its own, while offline too.

cpms remembers, per charger, the list version it holds and the entries sent to it, so that a
later update can be differential (only what changed) and carry a higher version. Entries are
plain dicts in OCPP 1.6's words, which OCPP 2.0.1 extends: `{"idTag", "status", "expiryDate",
"parentIdTag"}` (status Accepted, Blocked, Expired, Invalid, ConcurrentTx); an entry without
status in a differential update removes the tag.

The use cases at the end (`read_version`, `send`, `clear_cache`) talk to the charger through the
gateway; no API operation of the contract drives them yet, an operator tool or the id-tag
listeners may.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.clock import iso
from cpms.ocpp.commands import Result
from cpms.storage.db import Tx
from cpms.storage.tables.configuration import local_auth_lists
from cpms.storage.tables.users import id_tags

if TYPE_CHECKING:
    from cpms.runtime import Runtime

NOT_SUPPORTED = -1  # the version a charger without local list support reports


async def entries_for_tags(conn: AsyncConnection, now: datetime, uids: list[str] | None = None) -> list[dict[str, Any]]:
    """Entries for the network's id tags (all, or those with `uids`): enabled and current tags are
    Accepted, expired ones Expired, the others Blocked."""
    stmt = select(id_tags.c.uid, id_tags.c.status, id_tags.c.expire_at).order_by(id_tags.c.id)
    if uids is not None:
        stmt = stmt.where(id_tags.c.uid.in_(uids))
    entries = []
    for row in (await conn.execute(stmt)).all():
        if row.expire_at is not None and row.expire_at <= now:
            status = "Expired"
        else:
            status = "Accepted" if row.status == "enabled" else "Blocked"
        entry: dict[str, Any] = {"idTag": row.uid, "status": status}
        if row.expire_at is not None:
            entry["expiryDate"] = iso(row.expire_at)
        entries.append(entry)
    return entries


async def held(conn: AsyncConnection, charge_point_id: int) -> tuple[int, dict[str, dict[str, Any]] | None] | None:
    """(version, entries by idTag) the charger holds as far as cpms knows; entries None if unknown."""
    t = local_auth_lists
    row = (await conn.execute(select(t.c.version, t.c.entries).where(t.c.charge_point_id == charge_point_id))).first()
    return None if row is None else (row.version, row.entries)


def changes(current: dict[str, dict[str, Any]], wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The differential update from `current` to `wanted`: new or changed entries, then removals."""
    target = {e["idTag"]: e for e in wanted}
    updated = [entry for tag, entry in target.items() if current.get(tag) != _stored(entry)]
    removed = [{"idTag": tag} for tag in current if tag not in target]
    return updated + removed


def _stored(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "idTag" and v is not None}


async def record_version(tx: Tx, charge_point_id: int, version: int, now: datetime) -> None:
    """The charger reported its list version; entries stay known only if the version is the one sent."""
    known = await held(tx.conn, charge_point_id)
    entries = known[1] if known is not None and known[0] == version else None
    if version == 0:
        entries = {}
    await _save(tx, charge_point_id, version, entries, now)


async def record_update(tx: Tx, charge_point_id: int, version: int, entries: list[dict[str, Any]], full: bool,
                        now: datetime) -> None:
    """The charger accepted an update: it now holds `version` with these entries applied."""
    known = await held(tx.conn, charge_point_id)
    base = {} if full or known is None or known[1] is None else dict(known[1])
    for entry in entries:
        if entry.get("status") is None:
            base.pop(entry["idTag"], None)
        else:
            base[entry["idTag"]] = _stored(entry)
    await _save(tx, charge_point_id, version, base, now)


async def _save(tx: Tx, charge_point_id: int, version: int, entries: dict[str, Any] | None, now: datetime) -> None:
    t = local_auth_lists
    values = {"version": version, "entries": entries, "updated_at": now}
    result = await tx.conn.execute(update(t).where(t.c.charge_point_id == charge_point_id).values(values))
    if not result.rowcount:
        await tx.conn.execute(insert(t).values(charge_point_id=charge_point_id, **values))


# -- use cases ---------------------------------------------------------------------------------

async def read_version(rt: "Runtime", charge_point_id: int) -> Result:
    """Ask the charger for its list version and remember it; `data["version"]` is -1 when it has no
    local list support (also when it refuses the question as NotSupported / NotImplemented)."""
    result = await rt.component("gateway").command(charge_point_id, "local_list_version")
    if not result.accepted and result.status in ("NotSupported", "NotImplemented"):
        result = Result(accepted=True, status=result.status, data={"version": NOT_SUPPORTED}, message=result.message)
    if result.accepted:
        async with rt.db.write() as tx:
            await record_version(tx, charge_point_id, int(result.data["version"]), rt.clock.now())
    return result


async def send(rt: "Runtime", charge_point_id: int, wanted: list[dict[str, Any]], full: bool = True) -> Result:
    """Bring the charger's list to `wanted`: the whole list, or (full False) only what changed since
    the last accepted update, when cpms knows what the charger holds. The version goes up by one."""
    async with rt.db.read() as conn:
        known = await held(conn, charge_point_id)
    version = max(known[0], 0) + 1 if known is not None else 1
    if not full and (known is None or known[1] is None):
        full = True  # what the charger holds is unknown: only a full update says it all
    entries = wanted if full else changes(known[1] or {}, wanted)  # type: ignore[index]
    result = await rt.component("gateway").command(charge_point_id, "send_local_list", version=version,
                                                   entries=entries, full=full)
    if result.accepted:
        async with rt.db.write() as tx:
            await record_update(tx, charge_point_id, version, entries, full, rt.clock.now())
    result.data = {**result.data, "version": version, "full": full, "entries": entries}
    return result


async def clear_cache(rt: "Runtime", charge_point_id: int) -> Result:
    """Empty the charger's authorization cache (not its local list)."""
    return await rt.component("gateway").command(charge_point_id, "clear_cache")
