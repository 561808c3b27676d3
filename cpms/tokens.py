"""API tokens: created, listed, revoked and checked. Only their sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.events import Event
from cpms.storage.db import Database
from cpms.storage.tables.core import api_tokens

PREFIX = "cpms_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _info(row: Any) -> TokenInfo:
    return TokenInfo(row.id, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at)


async def create_token(db: Database, name: str, now: datetime, token: str | None = None) -> tuple[TokenInfo, str]:
    """A new token (or `token` itself, for CPMS_API_TOKEN), returned in clear this once."""
    token = token or new_token()
    async with db.write() as tx:
        result = await tx.conn.execute(
            api_tokens.insert()
            .values(name=name, token_hash=hash_token(token), prefix=token[:12], created_at=now)
            .returning(*api_tokens.c)
        )
        return _info(result.one()), token


async def ensure_token(db: Database, token: str, now: datetime, name: str = "CPMS_API_TOKEN") -> TokenInfo:
    """Make sure `token` is valid (un-revoking it if needed): automation sets it in the environment."""
    digest = hash_token(token)
    async with db.write() as tx:
        row = (await tx.conn.execute(select(api_tokens).where(api_tokens.c.token_hash == digest))).first()
        if row is not None:
            if row.revoked_at is not None:
                await tx.conn.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(revoked_at=None))
            return _info(row)
    info, _ = await create_token(db, name, now, token)
    return info


async def list_tokens(db: Database) -> list[TokenInfo]:
    async with db.read() as conn:
        rows = (await conn.execute(select(api_tokens).order_by(api_tokens.c.id))).all()
    return [_info(r) for r in rows]


async def revoke_token(db: Database, token_id: int, now: datetime) -> bool:
    async with db.write() as tx:
        result = await tx.conn.execute(
            update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if result.rowcount:  # webhook lanes signing with it stop at once (they listen for this)
            await tx.emit(Event(type="apiToken.revoked", entity="apiToken", entity_id=token_id))
        return bool(result.rowcount)


async def active_token_count(conn: AsyncConnection) -> int:
    rows = (await conn.execute(select(api_tokens.c.id).where(api_tokens.c.revoked_at.is_(None)))).all()
    return len(rows)


class TokenChecker:
    """Checks bearer tokens with a short cache, so a request costs a dict lookup, not a query.

    A revoked token stops working within `ttl` seconds, even when revoked by another process
    (the CLI) or another node.
    """

    def __init__(self, db: Database, ttl: float = 2.0) -> None:
        self.db = db
        self.ttl = ttl
        self._cache: dict[str, tuple[float, int | None]] = {}

    async def check(self, token: str) -> int | None:
        digest = hash_token(token)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self.db.read() as conn:
            row = (await conn.execute(
                select(api_tokens.c.id).where(api_tokens.c.token_hash == digest, api_tokens.c.revoked_at.is_(None))
            )).first()
        token_id = row.id if row is not None else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self.ttl, token_id)
        return token_id
