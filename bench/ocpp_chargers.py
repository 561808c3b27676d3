"""The load process of bench/ocpp_load.py: N chargers and the scenarios they play.

It reports on stdout, one JSON object a line (`emit`): measure-start / measure-end around the
measured window, and the result. OCPP 1.6 by default; `--protocol 2.0.1` boots 2.0.1 chargers and
sends TransactionEvent Updated with meter values instead of MeterValues.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import resource
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from ocpp_common import PREFIX, emit, raise_open_files
from ocpp_wire import Wire

BOOT = {"1.6": {"chargePointVendor": "cpms-bench", "chargePointModel": "Load"},
        "2.0.1": {"reason": "PowerUp", "chargingStation": {"vendorName": "cpms-bench", "model": "Load"}}}
Message = Callable[[], tuple[str, dict[str, Any]]]  # the next (action, payload) a charger sends


class Load:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.host, _, rest = args.url.removeprefix("ws://").partition("/")
        self.base_path = "/" + rest.strip("/") if rest.strip("/") else ""
        self.errors: dict[str, int] = {}
        self.rtts: list[float] = []
        self.messages = 0
        self.measuring = False

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    async def connect(self, n: int) -> Wire:
        host, port = self.host.split(":")
        identity = f"{PREFIX}{n:05d}"
        wire = Wire(self.host, f"{self.base_path}/{identity}", f"ocpp{self.args.protocol}")
        await asyncio.get_running_loop().create_connection(lambda: wire, host, int(port))
        await wire.opened
        return wire

    async def connect_and_boot(self, n: int, gate: asyncio.Semaphore | None = None) -> Wire | None:
        try:
            if gate is None:
                wire = await self.connect(n)
                answer = await wire.call("BootNotification", BOOT[self.args.protocol])
            else:
                async with gate:
                    wire = await self.connect(n)
                    answer = await wire.call("BootNotification", BOOT[self.args.protocol])
        except Exception as exc:
            self.error(f"connect: {type(exc).__name__}: {str(exc)[:60]}")
            return None
        if answer.get("status") != "Accepted":
            self.error(f"boot {answer.get('status')}")
        return wire

    async def connect_all(self, count: int, concurrency: int) -> list[Wire]:
        gate = asyncio.Semaphore(concurrency) if concurrency else None
        wires = await asyncio.gather(*(self.connect_and_boot(n, gate) for n in range(1, count + 1)))
        return [w for w in wires if w is not None]

    async def back_to_back(self, wire: Wire, until: float, call: Message) -> None:
        loop = asyncio.get_running_loop()
        clock = time.perf_counter
        while loop.time() < until:
            action, payload = call()
            began = clock()
            try:
                await wire.call(action, payload)
            except Exception as exc:
                self.error(f"{action}: {str(exc)[:60]}")
                if not wire.open:
                    return
                continue
            if self.measuring:
                self.messages += 1
                self.rtts.append(clock() - began)

    async def measured(self, wires: list[Wire], make: Callable[[int], Message]) -> None:
        loop = asyncio.get_running_loop()
        until = loop.time() + self.args.warmup + self.args.seconds
        runs = [asyncio.ensure_future(self.back_to_back(w, until, make(i))) for i, w in enumerate(wires)]
        await asyncio.sleep(self.args.warmup)
        self.measuring, began, cpu = True, time.perf_counter(), time.process_time()
        emit(event="measure-start")
        await asyncio.sleep(self.args.seconds)
        self.measuring, elapsed, cpu = False, time.perf_counter() - began, time.process_time() - cpu
        emit(event="measure-end")
        await asyncio.gather(*runs)
        self.result(connections=sum(1 for w in wires if w.open), seconds=elapsed, rate=self.messages / elapsed,
                    client_cpu_us_per_msg=cpu / self.messages * 1e6 if self.messages else None)

    def result(self, **values: Any) -> None:
        rtts = sorted(self.rtts)
        pick = (lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))] * 1000) if rtts else (lambda q: None)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        emit(event="result", messages=self.messages, p50_ms=pick(0.50), p99_ms=pick(0.99), errors=self.errors,
             client_cpu_s=usage.ru_utime + usage.ru_stime, client_rss_kb=usage.ru_maxrss, **values)

    # -- scenarios ----------------------------------------------------------------------------------

    async def heartbeats(self) -> None:
        wires = await self.connect_all(self.args.connections, 200)
        emit(event="connected", n=len(wires))
        await self.measured(wires, lambda i: lambda: ("Heartbeat", {}))

    async def meter_values(self) -> None:
        wires = await self.connect_all(self.args.connections, 200)
        emit(event="connected", n=len(wires))
        base = datetime(2030, 1, 1, tzinfo=timezone.utc)
        v201 = self.args.protocol == "2.0.1"
        transactions: list[Any] = []
        for i, wire in enumerate(wires):
            try:
                if v201:
                    transactions.append(f"bench-{i + 1}")
                    await wire.call("TransactionEvent", {
                        "eventType": "Started", "timestamp": base.isoformat(), "triggerReason": "Authorized",
                        "seqNo": 0, "transactionInfo": {"transactionId": transactions[-1], "chargingState": "Charging"},
                        "idToken": {"idToken": f"BENCHTAG{i + 1:05d}", "type": "ISO14443"},
                        "evse": {"id": 1, "connectorId": 1}})
                else:
                    answer = await wire.call("StartTransaction", {
                        "connectorId": 1, "idTag": f"BENCHTAG{i + 1:05d}", "meterStart": 0,
                        "timestamp": base.isoformat()})
                    transactions.append(answer["transactionId"])
            except Exception as exc:
                self.error(f"start: {str(exc)[:80]}")
                transactions.append(None)

        def make(i: int) -> Message:
            tick = itertools.count(1)

            def next_reading() -> tuple[str, dict[str, Any]]:
                n = next(tick)
                moment = (base + timedelta(seconds=n)).isoformat().replace("+00:00", "Z")
                reading = [{"timestamp": moment, "sampledValue": [
                    {"value": n * 3, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}},
                    {"value": 11000, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}}]}]
                if v201:
                    return "TransactionEvent", {"eventType": "Updated", "timestamp": moment, "triggerReason": "MeterValuePeriodic",
                                                "seqNo": n, "transactionInfo": {"transactionId": transactions[i]},
                                                "meterValue": reading}
                return "MeterValues", {"connectorId": 1, "transactionId": transactions[i], "meterValue": [
                    {"timestamp": moment, "sampledValue": [
                        {"value": str(n * 3), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                        {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"}]}]}
            return next_reading

        live = [(w, t) for w, t in zip(wires, transactions) if t is not None]
        wires = [w for w, _ in live]
        transactions = [t for _, t in live]
        await self.measured(wires, make)

    async def idle(self) -> None:
        began = time.perf_counter()
        wires = await self.connect_all(self.args.connections, 500)
        emit(event="connected", n=len(wires), seconds=time.perf_counter() - began)
        await asyncio.sleep(self.args.hold)
        self.result(connections=sum(1 for w in wires if w.open), connect_seconds=None)

    async def reconnect(self) -> None:
        wires = await self.connect_all(self.args.connections, 500)
        emit(event="connected", n=len(wires))
        await asyncio.sleep(2)
        began = time.perf_counter()
        for wire in wires:
            wire.abort()
        await asyncio.gather(*(w.closed for w in wires))
        again = await self.connect_all(self.args.connections, 0)
        elapsed = time.perf_counter() - began
        emit(event="reconnected", n=len(again), seconds=elapsed)
        await asyncio.sleep(2)
        self.result(connections=sum(1 for w in again if w.open), storm_seconds=elapsed, reconnected=len(again))


def worker(args: argparse.Namespace) -> None:
    raise_open_files()
    load = Load(args)
    job = {"heartbeats": load.heartbeats, "meter-values": load.meter_values, "idle": load.idle,
           "reconnect": load.reconnect}[args.scenario]
    try:
        import uvloop
        uvloop.run(job())
    except ImportError:
        asyncio.run(job())
