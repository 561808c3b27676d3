"""The gateway component: live connections by identity, commands from the API, liveness.

A second connection for an identity replaces the first cleanly (the old one is closed and its
departure does not mark the charger offline). A charger that stops answering is found by the
WebSocket ping (uvicorn's ws_ping_interval/ws_ping_timeout) or by missed heartbeats, closed,
and shown unavailable. Network status is written through the group commit in bulk
(`presence.record_many`): a reconnect storm of thousands is a few statements per batch, and a
shutdown marks every connected charger unavailable in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from cpms.domain import presence
from cpms.domain.chargers import ChargerRecord, find_by_identity
from cpms.errors import ChargerTimeout, ChargerUnavailable, Invalid
from cpms.events import Event
from cpms.ocpp import handlers as _handlers  # noqa: F401  (registers every OCPP handler)
from cpms.ocpp.commands import Result, Unsupported, outgoing
from cpms.ocpp.connection import Connection
from cpms.ocpp.errors import CallError
from cpms.ocpp.endpoint import PREFIX, OcppEndpoint
from cpms.ocpp.replays import Replays
from cpms.ocpp.replays import seconds as replay_seconds

if TYPE_CHECKING:
    from cpms.server import Server

log = logging.getLogger("cpms.ocpp")


class Gateway:
    def __init__(self, server: "Server") -> None:
        self.server = server
        self.rt = server.rt
        self.by_identity: dict[str, Connection] = {}
        self.by_charge_point: dict[int, Connection] = {}
        self._records: dict[str, tuple[float, ChargerRecord | None]] = {}
        self.replays = Replays(replay_seconds(self.rt.settings.extra))
        self._tasks: set[asyncio.Task[Any]] = set()
        self._liveness: asyncio.Task[None] | None = None
        self._stopping = False

    # -- component --------------------------------------------------------------------------

    async def start(self) -> None:
        self.server.websocket_handlers[PREFIX] = OcppEndpoint(self)
        self.rt.components["gateway"] = self
        self.rt.db.on_commit(self._on_commit)
        self._liveness = asyncio.get_running_loop().create_task(self._watch_liveness())

    async def stop(self) -> None:
        if self._liveness:
            self._liveness.cancel()
        self._stopping = True
        connected = list(self.by_identity.values())
        if connected:  # one write for all, not one durable write per departing charger
            now = self.rt.clock.now()
            try:
                async with self.rt.db.write() as tx:
                    await presence.record_many(tx, [(c.charge_point_id, presence.TEMPORARILY_UNAVAILABLE, now)
                                                    for c in connected])
            except Exception:
                log.exception("could not record that %d chargers were disconnected by the shutdown", len(connected))
        for connection in connected:
            await connection.close(1001, "server shutting down")

    # -- identities ---------------------------------------------------------------------------

    async def lookup(self, identity: str) -> ChargerRecord | None:
        """The charger's record, cached briefly so reconnect storms cost no query each."""
        now = time.monotonic()
        hit = self._records.get(identity)
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self.rt.db.read() as conn:
            record = await find_by_identity(conn, identity)
        self._records[identity] = (now + 30.0, record)
        return record

    async def _on_commit(self, events: list[Event]) -> None:
        """Forget cached records the API changed (credentials, protocol, identity, status)."""
        for event in events:
            if event.type != "chargePoint.changed" or event.data.get("source") == "ocpp":
                continue
            if event.data.get("action") == "created":
                self._records = {k: v for k, v in self._records.items() if v[1] is not None}
            else:
                self._records = {k: v for k, v in self._records.items()
                                 if v[1] is None or str(v[1].id) != str(event.entity_id)}

    # -- connections --------------------------------------------------------------------------

    async def attach(self, connection: Connection) -> None:
        old = self.by_identity.get(connection.identity)
        self.by_identity[connection.identity] = connection
        self.by_charge_point[connection.charge_point_id] = connection
        if old is not None and old is not connection:
            log.info("%s reconnected; closing its previous connection", connection.identity)
            old.abandon()
            await old.close(4000, "replaced by a new connection")
        await self.rt.db.batch_bulk(presence.record_many,
                                    (connection.charge_point_id, presence.AVAILABLE, self.rt.clock.now()))

    async def detach(self, connection: Connection) -> None:
        connection.abandon()
        if self.by_identity.get(connection.identity) is not connection:
            return  # replaced: the newer connection owns the charger's status
        del self.by_identity[connection.identity]
        self.by_charge_point.pop(connection.charge_point_id, None)
        if self._stopping:
            return  # shutdown marked every charger at once
        try:
            await self.rt.db.batch_bulk(presence.record_many, (connection.charge_point_id,
                                                               presence.TEMPORARILY_UNAVAILABLE, self.rt.clock.now()))
        except Exception:
            log.exception("could not record that %s disconnected", connection.identity)

    def connection(self, charge_point_id: int) -> Connection | None:
        return self.by_charge_point.get(charge_point_id)

    def is_connected(self, charge_point_id: int) -> bool:
        return charge_point_id in self.by_charge_point

    async def call(self, charge_point_id: int, action: str, payload: dict[str, Any],
                   timeout: float | None = None) -> dict[str, Any]:
        """Send `action` to the charger and return its answer.

        ChargerUnavailable when it is not connected, ChargerTimeout when it does not answer in
        time, CallError when it answers with a CALLERROR.
        """
        connection = self.by_charge_point.get(charge_point_id)
        if connection is None or connection.closed:
            raise ChargerUnavailable(f"Charge point {charge_point_id} is not connected.")
        limit = timeout if timeout is not None else self.rt.settings.ocpp_call_timeout
        try:
            return await connection.call(action, payload, limit)
        except asyncio.TimeoutError:
            raise ChargerTimeout(f"Charge point {charge_point_id} did not answer {action} within {limit:g}s.") from None
        except ConnectionError:
            raise ChargerUnavailable(f"Charge point {charge_point_id} disconnected before answering {action}.") from None

    async def command(self, charge_point_id: int, name: str, timeout: float | None = None,
                      **args: Any) -> Result:
        """Carry out intent `name` on the charger, in whatever OCPP version it speaks.

        A CALLERROR answer is a refusal (Result.accepted False, with its code), not an exception.
        """
        connection = self.by_charge_point.get(charge_point_id)
        if connection is None or connection.closed:
            raise ChargerUnavailable(f"Charge point {charge_point_id} is not connected.")
        try:
            out = outgoing(connection.version, name, args)
        except Unsupported as exc:
            raise Invalid.field("chargePoint", str(exc)) from None
        try:
            answer = await self.call(charge_point_id, out.action, out.payload, timeout)
        except CallError as exc:
            return Result(accepted=False, status=exc.code, message=f"The charger answered {exc.code}: {exc.description}")
        return out.read(answer)

    # -- liveness ---------------------------------------------------------------------------

    async def _watch_liveness(self) -> None:
        """Close connections silent for longer than two heartbeat intervals plus a grace
        (`CPMS_OCPP_SILENCE_GRACE`): a charger still answering pings but no longer talking OCPP is
        as gone as a dead one. Looking every quarter of that limit (at most every minute) bounds
        how late it is found: 1.25 x the limit, and the grace can be shortened for tests."""
        settings = self.rt.settings
        limit = 2 * settings.heartbeat_interval + settings.ocpp_silence_grace
        interval = max(0.5, min(60.0, limit / 4))
        while True:
            await asyncio.sleep(interval)
            self.replays.sweep()
            now = time.monotonic()
            for connection in list(self.by_identity.values()):
                if now - connection.last_seen > limit:
                    log.info("%s silent for %.0fs; closing", connection.identity, now - connection.last_seen)
                    await connection.close(4001, "no heartbeat")
                    await self.detach(connection)

