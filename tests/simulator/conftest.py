"""The simulator against the real server: helpers shared by tests/simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from cpms.simulator.provision import ChargerSpec, EvseSpec
from cpms.simulator.scenario import Scenario
from cpms.simulator.simulation import Simulation
from tests.support import seed
from tests.support.live import Running, running

# Fast enough for a test, slow enough that every step of a session happens: a session lasts
# 72-168 simulated seconds (0.1-0.3 s), a MeterValues every 20 simulated seconds.
FAST = Scenario(session_minutes=2.0, idle_minutes=0.5, meter_interval=20.0, speed=600.0, id_tags=("SIMTAG0001",))
QUIET = Scenario(sessions=False)


@pytest.fixture
async def live(settings) -> AsyncIterator[Running]:  # type: ignore[no-untyped-def]
    async with running(settings.with_(ocpp_call_timeout=5.0)) as r:
        yield r


async def seeded(live: Running, identity: str, protocol: str = "ocpp 1.6", evses: int = 2,
                 dc: bool = False) -> ChargerSpec:
    """A charge point in the database and the spec the simulator plays it with."""
    cp = await seed.charge_point(live.server.rt.db, identity, evse_count=evses, protocol=protocol)
    power = 150_000.0 if dc else 22_000.0
    return ChargerSpec(identity, protocol, dc, [EvseSpec(n, dc, power, evse_id)
                                                for n, evse_id in enumerate(cp["evse_ids"], start=1)], cp["id"])


@asynccontextmanager
async def simulating(live: Running, specs: list[ChargerSpec], scenario: Scenario = QUIET) -> AsyncIterator[Simulation]:
    sim = Simulation(specs, live.ws_url, scenario, seed=7, call_timeout=5.0)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop(grace=5.0)


def only_unsupported_refusals(sim: Simulation) -> bool:
    """Every error is the server saying it does not handle an action yet: our frames were all valid."""
    kinds = set(sim.stats.error_kinds)
    return kinds <= {"CALLERROR NotSupported", "CALLERROR NotImplemented"}
