"""What every simulated charger is, whatever OCPP version it speaks.

`Behaviour` holds the charger's EVSEs, their sessions and reservations, and carries out what the
server asks in neutral terms (start here, stop that transaction, become inoperative, reboot).
A version subclass (`v16.Behaviour16`, `v201.Behaviour201`) says it on the wire: it implements
the message methods below and answers the server's CALLs with `on_<Action>(payload)` methods,
each returning the reply payload and, optionally, work to run once the reply is sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from cpms.simulator.scenario import Flag, Scenario, Session, Start, TagPool, run_evse
from cpms.simulator.progress import Stats

if TYPE_CHECKING:
    from cpms.simulator.charger import Charger

log = logging.getLogger("cpms.simulator")

After = Callable[[], Awaitable[None]]
Reply = tuple[dict[str, Any], After | None]


class CallError(Exception):
    """The other side answered a CALL with a CALLERROR."""

    def __init__(self, code: str, description: str = "") -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class Offline(Exception):
    """The charger has no open connection (or has not booted) right now."""


class NotImplementedAction(Exception):
    """We have no answer for this action: CALLERROR NotImplemented."""


# A server without a handler for an action answers one of these: the charger carries on as if
# the message had been accepted (local authorization, status and meter data simply not stored).
UNSUPPORTED = ("NotImplemented", "NotSupported")


@dataclass
class Reservation:
    id: int
    id_tag: str
    expires_at: float  # event-loop time


@dataclass
class Evse:
    number: int  # OCPP 1.6 connectorId, OCPP 2.0.1 evseId; one connector each
    dc: bool
    max_power_w: float
    meter_wh: float
    status: str = "Available"  # neutral: Available Preparing Charging Finishing Reserved Unavailable
    operative: bool = True
    pending_inoperative: bool = False
    session: Session | None = None
    remote_start: Start | None = None
    reservation: Reservation | None = None
    wake: Flag = field(default_factory=Flag)

    def idle_status(self) -> str:
        if self.pending_inoperative:
            self.operative, self.pending_inoperative = False, False
        if not self.operative:
            return "Unavailable"
        return "Reserved" if self.reservation is not None else "Available"

    @property
    def free(self) -> bool:
        return self.operative and self.session is None and self.remote_start is None


class Behaviour:
    subprotocol: ClassVar[str]
    label: ClassVar[str]  # as in the charge point's network.protocol
    boot_retry_min: ClassVar[float] = 5.0

    def __init__(self, identity: str, evses: list[Evse], scenario: Scenario, stats: Stats,
                 rng: random.Random | None = None, tags: TagPool | None = None) -> None:
        self.identity = identity
        self.evses = evses
        self.scenario = scenario
        self.stats = stats
        self.rng = rng or random.Random()
        self.tags = tags or TagPool(scenario.id_tags, self.rng)
        self.link: "Charger | None" = None
        self.heartbeat_interval = 300.0
        self.meter_interval = scenario.meter_interval
        self.booted = False
        self.ready = Flag()  # connected and booted
        self.stopping = Flag()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.history: deque[Session] = deque(maxlen=16)  # the last finished sessions

    # -- what a version says on the wire ----------------------------------------------------------

    async def boot(self) -> tuple[str, float]:
        """Send the boot notification; (status, interval) from the answer."""
        raise NotImplementedError

    async def heartbeat(self) -> None:
        raise NotImplementedError

    async def status(self, evse: Evse) -> None:
        raise NotImplementedError

    async def send_authorize(self, evse: Evse, session: Session) -> bool:
        raise NotImplementedError

    async def send_start(self, evse: Evse, session: Session) -> bool:
        raise NotImplementedError

    async def meter_values(self, evse: Evse, session: Session | None) -> None:
        raise NotImplementedError

    async def send_stop(self, evse: Evse, session: Session) -> None:
        raise NotImplementedError

    # -- life ---------------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self.booted and self.link is not None and self.link.connected

    @property
    def shutting_down(self) -> bool:
        return self.stopping.is_set()

    def spawn(self, job: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(job)
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            self.stats.error("internal", f"{self.identity}: {type(exc).__name__}: {exc}")
            log.error("simulated charger %s failed", self.identity, exc_info=exc)

    def start(self) -> None:
        for evse in self.evses:
            self.spawn(run_evse(self, evse))

    async def shutdown(self, grace: float) -> None:
        """Stop sessions as a driver would (within `grace` seconds), then stop everything."""
        self.stopping.set()
        for evse in self.evses:
            if evse.session is not None and evse.session.stop_reason is None:
                evse.session.stop_reason = "Local"
            evse.wake.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while any(e.session is not None and e.session.started for e in self.evses) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    # Answers both protocol versions give alike: the simulated charger accepts what it can hold in
    # memory and has no vendor extensions or schedules of its own to offer.
    def on_ClearCache(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted"}, None

    def on_DataTransfer(self, p: dict[str, Any]) -> Reply:
        return {"status": "UnknownVendorId"}, None

    def on_SetChargingProfile(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted"}, None

    def on_ClearChargingProfile(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted"}, None

    def on_GetCompositeSchedule(self, p: dict[str, Any]) -> Reply:
        return {"status": "Rejected"}, None

    async def on_connected(self) -> None:
        """Boot until accepted, tell the server every EVSE's status, then heartbeat."""
        while True:
            try:
                status, interval = await self.boot()
            except (CallError, asyncio.TimeoutError):  # counted already; a charger tries again later
                status, interval = "Rejected", 0.0
            if status == "Accepted":
                break
            await asyncio.sleep(max(interval, self.boot_retry_min))
        if interval > 0:
            self.heartbeat_interval = interval
        self.booted = True
        self.stats.booted += 1
        self.ready.set()
        await self.announce()
        for evse in self.evses:
            evse.wake.set()
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            try:
                await self.heartbeat()
            except (CallError, Offline, asyncio.TimeoutError):
                pass

    def on_disconnected(self) -> None:
        self.ready.clear()
        if self.booted:
            self.booted = False
            self.stats.booted -= 1

    async def announce(self) -> None:
        for evse in self.evses:
            await self.try_status(evse)

    # -- calls, with the failures a scenario shrugs off ---------------------------------------

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if self.link is None or not self.link.connected:
            raise Offline(self.identity)
        return await self.link.call(action, payload)

    async def try_status(self, evse: Evse) -> None:
        if self.online:
            try:
                await self.status(evse)
            except (CallError, Offline, asyncio.TimeoutError):
                pass

    async def try_meter_values(self, evse: Evse, session: Session | None) -> None:
        if self.online:
            try:
                await self.meter_values(evse, session)
            except (CallError, Offline, asyncio.TimeoutError):
                pass

    async def authorize(self, evse: Evse, session: Session) -> bool:
        try:
            return await self.send_authorize(evse, session)
        except CallError as exc:
            return exc.code in UNSUPPORTED
        except (Offline, asyncio.TimeoutError):
            return False

    async def start_transaction(self, evse: Evse, session: Session) -> bool:
        try:
            return await self.send_start(evse, session)
        except (CallError, Offline, asyncio.TimeoutError):
            return False

    async def stop_transaction(self, evse: Evse, session: Session) -> None:
        """Delivered come what may (after a reconnection if need be), unless the simulation ends."""
        while True:
            try:
                await self.send_stop(evse, session)
                return
            except CallError:
                return
            except (Offline, asyncio.TimeoutError):
                if self.shutting_down and not self.online:
                    return
                await self.ready.wait(5.0)

    # -- the server's commands, in neutral terms ----------------------------------------------

    def handle(self, action: str, payload: dict[str, Any]) -> Reply:
        method = getattr(self, f"on_{action}", None)
        if method is None:
            raise NotImplementedAction(action)
        answer = method(payload)
        return answer if isinstance(answer, tuple) else (answer, None)

    def evse(self, number: int | None) -> Evse | None:
        for evse in self.evses:
            if evse.number == number:
                return evse
        return None

    def request_start(self, number: int | None, id_tag: str, remote_start_id: int | None,
                      authorize_first: bool) -> Evse | None:
        """A remote start: the EVSE that will start (its driver plugs in now), or None."""
        candidates = [self.evse(number)] if number else self.evses
        for evse in candidates:
            if evse is None or not evse.free or not self.online:
                continue
            if evse.reservation is not None and evse.reservation.id_tag != id_tag:
                continue
            reservation = evse.reservation.id if evse.reservation is not None else None
            evse.remote_start = Start(id_tag, remote_start_id, authorized=not authorize_first,
                                      reservation_id=reservation)
            evse.wake.set()
            return evse
        return None

    def request_stop(self, transaction_id: Any, reason: str = "Remote") -> bool:
        for evse in self.evses:
            session = evse.session
            if session is not None and session.started and str(session.transaction_id) == str(transaction_id):
                session.stop_reason = session.stop_reason or reason
                evse.wake.set()
                return True
        return False

    def unlock(self, number: int) -> bool:
        evse = self.evse(number)
        if evse is None:
            return False
        if evse.session is not None and evse.session.started:
            evse.session.stop_reason = evse.session.stop_reason or "UnlockCommand"
            evse.wake.set()
        return True

    def change_availability(self, number: int | None, operative: bool) -> tuple[str, After | None]:
        targets = self.evses if not number else [e for e in [self.evse(number)] if e is not None]
        if not targets:
            return "Rejected", None
        scheduled = False
        for evse in targets:
            if not operative and evse.session is not None:
                evse.pending_inoperative, scheduled = True, True
                continue
            evse.operative, evse.pending_inoperative = operative, False
            if evse.session is None:
                evse.status = evse.idle_status()
            evse.wake.set()

        async def tell() -> None:
            for evse in targets:
                if evse.session is None:
                    await self.try_status(evse)

        return ("Scheduled" if scheduled else "Accepted"), tell

    def reserve(self, number: int | None, id_tag: str, reservation_id: int, seconds: float) -> tuple[str, After | None]:
        candidates = [self.evse(number)] if number else self.evses
        for evse in candidates:
            if evse is None:
                return "Rejected", None
            if not evse.operative:
                continue
            if evse.free and (evse.reservation is None or evse.reservation.id == reservation_id):
                loop = asyncio.get_running_loop()
                evse.reservation = Reservation(reservation_id, id_tag, loop.time() + max(seconds, 0.0))
                evse.status = "Reserved"
                evse.wake.set()

                async def tell(evse: Evse = evse) -> None:
                    await self.try_status(evse)

                return "Accepted", tell
        if all(not (e and e.operative) for e in candidates):
            return "Unavailable", None
        return "Occupied", None

    def cancel_reservation(self, reservation_id: int, expired: bool = False) -> bool:
        for evse in self.evses:
            if evse.reservation is not None and evse.reservation.id == reservation_id:
                evse.reservation = None
                if evse.session is None:
                    evse.status = evse.idle_status()
                    self.spawn(self.try_status(evse))
                return True
        return False

    def reset(self, hard: bool) -> After:
        """Once the answer is sent: end the sessions, then go away and boot again."""
        reason = "HardReset" if hard else "SoftReset"

        async def reboot() -> None:
            for evse in self.evses:
                if evse.session is not None and evse.session.stop_reason is None:
                    evse.session.stop_reason = reason
                evse.wake.set()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10.0
            while any(e.session is not None and e.session.started for e in self.evses) and loop.time() < deadline:
                await asyncio.sleep(0.05)
            if self.link is not None:
                await self.link.reboot(self.scenario.real(3.0))

        return reboot
