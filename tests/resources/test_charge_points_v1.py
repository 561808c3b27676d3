"""Charge points v1.0: the deprecated wire shape over the same rows as v2.0."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from cpms.security.charger_secrets import verify_charger_password
from cpms.storage.tables.charge_points import charge_points, evses
from tests.resources.test_charge_points import CPS, create_cp, events_of, user

V1 = "/public-api/resources/charge-points/v1.0"


def v1_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Old API", "networkId": "V1-CP", "status": "active", "templateId": 1}
    body.update(changes)
    return body


async def create_v1(api, **changes: Any) -> dict[str, Any]:
    response = await api.post(V1, json=v1_body(**changes))
    assert response.status_code == 201, response.json()
    return response.json()["data"]


async def test_create_with_evses_and_read_in_both_versions(api, server) -> None:
    created = await create_v1(api, networkProtocol="ocpp 1.6", networkPassword="Passw0rdPassw0rd",
                              networkIp="10.0.0.5", networkPort="8080", accessType="private",
                              capabilities=["REMOTE_START_STOP_CAPABLE", "METER_VALUES"], desiredSecurityProfile=1,
                              ownerPartnerId=7, partnerAccessType="privateViewPublicUse", tags=["legacy"],
                              evses={"1": {"physicalReference": "L", "maxAmperage": 32, "tariffGroupId": 4},
                                     "2": {"status": "out of order"}})
    assert created["networkId"] == "V1-CP" and created["status"] == "active" and created["accessType"] == "private"
    assert created["networkPort"] == "8080" and created["networkIp"] == "10.0.0.5"
    assert created["capabilities"] == ["REMOTE_START_STOP_CAPABLE", "METER_VALUES"]
    assert created["networkStatus"] == "never connected" and created["currentSecurityProfile"] == 0
    assert created["desiredSecurityProfile"] == 1 and created["ownerPartnerId"] == 7
    assert created["partnerAccessType"] == "privateViewPublicUse" and created["tags"] == ["legacy"]
    assert "networkPassword" not in created
    assert [e["hardwareStatus"] for e in created["evses"]] == [None, None] and len(created["evses"]) == 2
    v2 = (await api.get(f"{CPS}/{created['id']}")).json()["data"]
    assert v2["network"] == {"id": "V1-CP", "protocol": "ocpp 1.6", "ip": "10.0.0.5", "port": 8080}
    assert v2["status"] == "enabled" and v2["type"] == "private"
    assert v2["capabilities"] == ["remote_start_stop_capable", "meter_values"]
    assert v2["partner"]["accessType"] == "private_view_public_use"
    evse_docs = (await api.get(f"{CPS}/{created['id']}/evses")).json()["data"]
    assert [(e["networkId"], e["physicalReference"], e["status"]) for e in evse_docs] == [
        ("1", "L", "enabled"), ("2", "2", "out of order")]
    assert evse_docs[0]["powerOptions"] == {"maxAmperage": 32} and evse_docs[0]["tariffGroupId"] == 4
    assert len(await events_of(server, "evse.changed")) == 2
    async with server.rt.db.read() as conn:
        stored = (await conn.execute(select(charge_points.c.network_password_hash))).scalar_one()
    assert verify_charger_password("Passw0rdPassw0rd", stored)


async def test_v2_charge_points_read_in_v1(api, server) -> None:
    owner = await user(server)
    cp = await create_cp(api, type="personal", user={"id": owner}, capabilities=["display_messages", "meter_values"],
                         enableAutoFaultRecovery=False)
    await api.post(f"{CPS}/{cp['id']}/evses", json={"physicalReference": "A", "currentType": "ac", "networkId": "1",
                                                    "status": "enabled"})
    boot = {"model": "M", "vendor": "V", "chargeBoxSerialNumber": "CB-1", "firmwareVersion": "2", "reason": "PowerUp"}
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(charge_points).values(last_boot_notification=boot,
                                                           network_status="long-term_unavailable"))
        await tx.conn.execute(update(evses).values(hardware_status="occupied"))
    read = (await api.get(f"{V1}/{cp['id']}")).json()["data"]
    assert read["accessType"] == "personal" and read["ownerUserId"] == owner
    assert read["capabilities"] == ["METER_VALUES"], "v1.0 shows only the capabilities it knows"
    assert read["networkProtocol"] == "ocpp 1.6" and read["networkId"] is None
    assert read["networkStatus"] == "long-term unavailable" and read["autoFaultRecovery"] is False
    assert read["lastBootNotification"]["charge_box_serial_number"] == "CB-1"
    assert read["lastBootNotification"]["reason"] == "PowerUp" and read["chargingProfile"] is None
    assert [e["hardwareStatus"] for e in read["evses"]] == ["charging"]


async def test_update_and_delete(api, server) -> None:
    created = await create_v1(api, evses={"1": {"physicalReference": "one"}})
    url = f"{V1}/{created['id']}"
    changed = await api.patch(url, json={"name": "Renamed", "status": "out of order", "networkPort": None,
                                         "evses": {"1": {"status": "disabled"}, "2": {"physicalReference": "two"}}})
    assert changed.status_code == 200, changed.json()
    data = changed.json()  # the contract's v1.0 update answers the bare charge point
    assert data["name"] == "Renamed" and data["status"] == "out of order" and len(data["evses"]) == 2
    evse_docs = (await api.get(f"{CPS}/{created['id']}/evses")).json()["data"]
    assert [(e["networkId"], e["physicalReference"], e["status"]) for e in evse_docs] == [
        ("1", "one", "disabled"), ("2", "two", "enabled")]
    assert (await api.get(url)).json()["data"]["name"] == "Renamed"
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(evses))).all() == []


async def test_bad_v1_input_changes_nothing(api, server) -> None:
    await create_v1(api)
    for body, field in ((v1_body(networkId="V1-CP"), "networkId"), (v1_body(networkPort="http"), "networkPort"),
                        (v1_body(status="enabled"), "status"),
                        (v1_body(capabilities=["meter_values"]), "capabilities.0"),
                        (v1_body(desiredSecurityProfile=3), "desiredSecurityProfile"), ({"name": "x"}, "templateId"),
                        (v1_body(evses={"": {}}), "evses."),
                        (v1_body(evses={"1": {"status": "enabled"}}), "evses.1.status"),
                        (v1_body(networkId="NEW", evses={"x" * 65: {}}), "evses." + "x" * 65)):
        response = await api.post(V1, json=body)
        assert response.status_code == 422, (body, response.json())
        assert field in response.json()["errors"], (field, response.json())
    listed = (await api.get(V1)).json()
    assert listed["meta"]["total"] == 1
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(evses))).all() == []


async def test_listing_filters_in_v1_names(api, server) -> None:
    a = await create_v1(api, networkId="A-1", accessType="public", evses={"1": {"physicalReference": "REF-A"}})
    b = await create_v1(api, networkId="B-1", accessType="private", ownerPartnerId=3)
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(charge_points).where(charge_points.c.id == b["id"]).values(
            last_boot_notification={"chargePointSerialNumber": "SER-B"}, roaming_operator_id=4))
        await tx.conn.execute(update(evses).values(external_id="EVX"))

    async def ids(**filters: Any) -> list[int]:
        response = await api.get(V1, params={f"filter[{k}]": v for k, v in filters.items()})
        assert response.status_code == 200, response.json()
        return [cp["id"] for cp in response.json()["data"]]

    assert await ids(chargePointNetworkId="B-1") == [b["id"]]
    assert await ids(accessType="private") == [b["id"]]
    assert await ids(evseId=a["evses"][0]["id"]) == [a["id"]]
    assert await ids(physicalReference="REF-A") == [a["id"]]
    assert await ids(evsePhysicalReference="REF-A") == [a["id"]]
    assert await ids(evseExternalId="EVX") == [a["id"]]
    assert await ids(chargePointBootNotificationSerialNumber="SER-B") == [b["id"]]
    assert await ids(partnerId=3) == [b["id"]]
    assert await ids(roaming="true") == [b["id"]] and await ids(roaming="false") == [a["id"]]
    assert await ids(name="old") == [a["id"], b["id"]]
    page = (await api.get(V1, params={"per_page": 1, "page": 2})).json()
    assert [cp["id"] for cp in page["data"]] == [b["id"]] and page["meta"]["last_page"] == 2
