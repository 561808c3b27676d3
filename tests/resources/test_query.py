"""Page-style listings: the total is exact, and looked up only when the page cannot tell it: the
table's row count kept by the database for a whole table (read in the page's own statement), a
count of the matching rows otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from cpms.resources import query
from cpms.resources.query import encode_cursor
from cpms.storage.tables.charge_points import charge_points, evses
from tests.resources.test_charge_points_listing_cost import counted

V20 = "/public-api/resources/evses/v2.0"


async def add_evses(server: Any, prefix: str, count: int) -> None:
    """A charge point with `count` EVSEs, written straight to the database (fast enough for thousands)."""
    now = server.rt.clock.now()
    stamps = {"attrs": {}, "created_at": now, "last_updated_at": now}
    async with server.rt.db.write() as tx:
        cp = (await tx.conn.execute(insert(charge_points).values(
            name="CP", type="public", status="enabled", network_id=f"{prefix}-1", managed_by_operator=True,
            network_status="never_connected", security_profile=0, **stamps).returning(charge_points.c.id))).scalar_one()
        await tx.conn.execute(insert(evses), [
            {"charge_point_id": cp, "network_id": str(n), "physical_reference": f"{prefix}-{n}", "status": "enabled",
             "current_type": "ac", **stamps} for n in range(1, count + 1)])


@pytest.fixture
async def five_evses(server) -> None:
    await add_evses(server, "Q", 5)


@pytest.mark.parametrize("per_page, page, items, total, last_page, alone", [
    (10, 1, 5, 5, 1, False),  # everything on the first page
    (2, 3, 1, 5, 3, False),  # the last page, partly filled
    (2, 1, 2, 5, 3, False),  # a full page: more may follow (the row count came with the rows)
    (5, 1, 5, 5, 1, False),  # exactly full: only the row count can tell there is no more
    (2, 4, 0, 5, 3, True),  # beyond the last page: no rows to bring it, so it is read by itself
])
async def test_the_total_is_exact_and_costs_a_statement_only_beyond_the_last_page(
        api, server, five_evses, per_page, page, items, total, last_page, alone) -> None:
    await api.get(V20, params={"per_page": 1})  # the first request also opens connections and checks the token
    with counted(server) as statements:
        answer = (await api.get(V20, params={"per_page": per_page, "page": page})).json()
    assert len(answer["data"]) == items
    meta = answer["meta"]
    assert (meta["total"], meta["last_page"], meta["current_page"]) == (total, last_page, page)
    assert meta["from"] == ((page - 1) * per_page + 1 if items else None)
    assert meta["to"] == ((page - 1) * per_page + items if items else None)
    assert (answer["links"]["next"] is not None) == (page < last_page)
    by_itself = any("row_counts" in sql and "FROM evses" not in sql for sql in statements)
    scanned = any("count(" in sql.lower() and "row_counts" not in sql for sql in statements)
    assert (by_itself, scanned) == (alone, False)


async def test_an_empty_listing_has_one_empty_page(api, server) -> None:
    answer = (await api.get(V20, params={"page": 1})).json()
    assert answer["data"] == [] and answer["meta"]["total"] == 0 and answer["meta"]["last_page"] == 1


GROUPS = "/public-api/resources/user-groups/v1.0"


async def test_the_total_follows_creates_and_deletes_through_the_api(api, server) -> None:
    ids = [(await api.post(GROUPS, json={"name": f"Fleet {n}"})).json()["data"]["id"] for n in range(5)]
    assert (await api.get(GROUPS, params={"per_page": 2})).json()["meta"]["total"] == 5
    for gone in ids[:2]:
        assert (await api.delete(f"{GROUPS}/{gone}")).status_code == 204
    assert (await api.post(GROUPS, json={"name": None})).status_code == 422
    meta = (await api.get(GROUPS, params={"per_page": 2, "page": 1})).json()["meta"]
    assert (meta["total"], meta["last_page"]) == (3, 2)


async def test_a_filtered_total_counts_the_matching_rows(api, server, five_evses) -> None:
    now = server.rt.clock.now()
    stamps = {"attrs": {}, "created_at": now, "last_updated_at": now}
    async with server.rt.db.write() as tx:
        for n in range(3):
            cp = (await tx.conn.execute(insert(charge_points).values(
                name=f"CP {n}", type="public", status="enabled", network_id=f"Q2-{n}", managed_by_operator=True,
                network_status="never_connected", security_profile=0, **stamps)
                .returning(charge_points.c.id))).scalar_one()
            await tx.conn.execute(insert(evses).values(charge_point_id=cp, network_id="1", physical_reference="Z9",
                                                       status="enabled", current_type="ac", **stamps))
    with counted(server) as statements:
        answer = (await api.get(V20, params={"per_page": 2, "filter[physicalReference]": "Z9"})).json()
    assert (answer["meta"]["total"], answer["meta"]["last_page"]) == (3, 2)
    assert not any("row_counts" in sql for sql in statements)
    assert (await api.get(V20, params={"per_page": 2})).json()["meta"]["total"] == 8


@pytest.fixture
async def many_evses(server) -> list[int]:
    """1,205 EVSEs with a few ids deleted: a deep page must still be the rows at its offset."""
    await add_evses(server, "D", 1205)
    async with server.rt.db.write() as tx:
        ids = sorted((await tx.conn.execute(select(evses.c.id))).scalars())
        gone = ids[10:20]  # holes before the deep pages
        await tx.conn.execute(delete(evses).where(evses.c.id.in_(gone)))
    return [i for i in ids if i not in gone]


@pytest.mark.parametrize("page, expected", [(11, 100), (12, 95), (13, 0)])
async def test_a_deep_page_holds_the_rows_at_its_offset(api, many_evses, page, expected) -> None:
    answer = (await api.get(V20, params={"per_page": 100, "page": page})).json()
    assert [e["id"] for e in answer["data"]] == many_evses[(page - 1) * 100:page * 100]
    assert len(answer["data"]) == expected and answer["meta"]["total"] == 1195


async def test_a_whole_table_is_walked_alike_by_cursor_both_ways_and_by_page(api, server) -> None:
    await add_evses(server, "W", 23)
    everything = [e["id"] for e in (await api.get(V20, params={"per_page": 100})).json()["data"]]
    forward: list[int] = []
    answer = (await api.get(V20, params={"per_page": 5, "cursor": encode_cursor(0, False)})).json()
    while True:
        forward += [e["id"] for e in answer["data"]]
        if not answer["meta"]["next_cursor"]:
            break
        answer = (await api.get(V20, params={"per_page": 5, "cursor": answer["meta"]["next_cursor"]})).json()
    backward: list[int] = []
    cursor = encode_cursor(everything[-1] + 1, True)
    while cursor:
        answer = (await api.get(V20, params={"per_page": 5, "cursor": cursor})).json()
        backward = [e["id"] for e in answer["data"]] + backward
        cursor = answer["meta"]["prev_cursor"]
    pages: list[int] = []
    for page in range(1, 6):
        pages += [e["id"] for e in (await api.get(V20, params={"per_page": 5, "page": page})).json()["data"]]
    assert forward == backward == pages == everything and len(everything) == 23


async def test_the_statements_of_a_whole_table_listing_are_built_once(api, server, five_evses) -> None:
    await api.get(V20, params={"per_page": 2, "page": 1})
    await api.get(V20, params={"per_page": 2, "cursor": encode_cursor(1, False)})
    built = dict(query._derived)
    assert len(built) >= 2  # a page at an offset, a page after a key
    for page in (1, 2, 3):
        await api.get(V20, params={"per_page": 2, "page": page})
        await api.get(V20, params={"per_page": 2, "cursor": encode_cursor(page, False)})
    assert query._derived == built
    filtered = (await api.get(V20, params={"per_page": 2, "filter[evseStatus]": "active"})).json()
    assert len(filtered["data"]) == 2 and query._derived == built  # a filtered listing builds its own, keeps none
