"""What becomes due with time alone: remote starts never answered by a StartTransaction,
reservations past their expiry, chargers absent long enough to be long-term unavailable.

Swept periodically by the scheduler component, and also just before a start or a reservation,
so nothing depends on a timer surviving a restart. Each sweep is idempotent: two nodes sweeping
at once change each row once.
"""

from __future__ import annotations

from datetime import datetime

from cpms.config import Settings
from cpms.domain import authorizations as auth
from cpms.domain import presence, remote_starts, reservations
from cpms.storage.db import Tx


async def expire_due(tx: Tx, now: datetime, settings: Settings) -> None:
    await remote_starts.expire_waiting(tx, now, auth.start_window(settings))
    await reservations.expire_due(tx, now)
    await presence.sweep_long_term(tx, now)
