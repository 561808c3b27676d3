"""Location rules beyond the schema: states per country, sets, working hours, unique external ids."""

from __future__ import annotations

from tests.resources.test_locations import LOCATIONS, create, location_body
from tests.resources.test_locations_v1 import V1, create_v1


async def test_state_must_belong_to_the_country(api) -> None:
    assert (await create(api, country="US", state="CA"))["state"] == "CA"
    assert (await create(api, country="UM", state="79"))["state"] == "79"
    for country, state in (("US", "NSW"), ("BG", "CA"), ("RO", "CA")):
        response = await api.post(LOCATIONS, json=location_body(country=country, state=state))
        assert response.status_code == 422
        assert response.json()["errors"] == {"state": [f"The selected state is invalid for the country {country}."]}
    assert (await api.get(LOCATIONS)).json()["data"].__len__() == 2


async def test_a_state_left_behind_by_a_new_country_is_dropped(api) -> None:
    created = await create(api, country="AU", state="NSW")
    item = f"{LOCATIONS}/{created['id']}"
    moved = (await api.patch(item, json={"country": "NZ", "region": "Otago"})).json()["data"]
    assert "state" not in moved and moved["region"] == "Otago" and moved["country"] == "NZ"
    back = await api.patch(item, json={"country": "CA", "state": "NSW"})
    assert back.status_code == 422 and "state" in back.json()["errors"]


async def test_v1_region_becomes_a_state_only_where_the_country_has_it(api) -> None:
    us = await create_v1(api, country="US", region="WA")
    de = await create_v1(api, country="DE", region="WA")
    read = {d["id"]: d for d in (await api.get(LOCATIONS)).json()["data"]}
    assert read[us["id"]]["state"] == "WA" and read[us["id"]]["region"] is None
    assert "state" not in read[de["id"]] and read[de["id"]]["region"] == "WA"
    assert us["region"] == de["region"] == "WA"


async def test_access_methods_and_facilities_are_sets_and_null_clears_them(api) -> None:
    created = await create(api, accessMethods=["OPEN", "TOKEN", "OPEN"], facilities=["MALL", "MALL"])
    assert created["accessMethods"] == ["OPEN", "TOKEN"] and created["facilities"] == ["MALL"]
    item = f"{LOCATIONS}/{created['id']}"
    emptied = (await api.patch(item, json={"accessMethods": []})).json()["data"]
    assert emptied["accessMethods"] == [] and emptied["facilities"] == ["MALL"]
    cleared = (await api.patch(item, json={"accessMethods": None, "facilities": None})).json()["data"]
    assert "accessMethods" not in cleared and "facilities" not in cleared


async def test_not_always_open_needs_hours(api) -> None:
    response = await api.post(LOCATIONS, json=location_body(workingHours={"isAlwaysOpen": False}))
    assert response.status_code == 422 and "workingHours.hours" in response.json()["errors"]
    response = await api.post(V1, json={"name": {"en": "X"}, "geoposition": {"latitude": 1, "longitude": 1},
                                        "post_code": "1", "region": "R", "city": "C", "country": "BG",
                                        "working_hours": {"is_always_open": False}})
    assert response.status_code == 422 and "working_hours.hours" in response.json()["errors"]
    closed = await create(api, workingHours={"isAlwaysOpen": False, "hours": {}})
    week = {day: [] for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    assert closed["workingHours"] == {"isAlwaysOpen": False, "hours": week}
    item = f"{LOCATIONS}/{closed['id']}"
    assert (await api.patch(item, json={"workingHours": {"hours": None}})).status_code == 422
    assert (await api.get(item)).json()["data"]["workingHours"] == {"isAlwaysOpen": False, "hours": week}
    monday = [{"start": "08:00", "end": "12:00"}]
    opened = (await api.patch(item, json={"workingHours": {"hours": {"monday": monday}}})).json()["data"]
    assert opened["workingHours"]["hours"] == {**week, "monday": monday}


async def test_external_id_names_one_location(api) -> None:
    first = await create(api, externalId="site-1")
    other = await create(api, externalId="site-2")
    taken = await api.post(LOCATIONS, json=location_body(externalId="site-1"))
    assert taken.status_code == 422 and taken.json()["errors"] == {"externalId": ["The externalId has already been taken."]}
    moved = await api.patch(f"{LOCATIONS}/{other['id']}", json={"externalId": "site-1"})
    assert moved.status_code == 422
    v1 = await api.patch(f"{V1}/{other['id']}", json={"external_id": "site-1"})
    assert v1.status_code == 422 and "external_id" in v1.json()["errors"]
    same = await api.patch(f"{LOCATIONS}/{first['id']}", json={"externalId": "site-1", "city": "X"})
    assert same.status_code == 200
    assert len((await api.get(LOCATIONS)).json()["data"]) == 2


async def test_timezones_are_iana_names(api) -> None:
    assert (await create(api, timezone="America/New_York"))["timezone"] == "America/New_York"
    for name in ("EST", "Mars/Olympus", "../etc/passwd", ""):
        response = await api.post(LOCATIONS, json=location_body(timezone=name))
        assert response.status_code == 422 and "timezone" in response.json()["errors"], name
