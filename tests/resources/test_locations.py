"""Locations v2.0: lifecycle, filters, includes, pagination, time stamps, events and deletion rules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select

from cpms.clock import FrozenClock, iso
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.core import events
from cpms.storage.tables.locations import charging_zones, locations

LOCATIONS = "/public-api/resources/locations/v2.0"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def texts(text: str, locale: str = "en") -> list[dict[str, str]]:
    return [{"locale": locale, "translation": text}]


def location_body(**changes: Any) -> dict[str, Any]:
    body = {"name": texts("Mall parking"), "address": texts("1 Main St"), "country": "BG",
            "geoposition": {"latitude": 42.69, "longitude": 23.32}}
    body.update(changes)
    return body


async def create(api, **changes: Any) -> dict[str, Any]:
    response = await api.post(LOCATIONS, json=location_body(**changes))
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def add_charge_point(server, location_id: int, kind: str = "public", **columns: Any) -> int:
    async with server.rt.db.write() as tx:
        result = await tx.conn.execute(insert(charge_points).values(
            name="CP", type=kind, location_id=location_id, attrs={}, created_at=T0, last_updated_at=T0, **columns)
            .returning(charge_points.c.id))
        return int(result.scalar_one())


async def outbox(server, kind: str) -> list[tuple[str, str]]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(events).where(events.c.type == kind).order_by(events.c.id))).all()
    return [(row.entity_id, row.data["action"]) for row in rows]


async def test_location_lifecycle(api) -> None:
    created = await create(api, city="Sofia", postCode="1000", timezone="Europe/Sofia", tags=["mall"],
                           parkingType="PARKING_LOT", facilities=["MALL"], accessMethods=["OPEN"],
                           description=texts("Big"), shortDescription=texts("B"))
    assert created["name"] == texts("Mall parking") and created["city"] == "Sofia"
    assert created["status"] == "enabled" and created["tags"] == ["mall"]
    assert "chargingZones" not in created and "externalAppData" not in created
    item = f"{LOCATIONS}/{created['id']}"
    assert (await api.get(item)).json()["data"] == created
    changed = (await api.patch(item, json={"city": "Plovdiv", "geoposition": {"latitude": 1, "longitude": 2}})).json()["data"]
    assert changed["city"] == "Plovdiv" and changed["geoposition"] == {"latitude": 1, "longitude": 2}
    assert changed["postCode"] == "1000" and changed["description"] == texts("Big")
    assert [d["id"] for d in (await api.get(LOCATIONS)).json()["data"]] == [created["id"]]
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(item)).status_code == 404
    assert (await api.delete(item)).status_code == 404


async def test_unset_roaming_operator_is_shown_as_zero_and_never_stored(api, server) -> None:
    created = await create(api)
    assert created["roamingOperatorId"] == 0
    # a client sending back what it read does not put the location into roaming
    await api.patch(f"{LOCATIONS}/{created['id']}", json={"roamingOperatorId": 0})
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(locations.c.roaming_operator_id))).scalar_one() is None
    roaming = await create(api, roamingOperatorId=7)
    assert roaming["roamingOperatorId"] == 7


async def test_server_owned_properties_in_a_body_are_ignored(api) -> None:
    created = await create(api, id=999, roaming={"owner": {"name": "me"}}, chargingZones=[{"name": "x"}],
                           lastUpdatedAt="2000-01-01T00:00:00Z", locationImage={"original": "x", "mimeType": "y"})
    assert created["id"] != 999 and "roaming" not in created
    assert created["lastUpdatedAt"] != "2000-01-01T00:00:00.000000Z"
    read = (await api.get(f"{LOCATIONS}/{created['id']}", params={"include[]": ["chargingZones", "locationImage"]})).json()
    assert read["data"]["chargingZones"] == [] and read["data"]["locationImage"] is None


async def test_last_updated_moves_on_every_change_created_does_not(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    created = await create(api)
    assert created["lastUpdatedAt"] == iso(T0)
    item = f"{LOCATIONS}/{created['id']}"
    for minutes in (1, 2):
        server.rt.clock = FrozenClock(T0 + timedelta(minutes=minutes))
        changed = (await api.patch(item, json={"city": f"City {minutes}"})).json()["data"]
        assert changed["lastUpdatedAt"] == iso(T0 + timedelta(minutes=minutes))
    async with server.rt.db.read() as conn:
        row = (await conn.execute(select(locations.c.created_at, locations.c.last_updated_at))).one()
    assert row.created_at == T0 and row.last_updated_at == T0 + timedelta(minutes=2)


async def test_filters(api, server) -> None:
    a = await create(api, country="US", state="CA", city="Fresno", region="Central", externalId="ext-a",
                     tags=["fast", "mall"], roamingOperatorId=3)
    b = await create(api, country="US", state="NY", city="Albany", tags=["mall"])
    c = await create(api, country="BG", city="Sofia", externalId="ext-c", tags=["mallx"])
    await add_charge_point(server, c["id"], partner_id=5)
    await add_charge_point(server, c["id"])
    await add_charge_point(server, b["id"], partner_id=6)

    async def ids(**filters: Any) -> list[int]:
        params = {f"filter[{k}]": v for k, v in filters.items()}
        response = await api.get(LOCATIONS, params=params)
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["data"]]

    assert await ids(country="US") == [a["id"], b["id"]]
    assert await ids(state="NY") == [b["id"]]
    assert await ids(region="Central") == [a["id"]]
    assert await ids(city="Sofia") == [c["id"]]
    assert await ids(partnerId=5) == [c["id"]]
    assert await ids(partnerId=6) == [b["id"]]
    assert await ids(externalId="ext-a") == [a["id"]]
    assert await ids(tag="mall") == [a["id"], b["id"]]
    assert await ids(tag="fast") == [a["id"]]
    assert await ids(tag="nothing") == []
    assert await ids(roaming="true") == [a["id"]]
    assert await ids(roaming="false") == [b["id"], c["id"]]
    assert await ids(country="US", tag="fast") == [a["id"]]


async def test_last_updated_after_and_before(api, server) -> None:
    first_ids = []
    for day in range(3):
        server.rt.clock = FrozenClock(T0 + timedelta(days=day))
        first_ids.append((await create(api))["id"])
    after = (await api.get(LOCATIONS, params={"filter[lastUpdatedAfter]": iso(T0 + timedelta(days=1))})).json()
    assert [d["id"] for d in after["data"]] == first_ids[1:]
    before = (await api.get(LOCATIONS, params={"filter[lastUpdatedBefore]": iso(T0 + timedelta(hours=1))})).json()
    assert [d["id"] for d in before["data"]] == first_ids[:1]


async def test_bad_filter_values_get_422(api) -> None:
    for params in ({"filter[country]": "XX"}, {"filter[roaming]": "maybe"}, {"filter[partnerId]": "x"},
                   {"filter[lastUpdatedAfter]": "yesterday"}, {"filter[nope]": "1"}):
        response = await api.get(LOCATIONS, params=params)
        assert response.status_code == 422, params


async def test_cursor_pagination_walks_forward_and_back(api) -> None:
    made = [(await create(api, city=f"C{n}"))["id"] for n in range(5)]
    first = (await api.get(LOCATIONS, params={"per_page": 2})).json()
    assert [d["id"] for d in first["data"]] == made[:2] and first["links"]["prev"] is None
    second = (await api.get(first["links"]["next"])).json()
    assert [d["id"] for d in second["data"]] == made[2:4]
    third = (await api.get(second["links"]["next"])).json()
    assert [d["id"] for d in third["data"]] == made[4:] and third["links"]["next"] is None
    back = (await api.get(third["links"]["prev"])).json()
    assert [d["id"] for d in back["data"]] == made[2:4]


async def test_includes_are_answered_only_when_asked(api) -> None:
    created = await create(api, externalAppData={"crm": {"id": 1}})
    item = f"{LOCATIONS}/{created['id']}"
    await api.post(f"{item}/charging-zones", json={"name": "Level -1", "status": "enabled"})
    plain = (await api.get(item)).json()["data"]
    assert not {"chargingZones", "externalAppData", "locationImage", "images"} & set(plain)
    everything = {"include[]": ["chargingZones", "locationImage", "images", "externalAppData"]}
    full = (await api.get(item, params=everything)).json()["data"]
    assert [z["name"] for z in full["chargingZones"]] == ["Level -1"]
    assert full["chargingZones"][0]["locationId"] == created["id"]
    assert full["externalAppData"] == {"crm": {"id": 1}} and full["images"] == [] and full["locationImage"] is None
    listed = (await api.get(LOCATIONS, params={"include[]": "chargingZones"})).json()["data"]
    assert [z["name"] for z in listed[0]["chargingZones"]] == ["Level -1"] and "images" not in listed[0]
    patched = (await api.patch(item, params=everything, json={"city": "X"})).json()["data"]
    assert patched["chargingZones"] == full["chargingZones"]


async def test_tags_are_a_set_and_can_be_replaced(api) -> None:
    created = await create(api, tags=["a", "b", "a"])
    assert created["tags"] == ["a", "b"]
    changed = (await api.patch(f"{LOCATIONS}/{created['id']}", json={"tags": ["c"]})).json()["data"]
    assert changed["tags"] == ["c"]
    assert (await api.get(LOCATIONS, params={"filter[tag]": "a"})).json()["data"] == []


async def test_working_hours_flag_defaults_from_the_schedule(api) -> None:
    scheduled = await create(api, workingHours={"hours": {"monday": [{"start": "08:00", "end": "18:00"}]}})
    assert scheduled["workingHours"]["isAlwaysOpen"] is False
    always = await create(api, workingHours={"stopSessionOutsideWorkingHours": False})
    assert always["workingHours"]["isAlwaysOpen"] is True


async def test_location_with_charge_points_cannot_be_deleted(api, server) -> None:
    created = await create(api)
    charger = await add_charge_point(server, created["id"])
    response = await api.delete(f"{LOCATIONS}/{created['id']}")
    assert response.status_code == 409
    assert response.json()["message"] == (f"Location {created['id']} cannot be deleted: 1 charge point still "
                                          f"belongs to it. Move or delete them first.")
    assert (await api.get(f"{LOCATIONS}/{created['id']}")).status_code == 200
    assert await outbox(server, "location.changed") == [(str(created["id"]), "created")]
    async with server.rt.db.write() as tx:
        await tx.conn.execute(charge_points.delete().where(charge_points.c.id == charger))
    assert (await api.delete(f"{LOCATIONS}/{created['id']}")).status_code == 204


async def test_deleting_a_location_deletes_its_charging_zones(api, server) -> None:
    keep = await create(api)
    gone = await create(api)
    for location in (keep, gone):
        zones = f"{LOCATIONS}/{location['id']}/charging-zones"
        for name in ("A", "B"):
            assert (await api.post(zones, json={"name": name, "status": "enabled"})).status_code == 201
    assert (await api.delete(f"{LOCATIONS}/{gone['id']}")).status_code == 204
    async with server.rt.db.read() as conn:
        left = (await conn.execute(select(charging_zones.c.location_id))).scalars().all()
    assert left == [keep["id"], keep["id"]]
    assert [action for _, action in await outbox(server, "chargingZone.changed")] == ["created"] * 4 + ["deleted"] * 2


async def test_location_changes_are_events(api, server) -> None:
    created = await create(api)
    await api.patch(f"{LOCATIONS}/{created['id']}", json={"city": "X"})
    await api.delete(f"{LOCATIONS}/{created['id']}")
    ident = str(created["id"])
    assert await outbox(server, "location.changed") == [(ident, "created"), (ident, "updated"), (ident, "deleted")]


async def test_refused_writes_leave_no_event_and_no_row(api, server) -> None:
    assert (await api.post(LOCATIONS, json=location_body(timezone="Mars/Olympus"))).status_code == 422
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(locations))).scalar_one() == 0
        assert (await conn.execute(select(func.count()).select_from(events))).scalar_one() == 0
