"""Reservations v1.0 over the Public API: listing with every filter, read, and the status a
reservation past its time reads with before the sweep writes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from cpms.clock import Clock
from cpms.contract import load_contract
from cpms.domain import reservations
from cpms.storage.tables.sessions import reservations as reservations_table
from tests.ocpp.transactions_support import user
from tests.support import seed

URL = "/public-api/resources/reservations/v1.0"


@pytest.fixture
async def booked(server) -> dict[str, Any]:
    db = server.rt.db
    cp = await seed.charge_point(db, "CP-BOOK")
    first, second = await user(db, "one@example.com"), await user(db, "two@example.com")
    now = Clock().now()
    async with db.write() as tx:
        a = await reservations.create(tx, charge_point_id=cp["id"], evse_id=cp["evse_ids"][0], evse_network_id="1",
                                      user_id=first, minutes=15, now=now, reason="test")
        await reservations.confirm(tx, a.id, now)
        b = await reservations.create(tx, charge_point_id=cp["id"], evse_id=None, evse_network_id="0",
                                      user_id=second, minutes=15, now=now - timedelta(hours=2), reason="test")
        await reservations.confirm(tx, b.id, now)
        c = await reservations.create(tx, charge_point_id=cp["id"], evse_id=cp["evse_ids"][1], evse_network_id="2",
                                      user_id=second, minutes=30, now=now, reason="test")
        await reservations.cancel(tx, c.id, now)
    return {"cp": cp, "first": first, "second": second, "a": a.id, "b": b.id, "c": c.id, "now": now}


async def ids(api, params: Any) -> list[int]:
    response = await api.get(URL, params=params)
    assert response.status_code == 200, response.json()
    return [r["id"] for r in response.json()["data"]]


async def test_every_filter(api, booked) -> None:
    a, b, c, cp = booked["a"], booked["b"], booked["c"], booked["cp"]
    an_hour_ago = (booked["now"] - timedelta(hours=1)).isoformat()
    cases = {
        "evseId": (cp["evse_ids"][0], [a]),
        "userId": (booked["second"], [b, c]),
        "status": ("active", [a]),
        "reservedFrom": (an_hour_ago, [a, c]),
        "reservedTo": (an_hour_ago, [b]),
    }
    assert set(cases) == set(load_contract()["reservationsListing"].filter_names)
    for name, (value, expected) in cases.items():
        assert await ids(api, {f"filter[{name}]": value}) == expected, name
    # b's time passed two hours ago: it reads as expired, though no sweep wrote it so yet
    assert await ids(api, {"filter[status]": "expired"}) == [b]
    assert await ids(api, {"filter[status]": "canceled"}) == [c]


async def test_a_reservation_reads_as_the_contract_says(api, booked) -> None:
    reservation = (await api.get(f"{URL}/{booked['a']}")).json()["data"]
    assert reservation["status"] == "active" and reservation["duration"] == 15
    assert reservation["chargePointId"] == booked["cp"]["id"] and reservation["evseId"] == booked["cp"]["evse_ids"][0]
    assert reservation["canceledAt"] is None and "expiresAt" not in reservation
    whole = (await api.get(f"{URL}/{booked['b']}")).json()["data"]
    assert whole["evseId"] == 0 and whole["status"] == "expired"
    canceled = (await api.get(f"{URL}/{booked['c']}")).json()["data"]
    assert canceled["status"] == "canceled" and canceled["canceledAt"] is not None


async def test_the_sweep_writes_what_reads_already_show(api, server, booked) -> None:
    async with server.rt.db.write() as tx:
        assert await reservations.expire_due(tx, Clock().now()) == [booked["b"]]
        assert await reservations.expire_due(tx, Clock().now()) == []
    assert (await api.get(f"{URL}/{booked['b']}")).json()["data"]["status"] == "expired"


async def test_unknown_reservations_are_404_and_bad_filters_422(api, server, booked) -> None:
    for missing in ("999999", "abc"):
        assert (await api.get(f"{URL}/{missing}")).status_code == 404
    for params in ({"filter[status]": "someday"}, {"filter[reservedFrom]": "then"}, {"filter[userId]": "me"}):
        assert (await api.get(URL, params=params)).status_code == 422, params
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(reservations_table).values(status="done"))
    assert await ids(api, {"filter[status]": "done"}) == [booked["a"], booked["b"], booked["c"]]
