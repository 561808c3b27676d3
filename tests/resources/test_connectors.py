"""Connectors: a sub-resource of one EVSE, reachable only under its own EVSE and charge point."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from cpms.clock import UTC, FrozenClock
from cpms.storage.tables.charge_points import connectors
from tests.resources.test_charge_points import create_cp, events_of
from tests.resources.test_evses import EVSES, add_connector, count, create_evse, nested


def plugs(cp_id: int, evse_id: int) -> str:
    return f"{nested(cp_id)}/{evse_id}/connectors"


async def test_lifecycle(api) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    created = await add_connector(api, cp["id"], evse["id"], format="socket")
    assert created == {"id": created["id"], "type": "type2", "format": "socket", "status": "enabled"}
    url = f"{plugs(cp['id'], evse['id'])}/{created['id']}"
    assert (await api.get(url)).json()["data"] == created
    changed = (await api.patch(url, json={"status": "disabled", "type": "ccs2"})).json()["data"]
    assert changed == {**created, "status": "disabled", "type": "ccs2"}
    listed = (await api.get(plugs(cp["id"], evse["id"]))).json()["data"]
    assert listed == [changed]
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404
    assert (await api.get(plugs(cp["id"], evse["id"]))).json()["data"] == []


async def test_connectors_are_numbered_within_their_evse(api, server) -> None:
    cp = await create_cp(api)
    first, second = await create_evse(api, cp["id"], networkId="1"), await create_evse(api, cp["id"], networkId="2")
    for evse in (first, second, first):
        await add_connector(api, cp["id"], evse["id"])
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(connectors.c.evse_id, connectors.c.number).order_by(connectors.c.id))).all()
    assert [tuple(r) for r in rows] == [(first["id"], 1), (second["id"], 1), (first["id"], 2)]


async def test_only_reachable_under_its_own_evse_and_charge_point(api, server) -> None:
    cp, other_cp = await create_cp(api, name="A"), await create_cp(api, name="B")
    evse = await create_evse(api, cp["id"])
    other_evse = await create_evse(api, other_cp["id"])
    plug = await add_connector(api, cp["id"], evse["id"])
    for url in (f"{plugs(other_cp['id'], evse['id'])}/{plug['id']}",
                f"{plugs(cp['id'], other_evse['id'])}/{plug['id']}",
                plugs(other_cp["id"], evse["id"]), f"{plugs(999, evse['id'])}/{plug['id']}",
                f"{plugs(cp['id'], 999)}/{plug['id']}"):
        assert (await api.get(url)).status_code == 404, url
    wrong = await api.post(plugs(other_cp["id"], evse["id"]), json={"type": "type2"})
    assert wrong.status_code == 404
    assert (await api.delete(f"{plugs(other_cp['id'], evse['id'])}/{plug['id']}")).status_code == 404
    assert await count(server, connectors) == 1


async def test_connector_changes_are_evse_changes(api, server) -> None:
    start = datetime(2025, 6, 1, tzinfo=UTC)
    server.rt.clock = FrozenClock(start)
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    server.rt.clock = FrozenClock(start + timedelta(hours=1))
    plug = await add_connector(api, cp["id"], evse["id"])
    read = (await api.get(f"{EVSES}/{evse['id']}")).json()["data"]
    assert read["lastUpdatedAt"] == "2025-06-01T01:00:00.000000Z"
    server.rt.clock = FrozenClock(start + timedelta(hours=2))
    await api.patch(f"{plugs(cp['id'], evse['id'])}/{plug['id']}", json={"format": "cable"})
    await api.delete(f"{plugs(cp['id'], evse['id'])}/{plug['id']}")
    read = (await api.get(f"{EVSES}/{evse['id']}")).json()["data"]
    assert read["lastUpdatedAt"] == "2025-06-01T02:00:00.000000Z"
    found = [e for e in await events_of(server, "evse.changed") if e.data.get("cause")]
    assert [(e.entity, e.entity_id, e.data["action"], e.data["cause"]["action"]) for e in found] == [
        ("evse", str(evse["id"]), "updated", "created"), ("evse", str(evse["id"]), "updated", "updated"),
        ("evse", str(evse["id"]), "updated", "deleted")]
    assert all(e.data["cause"] == {"type": "connector", "id": plug["id"], "action": e.data["cause"]["action"]}
               for e in found)


async def test_bad_connectors_are_refused(api, server) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    for body, field in (({}, "type"), ({"type": "type9"}, "type"), ({"type": "type2", "format": "plug"}, "format"),
                        ({"type": "type2", "status": "active"}, "status"), ({"type": None}, "type")):
        response = await api.post(plugs(cp["id"], evse["id"]), json=body)
        assert response.status_code == 422 and field in response.json()["errors"], body
    plug = await add_connector(api, cp["id"], evse["id"])
    bad = await api.patch(f"{plugs(cp['id'], evse['id'])}/{plug['id']}", json={"type": "wireless"})
    assert bad.status_code == 422
    assert await count(server, connectors) == 1
