"""Listing charge points v2.0: every filter of the contract, includes and cursor pagination."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from cpms.contract import load_contract
from cpms.storage.tables.charge_points import charge_points
from tests.resources.test_charge_points import CPS, create_cp, location, model, user, zone


@pytest.fixture
async def network(api, server) -> dict[str, Any]:
    """Three charge points that differ in every filtered property."""
    loc = await location(server)
    zone_id = await zone(server, loc)
    owner = await user(server)
    abb, terra = await model(api, "ABB", "Terra")
    _, other_model = await model(api, "Alfen", "Eve")
    a = await create_cp(api, name="Mall North", type="public", locationId=loc, chargingZoneId=zone_id, modelId=terra,
                        network={"id": "NET-A"}, tags=["mall", "fast"], externalId="EXT-A", sharingCode="SHARE-A",
                        partner={"id": 11}, managedByOperator=True, utilityId=21,
                        security={"desiredProfile": 2})
    b = await create_cp(api, name="Home Garage", type="personal", modelId=other_model, user={"id": owner},
                        network={"id": "NET-B"}, tags=["home"], managedByOperator=False)
    c = await create_cp(api, name="mall south_50%", type="private", network={"id": "NET-C"})
    await api.post(f"{CPS}/{a['id']}/evses", json={"physicalReference": "PR-1", "currentType": "ac", "networkId": "1",
                                                   "status": "enabled"})
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(charge_points).where(charge_points.c.id == a["id"]).values(
            last_boot_notification={"model": "Terra", "vendor": "ABB", "chargePointSerialNumber": "SN-A"},
            desired_security_profile_status="pending"))
        await tx.conn.execute(update(charge_points).where(charge_points.c.id == b["id"]).values(
            last_boot_notification={"model": "Eve", "vendor": "Alfen", "chargeBoxSerialNumber": "BOX-B"},
            roaming_operator_id=77))
    return {"a": a["id"], "b": b["id"], "c": c["id"], "location": loc, "zone": zone_id, "owner": owner,
            "vendor": abb, "model": terra}


async def ids(api, params: Any) -> list[int]:
    response = await api.get(CPS, params=params)
    assert response.status_code == 200, response.json()
    return [cp["id"] for cp in response.json()["data"]]


async def test_every_filter(api, network) -> None:
    a, b, c = network["a"], network["b"], network["c"]
    cases = {
        "desiredSecurityProfileStatus": ("pending", [a]),
        "evsePhysicalReference": ("PR-1", [a]),
        "networkId": ("NET-B", [b]),
        "bootNotificationSerialNumber": ("SN-A", [a]),
        "modelId": (network["model"], [a]),
        "vendorId": (network["vendor"], [a]),
        "userId": (network["owner"], [b]),
        "partnerId": (11, [a]),
        "type": ("private", [c]),
        "subOperatorId": (1, []),
        "roaming": ("true", [b]),
        "name": ("MALL", [a, c]),
        "locationId": (network["location"], [a]),
        "circuitId": (1, []),
        "chargingZoneId": (network["zone"], [a]),
        "managedByOperator": ("false", [b]),
        "externalId": ("EXT-A", [a]),
        "utilityId": (21, [a]),
        "tag": ("mall", [a]),
        "sharingCode": ("SHARE-A", [a]),
        "lastUpdatedAfter": ("2000-01-01T00:00:00Z", [a, b, c]),
        "lastUpdatedBefore": ("2000-01-01T00:00:00Z", []),
    }
    declared = set(load_contract()["chargePointsListing"].filter_names)
    assert set(cases) | {"roamingOperatorIds"} == declared, "every filter of the contract is tested"
    for name, (value, expected) in cases.items():
        assert await ids(api, {f"filter[{name}]": value}) == expected, name
    assert await ids(api, [("filter[roamingOperatorIds][]", "77"), ("filter[roamingOperatorIds][]", "78")]) == [b]
    assert await ids(api, {"filter[bootNotificationSerialNumber]": "BOX-B"}) == [b]
    assert await ids(api, {"filter[roaming]": "false"}) == [a, c]
    assert await ids(api, {"filter[name]": "_50%"}) == [c], "LIKE wildcards in the text are literal"
    assert await ids(api, {"filter[name]": "%"}) == [c]
    assert await ids(api, {"filter[tag]": "mal"}) == []
    assert await ids(api, {"filter[type]": "public", "filter[tag]": "fast", "filter[name]": "north"}) == [a]


@pytest.mark.parametrize(("name", "value"), [("modelId", "abc"), ("vendorId", "x"), ("type", "shared"),
                                             ("lastUpdatedAfter", "yesterday"), ("managedByOperator", "maybe"),
                                             ("desiredSecurityProfileStatus", "done"), ("locationId", "1.5"),
                                             ("nonsense", "1")])
async def test_bad_filter_values_get_422(api, name, value) -> None:
    response = await api.get(CPS, params={f"filter[{name}]": value})
    assert response.status_code == 422 and response.json()["errors"], (name, value)


async def test_cursor_pagination_walks_every_charge_point_once(api) -> None:
    made = [(await create_cp(api, name=f"CP {n}"))["id"] for n in range(7)]
    seen, pages = [], 0
    page = (await api.get(CPS, params={"per_page": 3, "filter[name]": "CP"})).json()
    while True:
        pages += 1
        seen += [cp["id"] for cp in page["data"]]
        if not page["links"]["next"]:
            break
        page = (await api.get(page["links"]["next"])).json()
    assert seen == made and pages == 3
    back = (await api.get(page["links"]["prev"])).json()
    assert [cp["id"] for cp in back["data"]] == made[3:6]
    assert (await api.get(CPS, params={"cursor": "garbage"})).status_code == 422
    assert (await api.get(CPS, params={"per_page": 101})).status_code == 422
