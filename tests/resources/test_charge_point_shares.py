"""Sharing a charge point with users (shares) and with partners (a set replaced by PUT)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from cpms.clock import UTC, FrozenClock
from cpms.storage.tables.charge_points import charge_point_shared_partners, charge_point_shares
from cpms.storage.tables.users import users
from tests.resources.test_charge_points import CPS, create_cp, events_of, user


def shares(cp_id: int) -> str:
    return f"{CPS}/{cp_id}/shares"


def partners(cp_id: int) -> str:
    return f"{CPS}/{cp_id}/shared-partners"


async def rows(server, table) -> int:
    async with server.rt.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_share_lifecycle(api, server) -> None:
    server.rt.clock = FrozenClock(datetime(2025, 5, 5, 10, 0, tzinfo=UTC))
    cp = await create_cp(api, type="personal")
    friend = await user(server)
    server.rt.clock = FrozenClock(datetime(2025, 5, 5, 11, 0, tzinfo=UTC))
    created = await api.post(shares(cp["id"]), json={"userId": friend})
    assert created.status_code == 201
    share = created.json()["data"]
    assert share == {"id": share["id"], "userId": friend, "sharedOn": "2025-05-05T11:00:00.000000Z"}
    assert (await api.get(f"{shares(cp['id'])}/{share['id']}")).json()["data"] == share
    assert (await api.get(shares(cp["id"]))).json()["data"] == [share]
    assert (await api.get(f"{CPS}/{cp['id']}")).json()["data"]["lastUpdatedAt"] == "2025-05-05T11:00:00.000000Z"
    assert (await api.delete(f"{shares(cp['id'])}/{share['id']}")).status_code == 204
    assert (await api.get(f"{shares(cp['id'])}/{share['id']}")).status_code == 404
    found = await events_of(server, "chargePoint.changed")
    assert [(e.entity_id, e.data["action"], e.data.get("cause", {}).get("action")) for e in found] == [
        (str(cp["id"]), "created", None), (str(cp["id"]), "updated", "created"), (str(cp["id"]), "updated", "deleted")]


async def test_a_user_is_shared_with_once_per_charge_point(api, server) -> None:
    first, second = await create_cp(api, name="A"), await create_cp(api, name="B")
    friend = await user(server)
    assert (await api.post(shares(first["id"]), json={"userId": friend})).status_code == 201
    again = await api.post(shares(first["id"]), json={"userId": friend})
    assert again.status_code == 422
    assert again.json()["errors"] == {"userId": ["The userId has already been taken on this charge point."]}
    assert (await api.post(shares(second["id"]), json={"userId": friend})).status_code == 201
    assert await rows(server, charge_point_shares) == 2


async def test_bad_shares_are_refused(api, server) -> None:
    cp = await create_cp(api)
    for body, field in (({}, "userId"), ({"userId": "me"}, "userId"), ({"userId": 999}, "userId"),
                        ({"userId": 2**70}, "userId")):
        response = await api.post(shares(cp["id"]), json=body)
        assert response.status_code == 422 and field in response.json()["errors"], body
    assert (await api.post(shares(999), json={"userId": await user(server)})).status_code == 404
    assert (await api.get(shares(999))).status_code == 404
    assert await rows(server, charge_point_shares) == 0


async def test_shares_go_with_their_charge_point_and_user(api, server) -> None:
    cp = await create_cp(api)
    friend, other = await user(server, "a@example.com"), await user(server, "b@example.com")
    await api.post(shares(cp["id"]), json={"userId": friend})
    await api.post(shares(cp["id"]), json={"userId": other})
    async with server.rt.db.write() as tx:
        await tx.conn.execute(users.delete().where(users.c.id == other))
    assert [s["userId"] for s in (await api.get(shares(cp["id"]))).json()["data"]] == [friend]
    share_id = (await api.get(shares(cp["id"]))).json()["data"][0]["id"]
    other_cp = await create_cp(api, name="Other")
    assert (await api.get(f"{shares(other_cp['id'])}/{share_id}")).status_code == 404
    await api.delete(f"{CPS}/{cp['id']}")
    assert await rows(server, charge_point_shares) == 0


async def test_shared_partners_are_a_set_replaced_by_put(api, server) -> None:
    start = datetime(2025, 7, 1, tzinfo=UTC)
    server.rt.clock = FrozenClock(start)
    cp = await create_cp(api)
    assert (await api.get(partners(cp["id"]))).json()["data"] == []
    server.rt.clock = FrozenClock(start + timedelta(minutes=1))
    assert (await api.put(partners(cp["id"]), json={"partnerIds": [5, 3, 5]})).status_code == 204
    listed = (await api.get(partners(cp["id"]))).json()["data"]
    assert listed == [{"id": 5, "sharedAt": "2025-07-01T00:01:00.000000Z"},
                      {"id": 3, "sharedAt": "2025-07-01T00:01:00.000000Z"}]
    server.rt.clock = FrozenClock(start + timedelta(minutes=2))
    assert (await api.put(partners(cp["id"]), json={"partnerIds": [3, 8]})).status_code == 204
    listed = (await api.get(partners(cp["id"]))).json()["data"]
    assert [(p["id"], p["sharedAt"][14:16]) for p in listed] == [(3, "01"), (8, "02")]
    assert (await api.get(f"{CPS}/{cp['id']}")).json()["data"]["lastUpdatedAt"].startswith("2025-07-01T00:02")
    found = [e for e in await events_of(server, "chargePoint.changed") if "sharedPartners" in e.data]
    assert [e.data["sharedPartners"] for e in found] == [{"added": [5, 3], "removed": []},
                                                         {"added": [8], "removed": [5]}]
    # the same set again changes nothing, not even lastUpdatedAt
    server.rt.clock = FrozenClock(start + timedelta(minutes=3))
    assert (await api.put(partners(cp["id"]), json={"partnerIds": [8, 3]})).status_code == 204
    assert (await api.get(f"{CPS}/{cp['id']}")).json()["data"]["lastUpdatedAt"].startswith("2025-07-01T00:02")
    assert (await api.put(partners(cp["id"]), json={"partnerIds": []})).status_code == 204
    assert (await api.get(partners(cp["id"]))).json()["data"] == []


async def test_shared_partners_paginate(api) -> None:
    cp = await create_cp(api)
    await api.put(partners(cp["id"]), json={"partnerIds": list(range(1, 6))})
    first = (await api.get(partners(cp["id"]), params={"per_page": 3})).json()
    assert [p["id"] for p in first["data"]] == [1, 2, 3]
    second = (await api.get(first["links"]["next"])).json()
    assert [p["id"] for p in second["data"]] == [4, 5]


async def test_bad_partner_sets_change_nothing(api, server) -> None:
    cp = await create_cp(api)
    await api.put(partners(cp["id"]), json={"partnerIds": [1]})
    for body, field in (({}, "partnerIds"), ({"partnerIds": "1"}, "partnerIds"), ({"partnerIds": ["a"]}, "partnerIds.0"),
                        ({"partnerIds": [2, 0]}, "partnerIds.1"), ({"partnerIds": [2**40]}, "partnerIds.0"),
                        ({"partnerIds": None}, "partnerIds")):
        response = await api.put(partners(cp["id"]), json=body)
        assert response.status_code == 422 and field in response.json()["errors"], (body, response.json())
    assert (await api.put(partners(999), json={"partnerIds": [1]})).status_code == 404
    assert (await api.put(partners(2**70), json={"partnerIds": [1]})).status_code == 404
    assert (await api.get(partners(999))).status_code == 404
    assert [p["id"] for p in (await api.get(partners(cp["id"]))).json()["data"]] == [1]
    await api.delete(f"{CPS}/{cp['id']}")
    assert await rows(server, charge_point_shared_partners) == 0
