"""A page of charge points or EVSEs costs the same number of queries whatever its size.

Related rows (EVSEs of charge points, connectors of EVSEs) are loaded for the whole page in one
query per relation, never one query per row: a list of 100 stays cheap on a network of 100,000.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, insert

from cpms.storage.tables.charge_points import charge_points, connectors, evses
from tests.resources.test_charge_points import CPS
from tests.resources.test_charge_points_v1 import V1
from tests.resources.test_evses import EVSES
from tests.resources.test_evses_v20 import V20
from tests.support.databases import BACKEND

CHARGE_POINTS = 60


@contextmanager
def counted(server) -> Iterator[list[str]]:
    """The statements run for requests made inside the block, by the test's own task.

    The in-process transport serves a request in the task that sends it; the server's background
    loops (scheduler, liveness, webhook scans) read the database whenever they are due, and one of
    them falling into the block made the count flaky."""
    statements: list[str] = []
    mine = asyncio.current_task()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if asyncio.current_task() is not mine:
            return
        # the token check is cached for a few seconds, so whether a request repeats it depends on the clock
        if "api_tokens" not in statement:
            statements.append(statement)

    engines = [engine.sync_engine for engine in server.rt.db.engines]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
async def network(server) -> None:
    now = server.rt.clock.now()
    stamps = {"attrs": {"tags": ["t"]}, "created_at": now, "last_updated_at": now}
    async with server.rt.db.write() as tx:
        await tx.conn.execute(insert(charge_points), [
            {"name": f"CP {n}", "type": "public", "status": "enabled", "network_id": f"COST-{n}",
             "managed_by_operator": True, "network_status": "never_connected", "security_profile": 0, **stamps}
            for n in range(1, CHARGE_POINTS + 1)])
        await tx.conn.execute(insert(evses), [
            {"charge_point_id": cp, "network_id": str(n), "physical_reference": f"{cp}-{n}", "status": "enabled",
             "current_type": "ac", **stamps} for cp in range(1, CHARGE_POINTS + 1) for n in (1, 2)])
        await tx.conn.execute(insert(connectors), [
            {"evse_id": evse, "number": 1, "type": "type2", "status": "enabled", **stamps}
            for evse in range(1, 2 * CHARGE_POINTS + 1)])


@pytest.mark.parametrize("url", [CPS, V1, EVSES, V20, f"{CPS}/1/evses"])
async def test_a_page_costs_the_same_whatever_its_size(api, server, network, url) -> None:
    params = {"include[]": ["connectors", "chargingProfile"]} if "charge-points/v2.0/1" in url or url == EVSES else {}
    if url == CPS:
        params = {"include[]": ["lastBootNotification", "chargingProfile"]}
    await api.get(url, params={**params, "per_page": 1})  # the first request also opens connections
    costs = []
    for per_page in (2, 50):
        with counted(server) as statements:
            response = await api.get(url, params={**params, "per_page": per_page})
        assert response.status_code == 200, response.json()
        assert len(response.json()["data"]) == (2 if url.endswith("/1/evses") else per_page)
        costs.append(len(statements))
    assert 0 < costs[0] == costs[1], costs
    assert costs[1] <= 3, costs  # (page count,) the page, one per relation


async def test_connectors_and_evses_arrive_with_the_page(api, network) -> None:
    v1 = (await api.get(V1, params={"per_page": 3})).json()["data"]
    assert [len(cp["evses"]) for cp in v1] == [2, 2, 2]
    v20 = (await api.get(V20, params={"per_page": 3})).json()["data"]
    assert [[c["type"] for c in e["connectors"]] for e in v20] == [["type2"]] * 3


@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite binds a page's ids as an expanding IN")
async def test_connectors_of_any_page_are_one_prepared_statement_on_postgresql(api, server, network) -> None:
    """The page's EVSE ids go as one array parameter: the statement's text (PostgreSQL's prepared
    statement, SQLAlchemy's compiled one) does not grow with the page, so it is not rendered anew."""
    texts = []
    for per_page in (2, 50):
        with counted(server) as statements:
            response = await api.get(EVSES, params={"include[]": ["connectors"], "per_page": per_page})
        assert [len(e["connectors"]) for e in response.json()["data"]] == [1] * per_page
        texts += [s for s in statements if "FROM connectors" in s]
    assert len(texts) == 2 and texts[0] == texts[1], texts
