"""Charge points v2.0: the canonical document, its defaults, rules and filters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from cpms.clock import UTC, FrozenClock
from cpms.security.charger_secrets import verify_charger_password
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.core import events
from cpms.storage.tables.locations import charging_zones, locations
from cpms.storage.tables.users import users

CPS = "/public-api/resources/charge-points/v2.0"
VENDORS = "/public-api/resources/charge-point-vendors/v1.0"
MODELS = "/public-api/resources/charge-point-models/v1.0"
LOCATIONS = "/public-api/resources/locations/v2.0"


def cp_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Depot 1", "type": "public", "status": "enabled"}
    body.update(changes)
    return body


async def create_cp(api, **changes: Any) -> dict[str, Any]:
    response = await api.post(CPS, json=cp_body(**changes))
    assert response.status_code == 201, response.json()
    return response.json()["data"]


async def insert_row(server, table: Any, **values: Any) -> int:
    """A row written straight to the database, for neighbours whose API is not under test here."""
    now = server.rt.clock.now()
    if "last_updated_at" in table.c:
        values = {"attrs": {}, "created_at": now, "last_updated_at": now, **values}
    async with server.rt.db.write() as tx:
        return (await tx.conn.execute(insert(table).values(values).returning(table.c.id))).scalar_one()


async def location(server) -> int:
    return await insert_row(server, locations, status="enabled")


async def zone(server, location_id: int) -> int:
    return await insert_row(server, charging_zones, location_id=location_id, name="Level -1")


async def user(server, email: str = "driver@example.com") -> int:
    return await insert_row(server, users, email=email, status="enabled")


async def model(api, vendor: str = "ABB", name: str = "Terra AC") -> tuple[int, int]:
    vendor_id = (await api.post(VENDORS, json={"name": vendor})).json()["data"]["id"]
    model_id = (await api.post(MODELS, json={"name": name, "vendorId": vendor_id})).json()["data"]["id"]
    return vendor_id, model_id


async def events_of(server, type_: str) -> list[Any]:
    async with server.rt.db.read() as conn:
        return (await conn.execute(select(events).where(events.c.type == type_).order_by(events.c.id))).all()


async def test_create_read_update_delete(api, server) -> None:
    loc = await location(server)
    created = await create_cp(api, locationId=loc, network={"id": "CP-0001", "protocol": "ocpp 1.6"},
                              tags=["depot", "fast"], externalId="ext-1", pin="1234")
    assert created["name"] == "Depot 1" and created["locationId"] == loc
    assert created["network"]["id"] == "CP-0001" and created["network"]["protocol"] == "ocpp 1.6"
    assert created["tags"] == ["depot", "fast"]
    read = (await api.get(f"{CPS}/{created['id']}")).json()["data"]
    # create declares no include[]: it shows the (empty) boot notification that read leaves out
    assert created.pop("lastBootNotification") is None
    assert read == created
    changed = (await api.patch(f"{CPS}/{created['id']}", json={"name": "Depot 2", "tags": ["slow"]})).json()["data"]
    assert changed["name"] == "Depot 2" and changed["tags"] == ["slow"] and changed["pin"] == "1234"
    assert (await api.delete(f"{CPS}/{created['id']}")).status_code == 204
    assert (await api.get(f"{CPS}/{created['id']}")).status_code == 404


async def test_defaults_on_create(api) -> None:
    created = await create_cp(api)
    assert created["networkStatus"] == "never_connected"
    assert created["security"]["currentProfile"] == 0
    assert created["managedByOperator"] is True
    assert created["autoStartWithoutAuthorization"] is False
    assert created["disableAutoStartEmulation"] is False
    assert created["enableAutoFaultRecovery"] is True
    assert created["usesRenewableEnergy"] is False
    assert created["communicationMode"] == "direct_ocpp"
    assert created["network"] == {"id": None}
    assert created["lastBootNotification"] is None


async def test_read_only_properties_sent_by_a_client_are_ignored(api) -> None:
    created = await create_cp(api, networkStatus="available", hardwareStatus="faulted", vendorErrorCode="E1",
                              security={"currentProfile": 3, "desiredProfile": 1, "desiredProfileStatus": "applied"},
                              lastBootNotification={"model": "X", "vendor": "Y"}, roamingOperatorId=5,
                              createdAt="2001-01-01T00:00:00Z", firstContactAt="2001-01-01", id=777)
    assert created["networkStatus"] == "never_connected" and "hardwareStatus" not in created
    assert created["security"] == {"currentProfile": 0, "desiredProfile": 1}
    assert created["id"] != 777 and not created["createdAt"].startswith("2001")
    assert "roamingOperatorId" not in created and "vendorErrorCode" not in created
    with_boot = (await api.get(f"{CPS}/{created['id']}", params={"include[]": "lastBootNotification"})).json()["data"]
    assert with_boot["lastBootNotification"] is None
    patched = (await api.patch(f"{CPS}/{created['id']}", json={"networkStatus": "available",
                                                              "security": {"currentProfile": 2}})).json()["data"]
    assert patched["networkStatus"] == "never_connected" and patched["security"]["currentProfile"] == 0


async def test_network_password_is_write_only_and_hashed(api, server) -> None:
    created = await create_cp(api, network={"id": "CP-PW", "password": "Sup3rSecretPassw0rd"})
    assert "password" not in created["network"]
    assert "password" not in (await api.get(f"{CPS}/{created['id']}")).json()["data"]["network"]
    listed = (await api.get(CPS)).json()["data"][0]
    assert "password" not in listed["network"]

    async def stored() -> str | None:
        async with server.rt.db.read() as conn:
            row = (await conn.execute(select(charge_points).where(charge_points.c.id == created["id"]))).one()
        assert "Sup3rSecretPassw0rd" not in str(tuple(row))
        return row.network_password_hash

    assert verify_charger_password("Sup3rSecretPassw0rd", await stored())
    await api.patch(f"{CPS}/{created['id']}", json={"network": {"password": "An0therOne"}})
    assert verify_charger_password("An0therOne", await stored())
    await api.patch(f"{CPS}/{created['id']}", json={"name": "renamed"})
    assert verify_charger_password("An0therOne", await stored()), "a patch without a password keeps it"


async def test_network_id_is_unique(api, server) -> None:
    first = await create_cp(api, network={"id": "CP-DUP"})
    response = await api.post(CPS, json=cp_body(network={"id": "CP-DUP"}))
    assert response.status_code == 422
    assert response.json()["errors"] == {"network.id": ["The network.id has already been taken."]}
    other = await create_cp(api, network={"id": "CP-OTHER"})
    clash = await api.patch(f"{CPS}/{other['id']}", json={"network": {"id": "CP-DUP"}})
    assert clash.status_code == 422 and "network.id" in clash.json()["errors"]
    assert (await api.patch(f"{CPS}/{first['id']}", json={"network": {"id": "CP-DUP"}})).status_code == 200
    assert len((await api.get(CPS)).json()["data"]) == 2


async def test_network_id_must_be_dialable(api) -> None:
    for bad in ("", "   ", "a/b"):
        response = await api.post(CPS, json=cp_body(network={"id": bad}))
        assert response.status_code == 422 and "network.id" in response.json()["errors"], bad


async def test_references_are_checked(api, server) -> None:
    for body, field in ((cp_body(locationId=999), "locationId"), (cp_body(modelId=999), "modelId"),
                        (cp_body(chargingZoneId=999), "chargingZoneId"), (cp_body(user={"id": 999}), "user.id")):
        response = await api.post(CPS, json=body)
        assert response.status_code == 422 and field in response.json()["errors"], body
    assert (await api.get(CPS)).json()["data"] == []


async def test_charging_zone_must_be_at_the_charge_points_location(api, server) -> None:
    here, there = await location(server), await location(server)
    zone_here = await zone(server, here)
    created = await create_cp(api, locationId=here, chargingZoneId=zone_here)
    assert created["chargingZoneId"] == zone_here
    moved = await api.patch(f"{CPS}/{created['id']}", json={"locationId": there})
    assert moved.status_code == 422 and "chargingZoneId" in moved.json()["errors"]
    both = await api.patch(f"{CPS}/{created['id']}", json={"locationId": there, "chargingZoneId": None})
    assert both.status_code == 200 and both.json()["data"]["chargingZoneId"] is None
    wrong = await api.post(CPS, json=cp_body(locationId=there, chargingZoneId=zone_here))
    assert wrong.status_code == 422


async def test_ocpp_connected_charge_point_must_be_another_charge_point(api) -> None:
    hub = await create_cp(api, name="Hub")
    child = await create_cp(api, name="Satellite", ocppConnectedChargePointId=hub["id"])
    assert child["ocppConnectedChargePointId"] == hub["id"]
    assert child["communicationMode"] == "via_ocpp_connected_charge_point"
    assert (await api.post(CPS, json=cp_body(ocppConnectedChargePointId=999))).status_code == 422
    # the contract's update has no ocppConnectedChargePointId: it is set once, on create
    itself = await api.patch(f"{CPS}/{hub['id']}", json={"ocppConnectedChargePointId": hub["id"]})
    assert itself.status_code == 200 and "ocppConnectedChargePointId" not in itself.json()["data"]


async def test_user_and_partner(api, server) -> None:
    owner = await user(server)
    created = await create_cp(api, type="personal", user={"id": owner},
                              partner={"id": 42, "accessType": "private_view_public_use"})
    assert created["user"] == {"id": owner, "automaticFirmwareUpdatesEnabled": True}
    assert created["partner"]["id"] == 42 and created["partner"]["corporateBillingAsDefault"] is False
    listed = (await api.get(CPS, params={"filter[userId]": owner})).json()["data"]
    assert [cp["id"] for cp in listed] == [created["id"]]
    assert len((await api.get(CPS, params={"filter[partnerId]": 42})).json()["data"]) == 1
    assert (await api.get(CPS, params={"filter[partnerId]": 43})).json()["data"] == []


async def test_last_updated_at_moves_on_every_change(api, server) -> None:
    start = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    server.rt.clock = FrozenClock(start)
    created = await create_cp(api)
    assert created["createdAt"] == created["lastUpdatedAt"] == "2025-03-01T12:00:00.000000Z"
    server.rt.clock = FrozenClock(start + timedelta(minutes=5))
    changed = (await api.patch(f"{CPS}/{created['id']}", json={"name": "Renamed"})).json()["data"]
    assert changed["lastUpdatedAt"] == "2025-03-01T12:05:00.000000Z"
    assert changed["createdAt"] == created["createdAt"]
    after = (await api.get(CPS, params={"filter[lastUpdatedAfter]": "2025-03-01T12:01:00Z"})).json()["data"]
    before = (await api.get(CPS, params={"filter[lastUpdatedBefore]": "2025-03-01T12:01:00Z"})).json()["data"]
    assert [cp["id"] for cp in after] == [created["id"]] and before == []


async def test_changes_emit_charge_point_changed(api, server) -> None:
    created = await create_cp(api)
    await api.patch(f"{CPS}/{created['id']}", json={"name": "x"})
    await api.delete(f"{CPS}/{created['id']}")
    found = await events_of(server, "chargePoint.changed")
    assert [(e.entity, e.entity_id, e.data["action"]) for e in found] == [
        ("chargePoint", str(created["id"]), "created"), ("chargePoint", str(created["id"]), "updated"),
        ("chargePoint", str(created["id"]), "deleted")]


async def test_first_contact_is_a_date_and_boot_notification_an_include(api, server) -> None:
    created = await create_cp(api, network={"id": "CP-BOOT"})
    boot = {"model": "Terra", "vendor": "ABB", "chargePointSerialNumber": "SN-1", "chargeBoxSerialNumber": None,
            "firmwareVersion": "1.2", "lastUpdatedAt": "2025-01-01T00:00:00.000000Z", "reason": "PowerUp"}
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(charge_points).where(charge_points.c.id == created["id"]).values(
            first_contact_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC), last_boot_notification=boot,
            network_status="available", hardware_status="available"))
    read = (await api.get(f"{CPS}/{created['id']}", params={"include[]": "lastBootNotification"})).json()["data"]
    assert read["firstContactAt"] == "2025-01-02"
    assert read["networkStatus"] == "available" and read["hardwareStatus"] == "available"
    assert read["lastBootNotification"]["chargePointSerialNumber"] == "SN-1"
    assert "reason" not in read["lastBootNotification"]
    plain = (await api.get(f"{CPS}/{created['id']}")).json()["data"]
    assert "lastBootNotification" not in plain


async def test_smart_charging_includes_answer_the_empty_shape(api) -> None:
    created = await create_cp(api)
    includes = ["chargingProfile", "smartCharging", "smartChargingPreferences", "personalSmartChargingPreferences",
                "availablePersonalSmartChargingModes", "lastBootNotification"]
    read = (await api.get(f"{CPS}/{created['id']}", params={"include[]": includes})).json()["data"]
    assert read["chargingProfile"] is None and read["lastBootNotification"] is None
    listed = (await api.get(CPS, params={"include[]": includes})).json()["data"]
    assert listed[0]["chargingProfile"] is None


async def test_location_and_model_with_charge_points_cannot_be_deleted(api, server) -> None:
    _vendor_id, model_id = await model(api)
    loc = await location(server)
    created = await create_cp(api, modelId=model_id, locationId=loc)
    response = await api.delete(f"{MODELS}/{model_id}")
    assert response.status_code == 409 and "1 charge point still belongs" in response.json()["message"]
    response = await api.delete(f"{LOCATIONS}/{loc}")
    assert response.status_code == 409 and "1 charge point still belongs" in response.json()["message"]
    with pytest.raises(IntegrityError):  # the database says the same underneath
        async with server.rt.db.write() as tx:
            await tx.conn.execute(locations.delete().where(locations.c.id == loc))
    await api.delete(f"{CPS}/{created['id']}")
    assert (await api.delete(f"{MODELS}/{model_id}")).status_code == 204
    assert (await api.delete(f"{LOCATIONS}/{loc}")).status_code == 204
