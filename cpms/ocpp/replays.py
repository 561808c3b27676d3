"""Answering a charger's retransmitted CALL with the first answer, without handling it again.

A charger whose answer was lost (the connection dropped before it arrived) sends the same CALL
again, usually on its next connection: same message id, same payload. For messages whose handling
stores a report (DataTransfer, SecurityEventNotification, status, firmware and log notifications,
SignCertificate ...) a second handling would store and announce it twice. Handlers opt in with
`@on(..., once=True)`; transaction messages do not need it (the sessions domain knows a repeated
start, stop or reading by its natural key).

The key is (action, message id, payload digest) per charger identity, never the message id alone:
many chargers restart their id counter at boot, so the same id with a different payload is a new
message. A reboot restarts the counter, so a BootNotification forgets the charger's entries: after
it, a byte-identical DataTransfer "2" is a new message that gets a fresh answer. Entries live
`CPMS_OCPP_REPLAY_SECONDS` (300; 0 turns this off), at most `PER_CHARGER` per charger, in the
gateway (so they survive a reconnect to the same node, not a restart or a move to another node).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

log = logging.getLogger("cpms.ocpp")

PER_CHARGER = 32
REBOOT = "BootNotification"
SECONDS_SETTING = "CPMS_OCPP_REPLAY_SECONDS"
SECONDS = 300.0
Key = tuple[str, str, bytes]


@dataclass
class _Entry:
    expires: float
    answer: asyncio.Future[dict[str, Any] | None]


def seconds(extra: Mapping[str, str]) -> float:
    """How long a report is remembered (CPMS_OCPP_REPLAY_SECONDS; 0 turns replays off, nonsense is the default)."""
    try:
        value = float(extra.get(SECONDS_SETTING) or SECONDS)
    except ValueError:
        return SECONDS
    return value if value >= 0 else SECONDS


def digest(payload: dict[str, Any]) -> bytes:
    """The payload's fingerprint, independent of key order (a retransmission may serialise anew)."""
    return hashlib.blake2b(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


class Replays:
    def __init__(self, ttl: float, per_charger: int = PER_CHARGER,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.per_charger = per_charger
        self.clock = clock
        self._by_identity: dict[str, OrderedDict[Key, _Entry]] = {}

    def forget(self, identity: str) -> None:
        """The charger rebooted: its message ids start over, so nothing it sent before is a repeat."""
        self._by_identity.pop(identity, None)

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_identity.values())

    async def answer(self, identity: str, action: str, unique_id: str, payload: dict[str, Any],
                     handle: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        """`handle()`'s answer, or the first answer when this CALL was handled (or is being handled) already.

        A failed handling (CALLERROR) is not remembered: nothing was written, so its repeat is handled.
        """
        if self.ttl <= 0:
            return await handle()
        key = (action, unique_id, digest(payload))
        entries = self._live(identity)
        known = entries.get(key)
        if known is not None:
            first = await asyncio.shield(known.answer)
            if first is not None:
                log.info("%s repeated %s %s: answered as the first time, nothing handled again",
                         identity, action, unique_id)
                return first
        entry = _Entry(self.clock() + self.ttl, asyncio.get_running_loop().create_future())
        entries[key] = entry
        while len(entries) > self.per_charger:
            entries.popitem(last=False)
        try:
            result = await handle()
        except BaseException:
            entry.answer.set_result(None)
            if self._by_identity.get(identity, {}).get(key) is entry:
                del self._by_identity[identity][key]
            raise
        entry.answer.set_result(result)
        return result

    def sweep(self) -> None:
        """Drop expired entries of every charger (those that went away included)."""
        for identity in list(self._by_identity):
            self._live(identity)
            if not self._by_identity[identity]:
                del self._by_identity[identity]

    def _live(self, identity: str) -> OrderedDict[Key, _Entry]:
        entries = self._by_identity.setdefault(identity, OrderedDict())
        now = self.clock()
        while entries:
            oldest = next(iter(entries.values()))
            if oldest.expires > now or not oldest.answer.done():
                break
            entries.popitem(last=False)
        return entries
