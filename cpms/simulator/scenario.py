"""The life of one EVSE, in version-neutral terms: wait for a driver, charge, leave.

A driver arrives after an idle gap (or when the server asks for a remote start), plugs in,
authorizes, and charges; the car draws a plausible power curve (AC: the car's on-board charger
limit, tapering near full; DC: full power to about 55 % state of charge, then tapering) until it
is full, the driver leaves, or the server stops the session. The behaviour (`v16`, `v201`) says
each step in its own protocol.

Time runs `speed` times faster than the wall clock: durations, meter intervals and idle gaps are
simulated seconds; energy and power are those of the simulated session; timestamps on the wire
are real (the server must not see the future), so what a server derives from wall-clock
duration (average power) comes out `speed` times too high.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cpms.simulator.behaviour import Behaviour, Evse

AC_VOLTAGE = 230.0
DC_VOLTAGE = 400.0


@dataclass(frozen=True)
class Scenario:
    session_minutes: float = 30.0  # mean; each session varies +/-40 %
    idle_minutes: float = 10.0  # mean gap between sessions on one EVSE
    meter_interval: float = 60.0  # simulated seconds between MeterValues
    speed: float = 1.0
    id_tags: tuple[str, ...] = ("SIMTAG0001",)
    sessions: bool = True  # False: connect, boot and heartbeat only

    def real(self, simulated_seconds: float) -> float:
        return simulated_seconds / self.speed


class TagPool:
    """The drivers' id tags: a tag charges at one EVSE at a time, as a real card does (a server
    answers ConcurrentTx to a tag that is already charging)."""

    def __init__(self, tags: tuple[str, ...], rng: random.Random | None = None) -> None:
        self.free = list(tags)
        (rng or random.Random()).shuffle(self.free)

    def take(self) -> str | None:
        return self.free.pop() if self.free else None

    def give_back(self, tag: str) -> None:
        self.free.insert(0, tag)


@dataclass
class Ev:
    capacity_wh: float
    soc: float
    target_soc: float
    max_ac_w: float
    max_dc_w: float

    @classmethod
    def arriving(cls, rng: random.Random) -> "Ev":
        return cls(capacity_wh=rng.choice((40_000, 58_000, 64_000, 77_000, 82_000, 100_000)),
                   soc=rng.uniform(10, 60), target_soc=rng.uniform(80, 100),
                   max_ac_w=rng.choice((7_400, 11_000, 11_000, 22_000)),
                   max_dc_w=rng.choice((50_000, 100_000, 150_000, 250_000)))


def charging_power(ev: Ev, dc: bool, evse_max_w: float, elapsed_s: float) -> float:
    """Watts the car draws now: its limit, the EVSE's, a taper near full and a short ramp-up."""
    if dc:
        limit = min(evse_max_w, ev.max_dc_w)
        taper = 1.0 if ev.soc < 55 else max(0.08, 1 - (ev.soc - 55) / 48)
    else:
        limit = min(evse_max_w, ev.max_ac_w)
        taper = 1.0 if ev.soc < 92 else max(0.15, (100 - ev.soc) / 8)
    ramp = min(1.0, (elapsed_s + 2) / 30)
    return limit * taper * ramp


@dataclass
class Sample:
    """One reading of the meter: what MeterValues carry."""
    energy_wh: float  # the register (lifetime), not the session's share
    power_w: float
    current_a: float
    voltage_v: float
    soc: float | None  # DC only: AC chargers do not learn the car's state of charge


@dataclass
class Session:
    id_tag: str
    ev: Ev
    duration_s: float  # simulated seconds the driver means to stay
    meter_start_wh: float
    meter_stop_wh: float | None = None
    remote_start_id: int | None = None
    transaction_id: int | str | None = None
    seq_no: int = 0  # OCPP 2.0.1 TransactionEvent sequence
    elapsed_s: float = 0.0
    energy_wh: float = 0.0
    power_w: float = 0.0
    stop_reason: str | None = None  # neutral: EVDisconnected, Local, Remote, EVFull, HardReset ...
    started: bool = False


@dataclass
class Start:
    id_tag: str
    remote_start_id: int | None = None
    authorized: bool = False  # remote starts need no Authorize unless the charger is told so
    reservation_id: int | None = None
    pooled: bool = False  # the tag came from the pool and goes back to it


def advance(session: Session, evse: "Evse", dt: float, rng: random.Random) -> float:
    """Move the session on by `dt` simulated seconds; returns the energy added (Wh)."""
    if dt <= 0:
        return 0.0
    power = charging_power(session.ev, evse.dc, evse.max_power_w, session.elapsed_s)
    power *= rng.uniform(0.985, 1.015)
    added = power * dt / 3600.0
    session.elapsed_s += dt
    session.energy_wh += added
    session.power_w = power
    session.ev.soc = min(100.0, session.ev.soc + added / session.ev.capacity_wh * 100.0)
    evse.meter_wh += added
    return added


def sample(session: Session | None, evse: "Evse") -> Sample:
    power = session.power_w if session is not None else 0.0
    if evse.dc:
        return Sample(evse.meter_wh, power, power / DC_VOLTAGE, DC_VOLTAGE,
                      session.ev.soc if session is not None else None)
    return Sample(evse.meter_wh, power, power / (3 * AC_VOLTAGE), AC_VOLTAGE, None)


class Flag:
    """An event with a timed wait that never loses a cancellation.

    `asyncio.wait_for(event.wait(), t)` on Python 3.11 swallows a cancellation that arrives as the
    event is set, leaving a task that will not stop; this costs one future and one timer per
    waiter, no task.
    """

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[bool]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(True)
        self._waiters.clear()

    def clear(self) -> None:
        self._set = False

    async def wait(self, timeout: float | None = None) -> bool:
        """True once set; False when `timeout` seconds (None: no limit) pass first."""
        if self._set:
            return True
        if timeout is not None and timeout <= 0:
            return False
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            return await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


async def sleep_or_wake(seconds: float | None, wake: Flag) -> bool:
    """Sleep `seconds` (None: until woken) or until `wake` is set; True when woken."""
    return await wake.wait(seconds)


async def run_evse(b: "Behaviour", evse: "Evse") -> None:
    """One EVSE forever: the behaviour's tasks cancel it when the simulation ends."""
    first = True
    while True:
        start = await wait_for_driver(b, evse, first)
        first = False
        await charge(b, evse, start)


async def wait_for_driver(b: "Behaviour", evse: "Evse", first: bool) -> Start:
    sc, loop = b.scenario, asyncio.get_running_loop()
    mean = max(sc.idle_minutes * 60.0, 1.0)
    gap = b.rng.uniform(0, mean) if first else b.rng.expovariate(1.0 / mean)
    deadline = loop.time() + sc.real(gap)
    while True:
        if evse.remote_start is not None and b.online:
            start, evse.remote_start = evse.remote_start, None
            return start
        if evse.reservation is not None and evse.reservation.expires_at <= loop.time():
            b.cancel_reservation(evse.reservation.id, expired=True)
        now = loop.time()
        can_start = sc.sessions and b.online and evse.operative and not b.shutting_down
        if can_start and now >= deadline:
            if evse.reservation is not None:  # the driver who reserved arrives
                return Start(evse.reservation.id_tag, reservation_id=evse.reservation.id)
            tag = b.tags.take()
            if tag is not None:
                return Start(tag, pooled=True)
            deadline = now + sc.real(b.rng.expovariate(1.0 / mean))  # every driver is busy: later
        evse.wake.clear()
        timeout = deadline - now if can_start else None
        if evse.reservation is not None:
            left = evse.reservation.expires_at - now
            timeout = left if timeout is None else min(timeout, left)
        await sleep_or_wake(timeout, evse.wake)


async def charge(b: "Behaviour", evse: "Evse", start: Start) -> None:
    sc, rng, stats = b.scenario, b.rng, b.stats
    duration = sc.session_minutes * 60.0 * rng.uniform(0.6, 1.4)
    session = Session(start.id_tag, Ev.arriving(rng), duration, evse.meter_wh, start.remote_start_id)
    evse.session = session
    if start.reservation_id is not None and evse.reservation is not None:
        evse.reservation = None
    try:
        evse.status = "Preparing"
        await b.try_status(evse)
        if not start.authorized and not await b.authorize(evse, session):
            stats.sessions_refused += 1
            return
        if not await b.start_transaction(evse, session):
            stats.sessions_refused += 1
            return
        session.started = True
        stats.sessions_active += 1
        evse.status = "Charging"
        await b.try_status(evse)
        loop = asyncio.get_running_loop()
        last = loop.time()
        while session.stop_reason is None:
            step = min(b.meter_interval, max(duration - session.elapsed_s, 0.0))
            woke = await sleep_or_wake(sc.real(step), evse.wake)
            evse.wake.clear()
            now = loop.time()
            stats.energy_wh += advance(session, evse, (now - last) * sc.speed, rng)
            last = now
            session.meter_stop_wh = evse.meter_wh
            if session.stop_reason is None:
                if session.ev.soc >= session.ev.target_soc:
                    session.stop_reason = "EVFull"
                elif session.elapsed_s >= duration:
                    session.stop_reason = "EVDisconnected" if rng.random() < 0.7 else "Local"
                elif not woke:
                    await b.try_meter_values(evse, session)
        session.meter_stop_wh = evse.meter_wh
        await b.stop_transaction(evse, session)
        stats.sessions_active -= 1
        stats.sessions_finished += 1
        session.started = False
        b.history.append(session)
        evse.status = "Finishing"
        await b.try_status(evse)
        if not b.shutting_down and session.stop_reason not in ("HardReset", "SoftReset"):
            await sleep_or_wake(sc.real(rng.uniform(5, 45)), b.stopping)
    finally:
        if session.started:  # cancelled mid-session: the count must still balance
            stats.sessions_active -= 1
        if start.pooled:
            b.tags.give_back(start.id_tag)
        evse.session = None
        evse.status = evse.idle_status()
    if not b.shutting_down:
        await b.try_status(evse)
