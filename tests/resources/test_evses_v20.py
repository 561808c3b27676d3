"""The deprecated /evses/v2.0 view: the same EVSEs in the older wire shape."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from cpms.storage.tables.charge_points import connectors, evses
from tests.resources.test_charge_points import create_cp
from tests.resources.test_evses import EVSES, add_connector, count, create_evse

V20 = "/public-api/resources/evses/v2.0"


def put_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"physicalReference": "B2", "type": "dc", "maxVoltage": "400", "phases": "three_phase",
                            "networkId": "1", "status": "active", "allowsReservation": True}
    body.update(changes)
    return body


async def test_read_shows_the_older_shape(api) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"], powerOptions={"maxPower": 7400, "maxVoltage": "230", "maxAmperage": 32,
                                                          "phases": "split_phase", "phaseRotation": "RST"})
    plug = await add_connector(api, cp["id"], evse["id"], type="gb-t-ac", format="cable")
    read = (await api.get(f"{V20}/{evse['id']}")).json()["data"]
    assert read["type"] == "ac" and read["status"] == "active" and read["chargePointId"] == cp["id"]
    assert read["maxPowerKw"] == 7.4 and read["maxVoltage"] == "230" and read["maxAmperage"] == 32
    assert read["phases"] == "single_phase" and read["phaseRotation"] == "rst"
    assert read["allowsReservation"] is False and read["chargingProfile"] is None
    assert read["connectors"] == [{"id": plug["id"], "type": "catarc", "format": "cable", "status": "active"}]
    assert "powerOptions" not in read and "currentType" not in read


async def test_required_properties_without_a_value_get_their_canonical_defaults(api, server) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    async with server.rt.db.write() as tx:  # as a row the OCPP side might have written
        await tx.conn.execute(update(evses).where(evses.c.id == evse["id"]).values(
            attrs={}, hardware_status="occupied", physical_reference=None, current_type=None))
    read = (await api.get(f"{V20}/{evse['id']}")).json()["data"]
    assert read["maxVoltage"] == "230" and read["allowsReservation"] is False and read["phases"] is None
    assert read["hardwareStatus"] == "charging"
    assert read["physicalReference"] == "1" and read["type"] == "ac"
    canonical = (await api.get(f"{EVSES}/{evse['id']}")).json()["data"]
    assert canonical["physicalReference"] == "1" and canonical["currentType"] == "ac"


async def test_put_updates_through_the_view(api, server) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    plug = await add_connector(api, cp["id"], evse["id"])
    body = put_body(maxPowerKw=50.5, phaseRotation="tsr", tariffGroupId=9, externalId="EXT",
                    connectors=[{"id": plug["id"], "type": "catarc", "status": "disabled"},
                                {"type": "ccs2", "format": "cable"}])
    response = await api.put(f"{V20}/{evse['id']}", json=body)
    assert response.status_code == 200, response.json()
    answered = response.json()["data"]
    assert answered["type"] == "dc" and answered["maxPowerKw"] == 50.5 and answered["phaseRotation"] == "tsr"
    assert [(c["type"], c["status"]) for c in answered["connectors"]] == [("catarc", "disabled"), ("ccs2", "active")]
    canonical = (await api.get(f"{EVSES}/{evse['id']}", params={"include[]": "connectors"})).json()["data"]
    assert canonical["currentType"] == "dc" and canonical["physicalReference"] == "B2"
    assert canonical["powerOptions"] == {"maxPower": 50500, "maxVoltage": "400", "phases": "three_phase",
                                         "phaseRotation": "TSR"}
    assert canonical["allowsReservation"] is True and canonical["tariffGroupId"] == 9
    assert [c["type"] for c in canonical["connectors"]] == ["gb-t-dc", "ccs2"]
    # a PUT listing no connectors removes them; one without `connectors` leaves them alone
    await api.put(f"{V20}/{evse['id']}", json=put_body())
    assert await count(server, connectors) == 2
    await api.put(f"{V20}/{evse['id']}", json=put_body(connectors=[]))
    assert await count(server, connectors) == 0


async def test_put_with_a_foreign_or_incomplete_connector_changes_nothing(api, server) -> None:
    cp = await create_cp(api)
    evse, other = await create_evse(api, cp["id"]), await create_evse(api, cp["id"], networkId="2")
    foreign = await add_connector(api, cp["id"], other["id"])
    mine = await add_connector(api, cp["id"], evse["id"])
    for items, field in (([{"id": foreign["id"], "type": "type2"}], "connectors.0.id"),
                         ([{"id": mine["id"]}, {"format": "cable"}], "connectors.1.type")):
        response = await api.put(f"{V20}/{evse['id']}", json=put_body(physicalReference="changed", connectors=items))
        assert response.status_code == 422 and field in response.json()["errors"], response.json()
    async with server.rt.db.read() as conn:
        refs = (await conn.execute(select(evses.c.physical_reference).order_by(evses.c.id))).scalars().all()
    assert refs == ["A1", "A1"] and await count(server, connectors) == 2


async def test_put_needs_the_whole_document(api) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    response = await api.put(f"{V20}/{evse['id']}", json={"physicalReference": "x"})
    assert response.status_code == 422
    assert {"type", "maxVoltage", "networkId", "status", "allowsReservation"} <= set(response.json()["errors"])
    bad = await api.put(f"{V20}/{evse['id']}", json=put_body(status="enabled", maxVoltage="999"))
    assert bad.status_code == 422 and {"status", "maxVoltage"} <= set(bad.json()["errors"])


async def test_listing_filters_and_both_paginations(api, server) -> None:
    a, b = await create_cp(api, name="A", partner={"id": 5}), await create_cp(api, name="B")
    one = await create_evse(api, a["id"], tariffGroupId=3)
    two = await create_evse(api, a["id"], networkId="2", currentType="dc", status="disabled")
    three = await create_evse(api, b["id"], physicalReference="Z9")
    plug = await add_connector(api, b["id"], three["id"])
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(evses).where(evses.c.id == one["id"]).values(hardware_status="occupied"))

    async def ids(**filters: Any) -> list[int]:
        response = await api.get(V20, params={f"filter[{k}]": v for k, v in filters.items()})
        assert response.status_code == 200, response.json()
        return [e["id"] for e in response.json()["data"]]

    assert await ids() == [one["id"], two["id"], three["id"]]
    assert await ids(chargePointId=a["id"]) == [one["id"], two["id"]]
    assert await ids(physicalReference="Z9") == [three["id"]]
    assert await ids(evseStatus="active") == [one["id"], three["id"]]
    assert await ids(evseStatus="disabled") == [two["id"]]
    assert await ids(evseType="dc") == [two["id"]]
    assert await ids(hardwareStatus="charging") == [one["id"]]
    assert await ids(connectorId=plug["id"]) == [three["id"]]
    assert await ids(tariffGroupId=3) == [one["id"]]
    assert await ids(partnerId=5) == [one["id"], two["id"]]
    assert await ids(roamingPlatformId=1) == []
    paged = (await api.get(V20, params={"per_page": 2, "page": 2})).json()
    assert [e["id"] for e in paged["data"]] == [three["id"]] and paged["meta"]["total"] == 3
    cursor = (await api.get(V20, params={"per_page": 2, "cursor": ""})).json()
    assert [e["id"] for e in cursor["data"]] == [one["id"], two["id"]] and cursor["meta"]["next_cursor"]
