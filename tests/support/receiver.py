"""A tiny HTTP server on loopback that receives webhooks, for end-to-end tests and the benchmark.

    receiver = Receiver()
    await receiver.start()
    ... subscribe with receiver.url("/hooks/a") ...
    await receiver.wait_for(lambda got: len(got) >= 3)
    await receiver.stop()          # down: connections refused
    await receiver.start()         # back, same port

`answer` decides per request: a status code, CLOSE (drop the connection without an answer) or
a (status, delay) pair. Every request is kept in `requests`; those answered 2xx in `acknowledged`.
Run as a program (`python -m tests.support.receiver PORT`) it serves until stdin closes and
prints one JSON line of statistics (count, latency percentiles from each payload's
lastUpdatedAt) per line read from stdin.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CLOSE = "close"
Answer = int | str | tuple[int, float]


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Receiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 answer: Answer | Callable[[Received], Answer] = 202) -> None:
        self.host = host
        self.port = port
        self.answer = answer
        self.requests: list[Received] = []
        self.acknowledged: list[Received] = []
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def url(self, path: str = "/hooks") -> str:
        return f"http://{self.host}:{self.port}{path}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def wait_for(self, condition: Callable[[list[Received]], bool], timeout: float = 30.0) -> None:
        """Poll (bounded) until `condition(acknowledged)` holds; fail with what arrived otherwise."""
        deadline = time.monotonic() + timeout
        while not condition(self.acknowledged):
            if time.monotonic() > deadline:
                got = [(r.header("x-webhook-type"), r.body[:120]) for r in self.acknowledged[-10:]]
                raise AssertionError(f"webhooks did not arrive in {timeout}s; {len(self.acknowledged)} "
                                     f"acknowledged, last: {got}")
            await asyncio.sleep(0.02)

    def _decide(self, request: Received) -> tuple[int | None, float]:
        answer = self.answer(request) if callable(self.answer) else self.answer
        if answer == CLOSE:
            return None, 0.0
        if isinstance(answer, tuple):
            return answer[0], answer[1]
        return int(answer), 0.0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head[:-4].decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                request = Received(method, path, headers, body)
                self.requests.append(request)
                status, delay = self._decide(request)
                if delay:
                    await asyncio.sleep(delay)
                if status is None:
                    return
                if 200 <= status < 300:
                    self.acknowledged.append(request)
                writer.write(b"HTTP/1.1 %d Answer\r\ncontent-length: 0\r\n\r\n" % status)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()


def latency_stats(received: list[Received]) -> dict[str, Any]:
    """Seconds from each payload's lastUpdatedAt (the domain change) to its arrival here."""
    delays = []
    for r in received:
        stamp = json.loads(r.body).get("lastUpdatedAt")
        if stamp:
            delays.append(r.at - datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
    delays.sort()

    def pct(p: float) -> float | None:
        return round(delays[min(len(delays) - 1, int(p * len(delays)))], 4) if delays else None

    return {"count": len(received), "first": min((r.at for r in received), default=None),
            "last": max((r.at for r in received), default=None),
            "p50": pct(0.50), "p99": pct(0.99), "max": delays[-1] if delays else None}


async def _main(port: int) -> None:
    receiver = Receiver(port=port)
    await receiver.start()
    print(json.dumps({"port": receiver.port}), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        print(json.dumps(latency_stats(receiver.acknowledged)), flush=True)
    await receiver.stop()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
