"""Many simulated chargers in one event loop: built from specs, started at a bounded rate, stopped
as drivers would stop (sessions ended, then connections closed).

Used by `cpms simulate` and directly by tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from cpms.simulator.behaviour import Behaviour, Evse
from cpms.simulator.charger import Charger
from cpms.simulator.progress import Stats
from cpms.simulator.provision import ChargerSpec
from cpms.simulator.scenario import Scenario, TagPool
from cpms.simulator.v16 import Behaviour16
from cpms.simulator.v201 import Behaviour201

BEHAVIOURS: dict[str, type[Behaviour]] = {"ocpp 1.6": Behaviour16, "ocpp 2.0.1": Behaviour201}


def ws_base_for(api_url: str) -> str:
    """ws://HOST:PORT/ocpp from http://HOST:PORT (wss for https)."""
    url = api_url.rstrip("/")
    if url.startswith("https://"):
        return "wss://" + url[len("https://"):] + "/ocpp"
    if url.startswith("http://"):
        return "ws://" + url[len("http://"):] + "/ocpp"
    return url + "/ocpp"


class Simulation:
    def __init__(self, specs: list[ChargerSpec], ws_base: str, scenario: Scenario, *, password: str | None = None,
                 seed: int | None = None, ramp: float = 200.0, call_timeout: float = 30.0,
                 stats: Stats | None = None) -> None:
        self.stats = stats or Stats()
        self.stats.chargers = len(specs)
        self.scenario = scenario
        self.ramp = ramp
        rng = random.Random(seed)
        self.tags = TagPool(scenario.id_tags, rng)
        self.chargers: dict[str, Charger] = {}
        for spec in specs:
            behaviour_class = BEHAVIOURS[spec.protocol]
            meter_rng = random.Random(rng.random())
            evses = [Evse(e.number, e.dc, e.max_power_w, meter_wh=meter_rng.uniform(0, 5_000_000))
                     for e in spec.evses]
            behaviour = behaviour_class(spec.identity, evses, scenario, self.stats, meter_rng, self.tags)
            self.chargers[spec.identity] = Charger(spec.identity, ws_base, behaviour, self.stats,
                                                   password=password, call_timeout=call_timeout)
        self._tasks: list[asyncio.Task[None]] = []
        self._launcher: asyncio.Task[None] | None = None

    def behaviour(self, identity: str) -> Behaviour:
        return self.chargers[identity].behaviour

    async def start(self) -> None:
        """Launch every charger, `ramp` new connections per second at most (in the background)."""
        self._launcher = asyncio.ensure_future(self._launch())

    async def _launch(self) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        for n, charger in enumerate(self.chargers.values()):
            due = began + n / self.ramp if self.ramp > 0 else began
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            self._tasks.append(asyncio.ensure_future(charger.run()))

    async def wait_for(self, condition: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
        """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(every)
        return True

    async def stop(self, grace: float = 10.0) -> None:
        """End sessions (within `grace` seconds), close every connection, stop every task."""
        if self._launcher is not None:
            self._launcher.cancel()
            await asyncio.gather(self._launcher, return_exceptions=True)
        behaviours = [c.behaviour for c in self.chargers.values()]
        await asyncio.gather(*(b.shutdown(grace) for b in behaviours), return_exceptions=True)
        await asyncio.gather(*(c.stop() for c in self.chargers.values()), return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
