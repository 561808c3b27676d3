"""Bad input to locations: the contract's 422/404 answers, and the database left as it was."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cpms.storage.tables.core import events
from cpms.storage.tables.locations import charging_zones, locations
from tests.resources.test_locations import LOCATIONS, create, location_body, texts
from tests.resources.test_locations_v1 import V1


async def snapshot(server) -> tuple[Any, ...]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(locations).order_by(locations.c.id))).all()
        counts = [(await conn.execute(select(func.count()).select_from(t))).scalar_one()
                  for t in (charging_zones, events)]
    return tuple(tuple(row) for row in rows), tuple(counts)


BAD_CREATES = [
    ({}, ["name", "address", "country", "geoposition"]),
    (location_body(name="Mall"), ["name"]),
    (location_body(name=[{"locale": 1}]), ["name.0.locale"]),
    (location_body(country="XX"), ["country"]),
    (location_body(country=None), ["country"]),
    (location_body(state="ZZ"), ["state"]),
    (location_body(parkingType="ROOFTOP"), ["parkingType"]),
    (location_body(facilities=["CASINO"]), ["facilities.0"]),
    (location_body(accessMethods="OPEN"), ["accessMethods"]),
    (location_body(geoposition={"latitude": 90.5, "longitude": 0}), ["geoposition.latitude"]),
    (location_body(geoposition={"latitude": -91, "longitude": 0}), ["geoposition.latitude"]),
    (location_body(geoposition={"latitude": 0, "longitude": 180.01}), ["geoposition.longitude"]),
    (location_body(geoposition={"latitude": "42", "longitude": 23}), ["geoposition.latitude"]),
    (location_body(geoposition={"latitude": 42}), ["geoposition.longitude"]),
    (location_body(tags="mall"), ["tags"]),
    (location_body(tags=[1]), ["tags.0"]),
    (location_body(roamingOperatorId="7"), ["roamingOperatorId"]),
    (location_body(externalAppData=[]), ["externalAppData"]),
    (location_body(timezone="Europe/Nowhere"), ["timezone"]),
    (location_body(workingHours={"hours": {"monday": [{"start": "25:00", "end": "18:00"}]}}),
     ["workingHours.hours.monday.0.start"]),
    (location_body(workingHours={"hours": {"monday": [{"start": "08:00"}]}}), ["workingHours.hours.monday.0.end"]),
]


@pytest.mark.parametrize(("body", "fields"), BAD_CREATES)
async def test_bad_create_gets_422_naming_the_fields(api, server, body, fields) -> None:
    before = await snapshot(server)
    response = await api.post(LOCATIONS, json=body)
    assert response.status_code == 422
    assert set(fields) <= set(response.json()["errors"]), response.json()
    assert await snapshot(server) == before


@pytest.mark.parametrize(("body", "fields"), BAD_CREATES[2:])
async def test_bad_update_gets_422_and_changes_nothing(api, server, body, fields) -> None:
    created = await create(api)
    before = await snapshot(server)
    patch = {key: value for key, value in body.items() if key in {f.split(".")[0] for f in fields}}
    response = await api.patch(f"{LOCATIONS}/{created['id']}", json=patch)
    assert response.status_code == 422
    assert set(fields) <= set(response.json()["errors"])
    assert await snapshot(server) == before


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"text"', b"null", b"", b"{\"name\": }", b"\xff\xfe"])
async def test_malformed_json_gets_422(api, server, raw) -> None:
    created = await create(api)
    before = await snapshot(server)
    for method, url in (("POST", LOCATIONS), ("PATCH", f"{LOCATIONS}/{created['id']}"), ("POST", V1),
                        ("POST", f"{LOCATIONS}/{created['id']}/charging-zones")):
        response = await api.request(method, url, content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, (method, url, raw)
        assert response.json()["errors"]
    assert await snapshot(server) == before


@pytest.mark.parametrize("path", [f"{LOCATIONS}/999", f"{LOCATIONS}/0", f"{LOCATIONS}/-1", f"{LOCATIONS}/x",
                                  f"{LOCATIONS}/99999999999999999999", f"{V1}/999"])
async def test_unknown_location_ids_are_404(api, server, path) -> None:
    await create(api)
    before = await snapshot(server)
    assert (await api.get(path)).status_code == 404
    assert (await api.patch(path, json={"city": "X"} if "v2.0" in path else {"city": "X"})).status_code == 404
    assert (await api.delete(path)).status_code == 404
    assert await snapshot(server) == before


async def test_null_for_a_required_text_is_refused(api, server) -> None:
    created = await create(api)
    before = await snapshot(server)
    for patch in ({"name": None}, {"geoposition": None}, {"address": None}, {"tags": None}):
        response = await api.patch(f"{LOCATIONS}/{created['id']}", json=patch)
        assert response.status_code == 422, patch
    assert await snapshot(server) == before
    assert (await api.get(f"{LOCATIONS}/{created['id']}")).json()["data"]["name"] == texts("Mall parking")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
FIELDS = st.sampled_from(["name", "address", "country", "geoposition", "state", "city", "tags", "timezone",
                          "workingHours", "roamingOperatorId", "parkingType", "externalAppData", "post_code",
                          "region", "status", "description"])
GARBAGE = st.dictionaries(FIELDS, JSON, max_size=6) | JSON


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=GARBAGE, version=st.sampled_from([LOCATIONS, V1]))
async def test_garbage_never_breaks_the_server_nor_the_database(api, server, body, version) -> None:
    before = await snapshot(server)
    response = await api.post(version, json=body)
    assert response.status_code in {201, 422}, response.text
    if response.status_code == 422:
        assert await snapshot(server) == before
    target = (await api.get(LOCATIONS)).json()["data"]
    if target:
        item = f"{version}/{target[0]['id']}"
        before = await snapshot(server)
        patched = await api.patch(item, json=body)
        assert patched.status_code in {200, 422}, patched.text
        if patched.status_code == 422:
            assert await snapshot(server) == before
