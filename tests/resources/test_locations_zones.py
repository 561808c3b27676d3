"""Charging zones: a sub-resource reachable only under its own location."""

from __future__ import annotations

from sqlalchemy import func, select

from cpms.storage.tables.locations import charging_zones
from tests.resources.test_locations import LOCATIONS, create, outbox, texts


def zones_of(location_id: int) -> str:
    return f"{LOCATIONS}/{location_id}/charging-zones"


async def test_zone_lifecycle(api, server) -> None:
    location = await create(api)
    info = {"enabled": True, "title": texts("Garage"), "description": texts("Level -1")}
    response = await api.post(zones_of(location["id"]), json={"name": "G1", "status": "enabled", "additionalInfo": info})
    assert response.status_code == 201
    zone = response.json()["data"]
    assert zone["name"] == "G1" and zone["locationId"] == location["id"] and zone["additionalInfo"] == info
    item = f"{zones_of(location['id'])}/{zone['id']}"
    assert (await api.get(item)).json()["data"] == zone
    changed = (await api.patch(item, json={"status": "disabled", "additionalInfo": {"enabled": False}})).json()["data"]
    assert changed["status"] == "disabled" and changed["additionalInfo"] == {**info, "enabled": False}
    assert [z["id"] for z in (await api.get(zones_of(location["id"]))).json()["data"]] == [zone["id"]]
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(item)).status_code == 404
    ident = str(zone["id"])
    assert await outbox(server, "chargingZone.changed") == [(ident, "created"), (ident, "updated"), (ident, "deleted")]


async def test_zone_of_another_location_is_not_found(api, server) -> None:
    mine, other = await create(api), await create(api)
    zone = (await api.post(zones_of(other["id"]), json={"name": "Z", "status": "enabled"})).json()["data"]
    wrong = f"{zones_of(mine['id'])}/{zone['id']}"
    assert (await api.get(wrong)).status_code == 404
    assert (await api.patch(wrong, json={"name": "stolen"})).status_code == 404
    assert (await api.delete(wrong)).status_code == 404
    assert (await api.get(zones_of(mine["id"]))).json()["data"] == []
    assert (await api.get(f"{zones_of(other['id'])}/{zone['id']}")).json()["data"]["name"] == "Z"


async def test_zones_of_an_unknown_location_are_not_found(api, server) -> None:
    for response in (await api.get(zones_of(999)), await api.post(zones_of(999), json={"name": "Z", "status": "enabled"}),
                     await api.get(f"{zones_of(999)}/1"), await api.get(f"{LOCATIONS}/abc/charging-zones")):
        assert response.status_code == 404
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(charging_zones))).scalar_one() == 0


async def test_zone_cannot_be_moved_to_another_location(api) -> None:
    mine, other = await create(api), await create(api)
    zone = (await api.post(zones_of(mine["id"]), json={"name": "Z", "status": "enabled",
                                                       "locationId": other["id"]})).json()["data"]
    assert zone["locationId"] == mine["id"]
    moved = (await api.patch(f"{zones_of(mine['id'])}/{zone['id']}", json={"locationId": other["id"]})).json()["data"]
    assert moved["locationId"] == mine["id"]


async def test_bad_zone_bodies_get_422(api, server) -> None:
    location = await create(api)
    for body in ({}, {"name": "Z"}, {"name": "Z", "status": "on"}, {"name": 1, "status": "enabled"},
                 {"name": "Z", "status": "enabled", "additionalInfo": {"enabled": "yes"}}):
        response = await api.post(zones_of(location["id"]), json=body)
        assert response.status_code == 422, body
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(charging_zones))).scalar_one() == 0


async def test_zone_pages(api) -> None:
    location = await create(api)
    made = [(await api.post(zones_of(location["id"]), json={"name": f"Z{n}", "status": "enabled"})).json()["data"]["id"]
            for n in range(3)]
    first = (await api.get(zones_of(location["id"]), params={"per_page": 2})).json()
    assert [z["id"] for z in first["data"]] == made[:2]
    rest = (await api.get(first["links"]["next"])).json()
    assert [z["id"] for z in rest["data"]] == made[2:]
