"""The `cpms` command: serve, manage API tokens, migrate, simulate chargers."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from cpms.clock import Clock, iso
from cpms.config import Settings


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    import uvicorn

    from cpms.server import Server

    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    scheme = "https" if settings.tls_cert else "http"
    ws = "wss" if settings.tls_cert else "ws"
    print(f"cpms serving on {scheme}://{settings.host}:{settings.port}\n"
          f"  Public API  {scheme}://{settings.host}:{settings.port}/public-api/\n"
          f"  API docs    {scheme}://{settings.host}:{settings.port}/docs\n"
          f"  OCPP        {ws}://{settings.host}:{settings.port}/ocpp/{{networkId}}\n"
          f"  database    {_safe_url(settings.effective_database_url)}", file=sys.stderr, flush=True)
    config = uvicorn.Config(
        Server(settings, settle_heap=True),
        host=settings.host,
        port=settings.port,
        lifespan="on",
        ws="websockets-sansio",
        ws_ping_interval=settings.ocpp_ping_interval,
        ws_ping_timeout=settings.ocpp_ping_timeout,
        ws_max_size=1_048_576,
        log_level=settings.log_level.lower(),
        access_log=False,
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
        ssl_ca_certs=settings.tls_client_ca,
        ssl_cert_reqs=2 if settings.tls_client_ca else 0,
        timeout_graceful_shutdown=5,
        backlog=8192,
    )
    uvicorn.Server(config).run()
    return 0


def _safe_url(url: str) -> str:
    if "@" in url:
        head, tail = url.split("@", 1)
        scheme = head.split("://", 1)[0]
        return f"{scheme}://***@{tail}"
    return url


async def _with_db(settings: Settings):  # type: ignore[no-untyped-def]
    from cpms.storage.db import Database

    db = Database(settings.effective_database_url, pool_size=1)
    await db.migrate()
    return db


def _token(settings: Settings, args: argparse.Namespace) -> int:
    from cpms import tokens

    async def run() -> int:
        db = await _with_db(settings)
        try:
            now = Clock().now()
            if args.token_command == "create":
                info, token = await tokens.create_token(db, args.name, now)
                print(token)
                print(f"created token {info.id} ({info.name}); it is shown only this once", file=sys.stderr)
                return 0
            if args.token_command == "list":
                rows = await tokens.list_tokens(db)
                print(f"{'ID':>4}  {'NAME':<24} {'PREFIX':<14} {'CREATED':<28} STATUS")
                for t in rows:
                    status = f"revoked {iso(t.revoked_at)}" if t.revoked_at else "active"
                    print(f"{t.id:>4}  {t.name[:24]:<24} {t.prefix:<14} {iso(t.created_at):<28} {status}")
                return 0
            if args.token_command == "revoke":
                if await tokens.revoke_token(db, args.id, now):
                    print(f"revoked token {args.id}")
                    return 0
                print(f"no active token with id {args.id}", file=sys.stderr)
                return 1
            return 2
        finally:
            await db.close()

    return asyncio.run(run())


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    async def run() -> None:
        db = await _with_db(settings)
        await db.close()

    asyncio.run(run())
    print("database is at the latest schema", file=sys.stderr)
    return 0


def _simulate(settings: Settings, args: argparse.Namespace) -> int:
    from cpms.simulator.cli import run_simulator

    return run_simulator(settings, args)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cpms", description="Charge Point Management System")
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the Public API and OCPP (settings from CPMS_* variables)")
    token = sub.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token and print it")
    create.add_argument("--name", required=True)
    token_sub.add_parser("list", help="list tokens")
    revoke = token_sub.add_parser("revoke", help="revoke a token")
    revoke.add_argument("id", type=int)
    sub.add_parser("migrate", help="bring the database schema up to date")
    try:
        from cpms.simulator.cli import add_arguments
    except ImportError:
        add_arguments = None
    if add_arguments is not None:
        add_arguments(sub.add_parser("simulate", help="simulate OCPP chargers against a cpms server"))
    return root


COMMANDS = {"serve": _serve, "token": _token, "migrate": _migrate, "simulate": _simulate}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    return COMMANDS[args.command](settings, args)
