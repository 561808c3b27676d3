"""EVSEs: nested under their charge point (v2.0) and top-level (v2.1), one document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from cpms.storage.tables.charge_points import connectors, evses
from tests.resources.test_charge_points import CPS, create_cp, events_of

EVSES = "/public-api/resources/evses/v2.1"


def evse_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"physicalReference": "A1", "currentType": "ac", "networkId": "1", "status": "enabled"}
    body.update(changes)
    return body


def nested(cp_id: int) -> str:
    return f"{CPS}/{cp_id}/evses"


async def create_evse(api, cp_id: int, **changes: Any) -> dict[str, Any]:
    response = await api.post(nested(cp_id), json=evse_body(**changes))
    assert response.status_code == 201, response.json()
    return response.json()["data"]


async def add_connector(api, cp_id: int, evse_id: int, **body: Any) -> dict[str, Any]:
    response = await api.post(f"{nested(cp_id)}/{evse_id}/connectors", json={"type": "type2", **body})
    assert response.status_code == 201, response.json()
    return response.json()["data"]


async def count(server, table: Any) -> int:
    async with server.rt.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_nested_lifecycle(api) -> None:
    cp = await create_cp(api)
    created = await create_evse(api, cp["id"], label="Left", externalId="E-1", tariffGroupId=3,
                                powerOptions={"maxPower": 22000, "phases": "three_phase"},
                                midMeterCertificationEndYear=2030)
    assert created["networkId"] == "1" and created["label"] == "Left"
    assert created["powerOptions"] == {"maxPower": 22000, "phases": "three_phase"}
    assert created["roamingOperatorId"] == 0 and created["hardwareStatus"] is None
    assert created["allowsReservation"] is False
    url = f"{nested(cp['id'])}/{created['id']}"
    assert (await api.get(url)).json()["data"] == created
    patch = {"status": "out of order", "powerOptions": {"maxAmperage": 32}}
    changed = (await api.patch(url, json=patch)).json()["data"]
    assert changed["status"] == "out of order"
    assert changed["powerOptions"] == {"maxPower": 22000, "phases": "three_phase", "maxAmperage": 32}
    listed = (await api.get(nested(cp["id"]))).json()
    assert [e["id"] for e in listed["data"]] == [created["id"]] and listed["meta"]["per_page"] == 100
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404


async def test_top_level_lifecycle(api) -> None:
    cp = await create_cp(api)
    created = (await api.post(EVSES, json=evse_body(chargePointId=cp["id"], networkId="2"))).json()["data"]
    assert created["chargePointId"] == cp["id"] and created["networkId"] == "2"
    url = f"{EVSES}/{created['id']}"
    assert (await api.get(url)).json()["data"] == created
    changed = (await api.patch(url, json={"label": "Right", "chargePointId": 999})).json()["data"]
    assert changed["label"] == "Right" and changed["chargePointId"] == cp["id"]
    assert [e["id"] for e in (await api.get(EVSES)).json()["data"]] == [created["id"]]
    # the same EVSE is reachable under its charge point, and only there
    assert (await api.get(f"{nested(cp['id'])}/{created['id']}")).status_code == 200
    other = await create_cp(api, name="Other")
    assert (await api.get(f"{nested(other['id'])}/{created['id']}")).status_code == 404
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404


async def test_top_level_create_needs_an_existing_charge_point(api, server) -> None:
    response = await api.post(EVSES, json=evse_body(chargePointId=999))
    assert response.status_code == 422 and "chargePointId" in response.json()["errors"]
    missing = await api.post(EVSES, json=evse_body())
    assert missing.status_code == 422 and "chargePointId" in missing.json()["errors"]
    assert await count(server, evses) == 0


async def test_network_id_is_unique_on_its_charge_point_only(api, server) -> None:
    first, second = await create_cp(api, name="A"), await create_cp(api, name="B")
    await create_evse(api, first["id"], networkId="1")
    response = await api.post(nested(first["id"]), json=evse_body(networkId="1"))
    assert response.status_code == 422
    assert response.json()["errors"] == {"networkId": ["The networkId has already been taken on this charge point."]}
    assert (await create_evse(api, second["id"], networkId="1"))["networkId"] == "1"
    two = await create_evse(api, first["id"], networkId="2")
    clash = await api.patch(f"{nested(first['id'])}/{two['id']}", json={"networkId": "1"})
    assert clash.status_code == 422 and "networkId" in clash.json()["errors"]
    top = await api.post(EVSES, json=evse_body(chargePointId=first["id"], networkId="2"))
    assert top.status_code == 422 and "networkId" in top.json()["errors"]
    assert await count(server, evses) == 3


async def test_unknown_charge_point_in_the_path_is_404(api) -> None:
    assert (await api.get(nested(999))).status_code == 404
    assert (await api.post(nested(999), json=evse_body())).status_code == 404
    assert (await api.get(f"{nested(999)}/1")).status_code == 404


async def test_connectors_are_embedded_on_request(api) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    plug = await add_connector(api, cp["id"], evse["id"], format="cable")
    url = f"{nested(cp['id'])}/{evse['id']}"
    assert "connectors" not in (await api.get(url)).json()["data"]
    read = (await api.get(url, params={"include[]": ["connectors", "chargingProfile"]})).json()["data"]
    assert read["connectors"] == [{"id": plug["id"], "type": "type2", "format": "cable", "status": "enabled"}]
    assert read["chargingProfile"] is None
    top = (await api.get(f"{EVSES}/{evse['id']}", params={"include[]": ["connectors", "externalAppData"]})).json()
    assert top["data"]["connectors"][0]["id"] == plug["id"] and top["data"]["externalAppData"] is None
    listed = (await api.get(EVSES, params={"include[]": "connectors"})).json()["data"]
    assert listed[0]["connectors"][0]["id"] == plug["id"]


async def test_deleting_a_charge_point_deletes_its_evses_and_connectors(api, server) -> None:
    cp = await create_cp(api)
    keep = await create_cp(api, name="Keep")
    for n in ("1", "2"):
        evse = await create_evse(api, cp["id"], networkId=n)
        await add_connector(api, cp["id"], evse["id"])
    kept = await create_evse(api, keep["id"])
    await add_connector(api, keep["id"], kept["id"])
    assert (await api.delete(f"{CPS}/{cp['id']}")).status_code == 204
    assert await count(server, evses) == 1 and await count(server, connectors) == 1
    deleted = [e for e in await events_of(server, "evse.changed") if e.data.get("action") == "deleted"]
    assert len(deleted) == 2


async def test_deleting_an_evse_deletes_its_connectors(api, server) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    await add_connector(api, cp["id"], evse["id"])
    await add_connector(api, cp["id"], evse["id"], type="ccs2")
    assert await count(server, connectors) == 2
    assert (await api.delete(f"{nested(cp['id'])}/{evse['id']}")).status_code == 204
    assert await count(server, connectors) == 0


async def test_changes_emit_evse_changed(api, server) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    await api.patch(f"{EVSES}/{evse['id']}", json={"label": "x"})
    await api.delete(f"{EVSES}/{evse['id']}")
    found = await events_of(server, "evse.changed")
    assert [(e.entity, e.entity_id, e.data["action"]) for e in found] == [
        ("evse", str(evse["id"]), "created"), ("evse", str(evse["id"]), "updated"),
        ("evse", str(evse["id"]), "deleted")]


async def test_read_only_properties_are_ignored(api) -> None:
    cp = await create_cp(api)
    created = await create_evse(api, cp["id"], hardwareStatus="charging", roamingOperatorId=4,
                                roaming={"evseId": "X"}, connectors=[{"type": "type2"}], id=999)
    assert created["hardwareStatus"] is None and created["roamingOperatorId"] == 0
    assert "roaming" not in created and created["id"] != 999
    read = (await api.get(f"{EVSES}/{created['id']}", params={"include[]": "connectors"})).json()["data"]
    assert read["connectors"] == []


async def test_filters(api, server) -> None:
    a, b = await create_cp(api, name="A"), await create_cp(api, name="B")
    one = await create_evse(api, a["id"], physicalReference="P-1", externalId="X-1", tariffGroupId=5)
    two = await create_evse(api, a["id"], networkId="2", physicalReference="P-2")
    three = await create_evse(api, b["id"], physicalReference="P-1")
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(evses).where(evses.c.id == three["id"]).values(
            roaming_operator_id=7, attrs={"roaming": {"tariffIds": ["T1"]}}))

    async def ids(**filters: Any) -> list[int]:
        params = {f"filter[{k}]": v for k, v in filters.items()}
        response = await api.get(EVSES, params=params)
        assert response.status_code == 200, response.json()
        return [e["id"] for e in response.json()["data"]]

    assert await ids(chargePointId=a["id"]) == [one["id"], two["id"]]
    assert await ids(physicalReference="P-1") == [one["id"], three["id"]]
    assert await ids(externalId="X-1") == [one["id"]]
    assert await ids(roaming="true") == [three["id"]]
    assert await ids(roaming="false") == [one["id"], two["id"]]
    assert await ids(hasTariffGroup="true") == [one["id"]]
    assert await ids(hasTariffGroup="false") == [two["id"], three["id"]]
    assert await ids(hasRoamingTariffIds="true") == [three["id"]]
    assert await ids(hasRoamingTariffIds="false") == [one["id"], two["id"]]
    response = await api.get(EVSES, params=[("filter[roamingOperatorIds][]", "7"),
                                            ("filter[roamingOperatorIds][]", "8")])
    assert [e["id"] for e in response.json()["data"]] == [three["id"]]
    assert await ids(lastUpdatedAfter="2000-01-01T00:00:00Z") == [one["id"], two["id"], three["id"]]
    assert await ids(lastUpdatedBefore="2000-01-01T00:00:00Z") == []
    assert (await api.get(EVSES, params={"filter[chargePointId]": "abc"})).status_code == 422


async def test_cursor_pagination(api) -> None:
    cp = await create_cp(api)
    made = [(await create_evse(api, cp["id"], networkId=str(n)))["id"] for n in range(1, 6)]
    seen: list[int] = []
    page = (await api.get(nested(cp["id"]), params={"per_page": 2})).json()
    while True:
        seen += [e["id"] for e in page["data"]]
        if not page["links"]["next"]:
            break
        page = (await api.get(page["links"]["next"])).json()
    assert seen == made
