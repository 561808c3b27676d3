"""A reconnect never sends the charger a burst of commands (docs/issues/3-ocpp16.md): a charger that
comes back, alone or in a storm, with a session running and a reservation, charging profiles,
configuration and a local list the server knows about, gets no CALL from the server at all, on its
first connection nor on its return. No OCTT case covers this (OCTT tests what a CSMS sends, not
what it refrains from sending); the nearest are TC_001 (cold boot) and TC_039 (offline transaction).

The observation window closes on server-side signals: the charger's Heartbeat answered after its
boot, the server's connect committed (its network status log), then a short settle and a second
Heartbeat round trip; a command the gateway sends on connect or after boot comes before that."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Any

import pytest
from sqlalchemy import select

from cpms.clock import Clock
from cpms.domain import charging_profiles, configuration, local_list, reservations
from cpms.domain.configuration import Variable
from cpms.storage.db import Database
from cpms.storage.tables.ocpp import network_status_logs
from tests.ocpp.both_versions import FLAVOURS, Flavour
from tests.ocpp.transactions_support import at, rows, tag, user
from tests.support import seed
from tests.support.live import running
from tests.support.waiting import eventually

SETTLE = 0.3  # seconds for anything the server does after the connect was committed to reach the wire
STORM = 20
PROFILE = {"stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
           "chargingSchedule": {"chargingRateUnit": "A", "startSchedule": "2030-01-01T00:00:00Z",
                                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}}


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


def listening(flavour: Flavour) -> type[Any]:
    """The flavour's test charger, also keeping every CALL frame the server sends before the `ocpp`
    package routes it: an action the test charger has no handler for would only be answered
    NotImplemented and never recorded."""

    class Listening(flavour.charger_class):  # type: ignore[name-defined, misc]
        def __init__(self, identity: str, connection: Any) -> None:
            super().__init__(identity, connection)
            self.server_calls: list[Any] = []

        async def route_message(self, raw: str) -> None:
            frame = json.loads(raw)
            if isinstance(frame, list) and frame and frame[0] == 2:
                self.server_calls.append(frame)
            await super().route_message(raw)

    return Listening


async def known_state(db: Database, cp: dict[str, Any], owner: int) -> None:
    """What a central system might be tempted to push to a charger that comes back: a confirmed
    reservation, an applied and a pending charging profile, configuration it reported, a
    configuration read it never answered, and a local list older than the network's id tags."""
    now = Clock().now()
    profile = charging_profiles.normalise(PROFILE, 0)
    async with db.write() as tx:
        reservation = await reservations.create(tx, charge_point_id=cp["id"], evse_id=cp["evse_ids"][1],
                                                evse_network_id="2", user_id=owner, minutes=60, now=now,
                                                reason="reconnect test")
        await reservations.confirm(tx, reservation.id, now)
        applied = await charging_profiles.reserve(tx, cp["id"], None, 0, profile, now)
        await charging_profiles.applied(tx, applied, now)
        await charging_profiles.reserve(tx, cp["id"], cp["evse_ids"][0], 1, {**profile, "stackLevel": 1}, now)
        await configuration.store_variables(tx, cp["id"], [Variable("HeartbeatInterval", "300"),
                                                           Variable("MeterValueSampleInterval", "60")], now)
        await configuration.open_request(tx, cp["id"], None, now)
        await local_list.record_update(tx, cp["id"], 1, [{"idTag": "GONE-LONG-AGO", "status": "Accepted"}], True, now)


async def logged(db: Database, cp_ids: list[int], wanted: list[str]) -> bool:
    """Whether every charge point's network status log reads `wanted`: the server committed it."""
    async with db.read() as conn:
        found = (await conn.execute(select(network_status_logs.c.charge_point_id, network_status_logs.c.status)
                                    .where(network_status_logs.c.charge_point_id.in_(cp_ids))
                                    .order_by(network_status_logs.c.id))).all()
    by_cp: dict[int, list[str]] = {cp_id: [] for cp_id in cp_ids}
    for cp_id, status in found:
        by_cp[cp_id].append(status)
    return all(statuses == wanted for statuses in by_cp.values())


async def visit(live: Any, flavour: Flavour, cps: list[dict[str, Any]], first: bool,
                wanted: list[str]) -> dict[str, list[Any]]:
    """All `cps` connect at once, boot (and on the first visit start a session on EVSE 1), send a
    Heartbeat, and stay until the server committed their connects and a settle and a second
    Heartbeat have passed; then they leave. Returns the server's CALLs each of them received."""
    db = live.server.rt.db
    charger_class = listening(flavour)
    async with AsyncExitStack() as stack:
        chargers = await asyncio.gather(*(stack.enter_async_context(
            flavour.connect(live.ws_url, cp["identity"], charger_class)) for cp in cps))

        async def greet(charger: Any, cp: dict[str, Any]) -> None:
            await charger.call(flavour.boot())
            if first:
                await charger.call(flavour.start(1, f"TAG-{cp['identity']}", at(0)))
            await charger.call(flavour.heartbeat())

        await asyncio.gather(*(greet(charger, cp) for charger, cp in zip(chargers, cps)))
        await eventually(lambda: logged(db, [cp["id"] for cp in cps], wanted), timeout=15)
        await asyncio.sleep(SETTLE)
        await asyncio.gather(*(charger.call(flavour.heartbeat()) for charger in chargers))
    return {charger.id: charger.server_calls for charger in chargers}


async def connect_leave_and_return(live: Any, flavour: Flavour, count: int) -> dict[str, list[Any]]:
    """`count` chargers with everything `known_state` sets up come, start a session, leave, and come
    back at once; the server's CALLs to each over both visits."""
    db = live.server.rt.db
    owner = await user(db, f"owner-{flavour.subprotocol}-{count}@reconnect.example")
    cps = [await seed.charge_point(db, f"RC-{flavour.subprotocol}-{count}-{n:02d}", protocol=flavour.protocol)
           for n in range(count)]
    for cp in cps:
        await tag(db, f"TAG-{cp['identity']}", user_id=owner)
        await known_state(db, cp, owner)
    heard = await visit(live, flavour, cps, True, ["available"])
    await eventually(lambda: logged(db, [cp["id"] for cp in cps], ["available", "temporarily_unavailable"]), timeout=15)
    again = await visit(live, flavour, cps, False, ["available", "temporarily_unavailable", "available"])
    active = [row for cp in cps for row in await rows(db, "sessions", charge_point_id=cp["id"], status="active")]
    assert len(active) == count, "every charger came back with a session the server knows"
    return {identity: heard[identity] + again[identity] for identity in heard}


@pytest.mark.parametrize("flavour", FLAVOURS, ids=lambda f: f.name)
async def test_a_charger_that_reconnects_with_state_the_server_knows_gets_no_command(live, flavour) -> None:
    calls = await connect_leave_and_return(live, flavour, 1)
    assert calls == {identity: [] for identity in calls}


@pytest.mark.parametrize("flavour", FLAVOURS, ids=lambda f: f.name)
async def test_a_reconnect_storm_of_20_chargers_with_sessions_sends_none_of_them_a_command(live, flavour) -> None:
    calls = await connect_leave_and_return(live, flavour, STORM)
    assert len(calls) == STORM
    assert calls == {identity: [] for identity in calls}
