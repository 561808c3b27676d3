"""`cpms simulate`: arguments, provisioning, the run, Ctrl-C.

    cpms simulate --url http://127.0.0.1:8080 --token TOKEN --chargers 50 --speed 60

The first Ctrl-C ends the sessions as drivers would (StopTransaction / TransactionEvent Ended)
and closes the connections; a second one quits at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import signal
import sys
from typing import TextIO

from cpms.config import Settings
from cpms.loop import run
from cpms.simulator import provision
from cpms.simulator.progress import Progress, Stats, summary
from cpms.simulator.scenario import Scenario
from cpms.simulator.simulation import Simulation, ws_base_for


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Simulate OCPP chargers against a cpms server: they boot, send heartbeats and status, "
                     "run charging sessions with meter values, and answer the server's commands.")
    p.add_argument("--url", help="the cpms server (default http://CPMS_HOST:CPMS_PORT)")
    p.add_argument("--ws-url", help="the OCPP endpoint, without the identity (default: --url with ws:// and /ocpp)")
    p.add_argument("--token", help="Public API token (default: $CPMS_API_TOKEN)")
    p.add_argument("--chargers", type=int, default=10, help="how many chargers (default 10)")
    p.add_argument("--protocol", choices=("1.6", "2.0.1", "mixed"), default="1.6",
                   help="OCPP version of charge points the simulator creates (default 1.6)")
    p.add_argument("--evses", type=int, default=2, help="EVSEs per created charge point (default 2)")
    p.add_argument("--dc-share", type=float, default=0.25, help="share of DC chargers (default 0.25)")
    p.add_argument("--session-minutes", type=float, default=30.0, help="mean session length (default 30)")
    p.add_argument("--idle-minutes", type=float, default=10.0, help="mean gap between sessions (default 10)")
    p.add_argument("--meter-interval", type=float, default=60.0, help="seconds between MeterValues (default 60)")
    p.add_argument("--speed", type=float, default=1.0, help="simulated time runs this much faster (default 1)")
    p.add_argument("--prefix", default="SIM-", help="identities are PREFIX0001, PREFIX0002 ... (default SIM-)")
    p.add_argument("--first", type=int, default=1, help="number of the first charger (default 1)")
    p.add_argument("--id-tags", type=int, help="drivers' id tags (default: one per EVSE, at most 1,000)")
    p.add_argument("--password", help="OCPP Basic-auth password (set on charge points the simulator creates)")
    p.add_argument("--ramp", type=float, default=200.0, help="new connections per second at start (default 200)")
    p.add_argument("--duration", type=float, default=0.0, help="stop after this many seconds (default: Ctrl-C)")
    p.add_argument("--no-provision", action="store_true",
                   help="create nothing through the API (charge points and the SIMTAGnnnn id tags must exist)")
    p.add_argument("--no-sessions", action="store_true", help="boot and heartbeat only: no charging")
    p.add_argument("--seed", type=int, help="random seed, for a repeatable run")
    p.add_argument("--quiet", action="store_true", help="no live status line; a summary at the end")


def _check(args: argparse.Namespace) -> str | None:
    if args.chargers < 1:
        return "--chargers must be at least 1"
    if not 1 <= args.evses <= 99:
        return "--evses must be between 1 and 99"
    if args.speed <= 0 or args.meter_interval <= 0 or args.session_minutes <= 0 or args.idle_minutes < 0:
        return "--speed, --meter-interval and --session-minutes must be positive"
    if not 0 <= args.dc_share <= 1:
        return "--dc-share is a fraction between 0 and 1"
    if len(f"{args.prefix}{args.first + args.chargers:04d}") > 48:
        return "--prefix is too long for an OCPP identity"
    return None


def raise_open_files_limit() -> int:
    """Every charger is a socket: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return soft


def id_tags(count: int) -> tuple[str, ...]:
    return tuple(f"SIMTAG{n:04d}" for n in range(1, max(count, 1) + 1))


async def simulate(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stderr) -> int:
    url = (args.url or f"http://{settings.host}:{settings.port}").rstrip("/")
    token = args.token or settings.api_token
    specs = provision.plan(args.prefix, args.chargers, args.first, args.protocol, args.evses, args.dc_share)
    tags = id_tags(args.id_tags if args.id_tags is not None else min(args.chargers * args.evses, 1000))
    if not args.no_provision:
        print(f"making sure {len(specs)} charge points exist on {url} ...", file=out, flush=True)
        try:
            for note in await provision.ensure(url, token, specs, tags, args.password):
                print(f"  {note}", file=out)
        except provision.ProvisionError as exc:
            print(f"cpms simulate: {exc}", file=out)
            return 2
    limit = raise_open_files_limit()
    if limit < len(specs) + 100:
        print(f"warning: only {limit} open files allowed; raise it (ulimit -n) for {len(specs)} chargers", file=out)
    scenario = Scenario(session_minutes=args.session_minutes, idle_minutes=args.idle_minutes,
                        meter_interval=args.meter_interval, speed=args.speed, id_tags=tags,
                        sessions=not args.no_sessions)
    ws_base = args.ws_url or ws_base_for(url)
    stats = Stats()
    sim = Simulation(specs, ws_base, scenario, password=args.password, seed=args.seed, ramp=args.ramp, stats=stats)
    print(f"{len(specs)} chargers -> {ws_base}/{{identity}} (speed x{args.speed:g}); Ctrl-C to stop",
          file=out, flush=True)

    loop = asyncio.get_running_loop()
    stop, force = asyncio.Event(), asyncio.Event()

    def interrupted() -> None:
        (force if stop.is_set() else stop).set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, interrupted)
    progress = None if args.quiet else Progress(stats, out)
    drawing = asyncio.ensure_future(progress.run()) if progress else None
    await sim.start()
    try:
        waiting = [asyncio.ensure_future(stop.wait())]
        if args.duration > 0:
            waiting.append(asyncio.ensure_future(asyncio.sleep(args.duration)))
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        for w in waiting:
            w.cancel()
        if progress:
            drawing.cancel()  # type: ignore[union-attr]
            progress.leave()
            out.write("stopping: ending sessions and closing connections (Ctrl-C again to quit now)\n")
            out.flush()
        stopping = asyncio.ensure_future(sim.stop(grace=10.0))
        await asyncio.wait([stopping, asyncio.ensure_future(force.wait())], return_when=asyncio.FIRST_COMPLETED)
        if not stopping.done():
            stopping.cancel()
    finally:
        if drawing:
            drawing.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    if progress:
        progress.finish()
    else:
        print(summary(stats), file=out)
    return 0 if stats.connects else 1


def run_simulator(settings: Settings, args: argparse.Namespace) -> int:
    problem = _check(args)
    if problem:
        print(f"cpms simulate: {problem}", file=sys.stderr)
        return 2
    return run(simulate(settings, args))
