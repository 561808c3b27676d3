"""Locations v1.0 (deprecated): its own wire shape over the same locations as v2.0."""

from __future__ import annotations

from typing import Any

from tests.resources.test_locations import LOCATIONS, add_charge_point, create, texts

V1 = "/public-api/resources/locations/v1.0"


def v1_body(**changes: Any) -> dict[str, Any]:
    body = {"name": {"en": "Depot", "bg": "Депо"}, "geoposition": {"latitude": 42.1, "longitude": 24.7},
            "post_code": "4000", "region": "Plovdiv", "city": "Plovdiv", "country": "BG"}
    body.update(changes)
    return body


async def create_v1(api, **changes: Any) -> dict[str, Any]:
    response = await api.post(V1, json=v1_body(**changes))
    assert response.status_code == 201, response.text
    return response.json()


async def test_v1_lifecycle_answers_bare_items_where_the_contract_says_so(api) -> None:
    created = await create_v1(api, status="disabled", external_id="x-1", timezone="Europe/Sofia")
    assert created["name"] == {"en": "Depot", "bg": "Депо"} and created["status"] == "disabled"
    assert created["post_code"] == "4000" and created["external_id"] == "x-1"
    assert created["public_charge_points"] == 0 and created["public_charge_points_ids"] == []
    item = f"{V1}/{created['id']}"
    assert (await api.get(item)).json()["data"] == created
    changed = (await api.patch(item, json={"status": "active", "post_code": "4002"})).json()
    assert changed["status"] == "active" and changed["post_code"] == "4002" and changed["city"] == "Plovdiv"
    listed = (await api.get(V1)).json()
    assert [d["id"] for d in listed["data"]] == [created["id"]] and listed["meta"]["total"] == 1
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(item)).status_code == 404


async def test_v1_location_read_in_v2(api) -> None:
    created = await create_v1(api, description={"en": "Short"}, detailed_description={"en": "Long text"},
                              additional_description={"en": "Gate code 12"}, address={"en": "1 Depot Rd"},
                              working_hours={"is_always_open": False, "stop_session_outside_working_hours": True,
                                             "hours": {"monday": [{"start": "08:00", "end": "17:00"}]}})
    v2 = (await api.get(f"{LOCATIONS}/{created['id']}")).json()["data"]
    assert v2["name"] == [{"locale": "en", "translation": "Depot"}, {"locale": "bg", "translation": "Депо"}]
    assert v2["shortDescription"] == texts("Short") and v2["description"] == texts("Long text")
    assert v2["additionalDescription"] == texts("Gate code 12") and v2["address"] == texts("1 Depot Rd")
    assert v2["postCode"] == "4000" and v2["region"] == "Plovdiv" and "state" not in v2
    assert v2["workingHours"]["isAlwaysOpen"] is False and v2["workingHours"]["stopSessionOutsideWorkingHours"]
    assert v2["workingHours"]["hours"]["monday"] == [{"start": "08:00", "end": "17:00"}]
    assert v2["workingHours"]["hours"]["sunday"] == []
    assert v2["status"] == "enabled"


async def test_v2_location_read_in_v1(api) -> None:
    created = await create(api, state="CA", country="US", description=texts("Long"), shortDescription=texts("Short"),
                           workingHours={"isAlwaysOpen": True})
    v1 = (await api.get(f"{V1}/{created['id']}")).json()["data"]
    assert v1["region"] == "CA" and v1["post_code"] == "" and v1["city"] == ""
    assert v1["detailed_description"] == {"en": "Long"} and v1["description"] == {"en": "Short"}
    assert v1["address"] == {"en": "1 Main St"} and v1["status"] == "active"
    assert v1["working_hours"] == {"is_always_open": True}


async def test_v1_region_is_a_state_code_or_free_text(api) -> None:
    created = await create_v1(api, region="NSW", country="AU")
    item = f"{LOCATIONS}/{created['id']}"
    v2 = (await api.get(item)).json()["data"]
    assert v2["state"] == "NSW" and v2["region"] is None
    back = (await api.patch(f"{V1}/{created['id']}", json={"region": "Outback"})).json()
    assert back["region"] == "Outback"
    v2 = (await api.get(item)).json()["data"]
    assert "state" not in v2 and v2["region"] == "Outback"


async def test_v1_update_keeps_what_v1_cannot_see(api) -> None:
    created = await create(api, tags=["t"], externalAppData={"k": 1}, roamingOperatorId=4)
    await api.patch(f"{V1}/{created['id']}", json={"name": {"en": "Renamed"}})
    v2 = (await api.get(f"{LOCATIONS}/{created['id']}", params={"include[]": "externalAppData"})).json()["data"]
    assert v2["name"] == texts("Renamed") and v2["tags"] == ["t"]
    assert v2["externalAppData"] == {"k": 1} and v2["roamingOperatorId"] == 4


async def test_v1_filters(api, server) -> None:
    a = await create_v1(api, post_code="1000", external_id="a", country="BG")
    b = await create_v1(api, post_code="2000", status="disabled", country="RO", region="B")

    async def ids(**filters: Any) -> list[int]:
        response = await api.get(V1, params={f"filter[{k}]": v for k, v in filters.items()})
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["data"]]

    assert await ids(postCode="2000") == [b["id"]]
    assert await ids(externalId="a") == [a["id"]]
    assert await ids(country="RO") == [b["id"]]
    assert await ids(status="disabled") == [b["id"]]
    assert await ids(status="active") == [a["id"]]
    assert await ids(partnerId="null") == [a["id"], b["id"]]
    await add_charge_point(server, a["id"], partner_id=9)
    await add_charge_point(server, b["id"])
    assert await ids(partnerId="9") == [a["id"]]
    assert await ids(partnerId="null") == [b["id"]]


async def test_v1_pages_and_cursors(api) -> None:
    made = [(await create_v1(api, city=f"C{n}"))["id"] for n in range(3)]
    page = (await api.get(V1, params={"per_page": 2, "page": 2})).json()
    assert [d["id"] for d in page["data"]] == made[2:] and page["meta"]["last_page"] == 2
    cursor = (await api.get(V1, params={"per_page": 2, "cursor": ""})).json()
    assert [d["id"] for d in cursor["data"]] == made[:2] and cursor["meta"]["next_cursor"]


async def test_v1_counts_public_charge_points(api, server) -> None:
    created = await create_v1(api)
    public = await add_charge_point(server, created["id"], "public")
    await add_charge_point(server, created["id"], "private")
    await add_charge_point(server, created["id"], "public", status="disabled")
    read = (await api.get(f"{V1}/{created['id']}")).json()["data"]
    assert read["public_charge_points"] == 1 and read["public_charge_points_ids"] == [public]
    response = await api.delete(f"{V1}/{created['id']}")
    assert response.status_code == 409 and "3 charge points still belong" in response.json()["message"]


async def test_v1_bad_bodies_get_422_in_v1_names(api) -> None:
    missing = await api.post(V1, json={"name": {"en": "X"}})
    assert missing.status_code == 422
    assert {"post_code", "region", "city", "country", "geoposition"} <= set(missing.json()["errors"])
    bad_status = await api.post(V1, json=v1_body(status="enabled"))
    assert bad_status.status_code == 422 and "status" in bad_status.json()["errors"]
    bad_zone = await api.post(V1, json=v1_body(timezone="Nowhere/Land"))
    assert bad_zone.status_code == 422 and "timezone" in bad_zone.json()["errors"]
    assert (await api.get(V1)).json()["data"] == []
