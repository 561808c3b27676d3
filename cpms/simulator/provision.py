"""Make sure the simulated charge points (with EVSEs and connectors) and id tags exist, through
the Public API, as an operator would create them.

Charge points that already exist are used as they are configured: their protocol decides which
behaviour simulates them, their EVSEs (number, AC/DC, power) decide what is simulated. Missing
ones are created with `--evses` EVSEs, one connector each.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

CHARGE_POINTS = "/public-api/resources/charge-points/v2.0"
ID_TAGS = "/public-api/resources/id-tags/v2.0"
AC_POWER_W = 22_000
DC_POWER_W = 150_000
CONCURRENCY = 16


class ProvisionError(Exception):
    """The API cannot give the simulator what it needs; the message says what to do."""


@dataclass
class EvseSpec:
    number: int
    dc: bool
    max_power_w: float
    id: int | None = None  # the EVSE's id in the API, once known


@dataclass
class ChargerSpec:
    identity: str
    protocol: str  # "ocpp 1.6" | "ocpp 2.0.1"
    dc: bool
    evses: list[EvseSpec] = field(default_factory=list)
    charge_point_id: int | None = None


def plan(prefix: str, count: int, start: int, protocol: str, evses: int, dc_share: float) -> list[ChargerSpec]:
    """The chargers to simulate; which are DC is stable per identity across runs."""
    specs = []
    for n in range(start, start + count):
        identity = f"{prefix}{n:04d}"
        label = {"1.6": "ocpp 1.6", "2.0.1": "ocpp 2.0.1"}.get(protocol) or ("ocpp 1.6" if n % 2 else "ocpp 2.0.1")
        dc = random.Random(identity).random() < dc_share
        power = DC_POWER_W if dc else AC_POWER_W
        specs.append(ChargerSpec(identity, label, dc, [EvseSpec(i, dc, power) for i in range(1, evses + 1)]))
    return specs


def _problem(response: httpx.Response, doing: str) -> ProvisionError:
    try:
        body = response.json()
        message = body.get("message", "") if isinstance(body, dict) else ""
        errors = body.get("errors") if isinstance(body, dict) else None
    except ValueError:
        message, errors = response.text[:200], None
    detail = f"{message} {errors}" if errors else message
    if response.status_code == 401:
        return ProvisionError(f"{doing}: the API token was refused (401). Pass --token or set CPMS_API_TOKEN.")
    if response.status_code == 501:
        return ProvisionError(f"{doing}: this server cannot do that yet (501: {message}). Create the charge points "
                              f"another way and run with --no-provision.")
    return ProvisionError(f"{doing}: HTTP {response.status_code} {detail}".strip())


async def _request(client: httpx.AsyncClient, method: str, url: str, doing: str, expect: int,
                   **kwargs: Any) -> dict[str, Any]:
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise ProvisionError(f"{doing}: cannot reach {client.base_url} ({type(exc).__name__}: {exc})") from None
    if response.status_code != expect:
        raise _problem(response, doing)
    return response.json()


async def _pages(client: httpx.AsyncClient, url: str, doing: str,
                 params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"per_page": 100, **(params or {})}
        if cursor:
            query["cursor"] = cursor
        page = await _request(client, "GET", url, doing, 200, params=query)
        items.extend(page.get("data") or [])
        cursor = (page.get("meta") or {}).get("next_cursor")
        if not cursor or not page.get("data"):
            return items


async def _bounded(jobs: Iterable[Callable[[], Awaitable[None]]]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


def _evse_spec(doc: dict[str, Any], fallback_dc: bool) -> EvseSpec | None:
    try:
        number = int(doc.get("networkId"))
    except (TypeError, ValueError):
        return None
    dc = (doc.get("currentType") or ("dc" if fallback_dc else "ac")) == "dc"
    power = ((doc.get("powerOptions") or {}).get("maxPower")) or (DC_POWER_W if dc else AC_POWER_W)
    return EvseSpec(number, dc, float(power), doc.get("id"))


async def _create(client: httpx.AsyncClient, spec: ChargerSpec, password: str | None) -> None:
    network: dict[str, Any] = {"id": spec.identity, "protocol": spec.protocol}
    if password:
        network["password"] = password
    body = {"name": f"Simulated {spec.identity}", "type": "public", "status": "enabled", "network": network}
    created = await _request(client, "POST", CHARGE_POINTS, f"creating charge point {spec.identity}", 201, json=body)
    spec.charge_point_id = created["data"]["id"]
    await _create_evses(client, spec)


async def _create_evses(client: httpx.AsyncClient, spec: ChargerSpec) -> None:
    base = f"{CHARGE_POINTS}/{spec.charge_point_id}/evses"
    for evse in spec.evses:
        body = {"physicalReference": f"{spec.identity}-{evse.number}", "currentType": "dc" if evse.dc else "ac",
                "networkId": str(evse.number), "status": "enabled",
                "powerOptions": {"maxPower": int(evse.max_power_w)}}
        doing = f"creating EVSE {evse.number} of {spec.identity}"
        created = (await _request(client, "POST", base, doing, 201, json=body))["data"]
        evse.id = created["id"]
        if not created.get("connectors"):
            connector = {"type": "ccs2", "format": "cable"} if evse.dc else {"type": "type2", "format": "socket"}
            await _request(client, "POST", f"{base}/{created['id']}/connectors",
                           f"creating the connector of EVSE {evse.number} of {spec.identity}", 201,
                           json={**connector, "status": "enabled"})


async def _adopt(client: httpx.AsyncClient, spec: ChargerSpec, doc: dict[str, Any]) -> None:
    """An existing charge point: simulate it as configured."""
    spec.charge_point_id = doc["id"]
    protocol = (doc.get("network") or {}).get("protocol")
    if protocol in ("ocpp 1.6", "ocpp 2.0.1"):
        spec.protocol = protocol
    docs = await _pages(client, f"{CHARGE_POINTS}/{doc['id']}/evses", f"reading the EVSEs of {spec.identity}",
                        {"include[]": "connectors"})
    found = [e for e in (_evse_spec(d, spec.dc) for d in docs) if e is not None]
    if found:
        spec.evses = sorted(found, key=lambda e: e.number)
        spec.dc = any(e.dc for e in found)
    else:
        await _create_evses(client, spec)


async def ensure_id_tags(client: httpx.AsyncClient, tags: Iterable[str]) -> str | None:
    """Create the simulator's id tags where missing; a warning (not a failure) if the API cannot."""
    wanted = list(tags)
    if not wanted:
        return None
    try:
        existing = {t.get("idTagUid") for t in await _pages(client, ID_TAGS, "listing id tags")}

        async def create(tag: str) -> None:
            await _request(client, "POST", ID_TAGS, f"creating id tag {tag}", 201,
                           json={"idTagUid": tag, "status": "enabled", "type": "rfid", "idLabel": "cpms simulator"})

        await _bounded([lambda tag=tag: create(tag) for tag in wanted if tag not in existing])
    except ProvisionError as exc:
        return f"id tags not provisioned: {exc}"
    return None


async def ensure(api_url: str, token: str | None, specs: list[ChargerSpec], id_tags: Iterable[str],
                 password: str | None = None) -> list[str]:
    """Create what is missing; returns notes for the operator. ProvisionError when charge points cannot be had."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30.0, limits=limits) as client:
        wanted = {s.identity: s for s in specs}
        existing = {}
        for doc in await _pages(client, CHARGE_POINTS, "listing charge points"):
            network_id = (doc.get("network") or {}).get("id")
            if network_id in wanted:
                existing[network_id] = doc
        notes = []
        jobs: list[Callable[[], Awaitable[None]]] = []
        for spec in specs:
            doc = existing.get(spec.identity)
            requested = spec.protocol
            if doc is None:
                jobs.append(lambda spec=spec: _create(client, spec, password))
            else:
                jobs.append(lambda spec=spec, doc=doc: _adopt(client, spec, doc))
            if doc is not None and (doc.get("network") or {}).get("protocol") not in (None, requested):
                notes.append(f"{spec.identity} exists as {doc['network']['protocol']}; simulated as such")
        await _bounded(jobs)
        tag_warning = await ensure_id_tags(client, id_tags)
        if tag_warning:
            notes.append(tag_warning)
        notes.insert(0, f"{len(existing)} charge points found, {len(specs) - len(existing)} created")
        return notes
