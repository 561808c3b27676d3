"""Security events as the API serves them: the critical ones, filtered, at both paths."""

from datetime import datetime, timedelta, timezone

import pytest

from cpms.domain.security_events import record_security_event
from tests.support import seed

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
PATHS = ["/public-api/resources/security-events/v2.0", "/public-api/resources/security-events-log/v2.0"]


@pytest.fixture
async def reported(server):
    db = server.rt.db
    one = await seed.charge_point(db, "CP-SE1")
    two = await seed.charge_point(db, "CP-SE2")
    ids = {}
    async with db.write() as tx:
        reports = [(one, "StartupOfTheDevice", None), (one, "InvalidMessages", "junk"),
                   (two, "TamperDetectionActivated", "lid"), (one, "ResetOrReboot", "Hard")]
        for n, (cp, kind, info) in enumerate(reports):
            ids[kind] = await record_security_event(tx, cp["id"], kind, T0 + timedelta(hours=n), info, T0)
    return one, two, ids


@pytest.mark.parametrize("path", PATHS)
async def test_the_critical_events_are_listed_and_read(api, reported, path) -> None:
    one, two, ids = reported
    listed = (await api.get(path)).json()["data"]
    assert [(e["type"], e["chargePoint"]) for e in listed] == [
        ("StartupOfTheDevice", one["id"]), ("TamperDetectionActivated", two["id"]), ("ResetOrReboot", one["id"])]
    assert listed[1] == {"id": ids["TamperDetectionActivated"], "chargePoint": two["id"],
                         "type": "TamperDetectionActivated", "techInfo": "lid",
                         "timestamp": "2026-05-01T14:00:00.000000Z"}
    read = (await api.get(f"{path}/{ids['ResetOrReboot']}")).json()["data"]
    assert read["type"] == "ResetOrReboot" and read["techInfo"] == "Hard"
    # kept, announced, but not one of the contract's types: not served
    assert (await api.get(f"{path}/{ids['InvalidMessages']}")).status_code == 404
    assert (await api.get(f"{path}/999999")).status_code == 404


@pytest.mark.parametrize("params, expected", [
    ({"filter[type]": "ResetOrReboot"}, ["ResetOrReboot"]),
    ({"filter[chargePoint]": "CP2"}, ["TamperDetectionActivated"]),
    ({"filter[timestampFrom]": "2026-05-01T13:30:00Z"}, ["TamperDetectionActivated", "ResetOrReboot"]),
    ({"filter[timestampTo]": "2026-05-01T14:00:00Z"}, ["StartupOfTheDevice", "TamperDetectionActivated"]),
    ({"filter[timestampFrom]": "2026-05-01T13:00:00Z", "filter[timestampTo]": "2026-05-01T14:00:00Z",
      "filter[chargePoint]": "CP1"}, []),
])
async def test_filters(api, reported, params, expected) -> None:
    one, two, _ = reported
    values = {k: str(one["id"]) if v == "CP1" else str(two["id"]) if v == "CP2" else v for k, v in params.items()}
    listed = (await api.get(PATHS[0], params=values)).json()["data"]
    assert [e["type"] for e in listed] == expected


@pytest.mark.parametrize("params, field", [({"filter[type]": "InvalidMessages"}, "filter.type"),
                                           ({"filter[timestampFrom]": "soon"}, "filter.timestampFrom"),
                                           ({"filter[chargePoint]": "one"}, "filter.chargePoint")])
async def test_bad_filters_are_422(api, reported, params, field) -> None:
    response = await api.get(PATHS[0], params=params)
    assert response.status_code == 422 and field in response.json()["errors"], response.json()


async def test_pages_follow_the_cursor(api, reported) -> None:
    first = (await api.get(PATHS[1], params={"per_page": 2})).json()
    assert len(first["data"]) == 2 and first["meta"]["next_cursor"]
    rest = (await api.get(PATHS[1], params={"per_page": 2, "cursor": first["meta"]["next_cursor"]})).json()
    assert [e["type"] for e in rest["data"]] == ["ResetOrReboot"] and rest["meta"]["next_cursor"] is None
