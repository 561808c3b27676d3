"""The simulated car and meter: plausible power, energy that only rises, counters that balance."""

from __future__ import annotations

import asyncio
import io
import random

from cpms.simulator.behaviour import Evse
from cpms.simulator.progress import Progress, Stats, status_line, summary
from cpms.simulator.scenario import Ev, Flag, Session, advance, charging_power, sample


def car(soc: float, **limits: float) -> Ev:
    return Ev(capacity_wh=60_000, soc=soc, target_soc=100, max_ac_w=limits.get("ac", 11_000),
              max_dc_w=limits.get("dc", 150_000))


def test_ac_power_is_the_smaller_of_car_and_evse() -> None:
    assert charging_power(car(40, ac=11_000), dc=False, evse_max_w=22_000, elapsed_s=600) == 11_000
    assert charging_power(car(40, ac=22_000), dc=False, evse_max_w=7_400, elapsed_s=600) == 7_400


def test_dc_power_tapers_above_half_full() -> None:
    full_power = charging_power(car(30), dc=True, evse_max_w=150_000, elapsed_s=600)
    at_80 = charging_power(car(80), dc=True, evse_max_w=150_000, elapsed_s=600)
    at_98 = charging_power(car(98), dc=True, evse_max_w=150_000, elapsed_s=600)
    assert full_power == 150_000 and full_power > at_80 > at_98 > 0


def test_power_ramps_up_at_the_start() -> None:
    assert charging_power(car(30), dc=False, evse_max_w=22_000, elapsed_s=0) < 11_000


def test_energy_register_and_soc_only_rise() -> None:
    rng = random.Random(1)
    evse = Evse(1, dc=True, max_power_w=150_000, meter_wh=1_000)
    session = Session("T", car(20), duration_s=3600, meter_start_wh=1_000)
    readings = []
    for _ in range(60):
        advance(session, evse, 60, rng)
        readings.append(sample(session, evse))
    assert all(b.energy_wh > a.energy_wh and b.soc >= a.soc for a, b in zip(readings, readings[1:]))
    assert evse.meter_wh - 1_000 == session.energy_wh
    assert 20 < readings[-1].soc <= 100 and readings[-1].current_a > 0


def test_ac_readings_carry_no_state_of_charge() -> None:
    evse = Evse(1, dc=False, max_power_w=22_000, meter_wh=0)
    assert sample(None, evse).soc is None and sample(None, evse).power_w == 0


async def test_a_flag_wakes_its_waiters_and_times_out() -> None:
    flag = Flag()
    assert await flag.wait(0.001) is False
    waiter = asyncio.ensure_future(flag.wait())
    await asyncio.sleep(0)
    flag.set()
    assert await waiter is True


async def test_a_flag_never_swallows_a_cancellation() -> None:
    flag = Flag()
    waiter = asyncio.ensure_future(flag.wait(10))
    await asyncio.sleep(0)
    flag.set()
    waiter.cancel()
    try:
        await waiter
    except asyncio.CancelledError:
        pass
    assert waiter.cancelled() or waiter.result() is True


def test_the_status_line_and_summary_say_what_happened() -> None:
    stats = Stats(chargers=10, connected=9, booted=8, sessions_active=3, sessions_finished=12, sent=1234,
                  energy_wh=45_600)
    stats.error("timeout", "SIM-0001: no answer to Heartbeat in 30s")
    stats.command("Reset")
    line = status_line(stats, rate=12.0)
    assert "connected 9/10" in line and "3 active, 12 done" in line and "45.6 kWh" in line and "errors 1" in line
    text = summary(stats)
    assert "commands: Reset 1" in text and "timeout 1" in text and "no answer to Heartbeat" in text


def test_progress_prints_plain_lines_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(Stats(chargers=1), out)
    progress.draw()
    progress.finish()
    assert "\x1b" not in out.getvalue() and "connected 0/1" in out.getvalue()


class SlowServer:
    """A link whose first BootNotification goes unanswered (timeout), then accepts."""

    connected = True

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def call(self, action: str, payload: dict) -> dict:
        self.calls.append(action)
        if action == "BootNotification" and self.calls.count(action) == 1:
            raise asyncio.TimeoutError()
        if action == "BootNotification":
            return {"status": "Accepted", "interval": 3600, "currentTime": "2030-01-01T00:00:00Z"}
        return {}


async def test_a_boot_the_server_does_not_answer_is_tried_again() -> None:
    from cpms.simulator.scenario import Scenario
    from cpms.simulator.v16 import Behaviour16

    stats = Stats(chargers=1)
    b = Behaviour16("SIM-SLOW", [Evse(1, dc=False, max_power_w=22_000, meter_wh=0)], Scenario(sessions=False), stats)
    b.boot_retry_min = 0.01
    b.link = SlowServer()  # type: ignore[assignment]
    running = asyncio.ensure_future(b.on_connected())
    while not b.booted:
        await asyncio.sleep(0.01)
    running.cancel()
    assert b.link.calls[:2] == ["BootNotification", "BootNotification"]  # type: ignore[union-attr]
    assert b.heartbeat_interval == 3600 and stats.booted == 1 and stats.errors == 0
