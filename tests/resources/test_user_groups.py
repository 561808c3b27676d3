"""User groups v1.0: lifecycle, filters, time stamps, events, and what deleting a group does to users."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select

from cpms.clock import FrozenClock, iso
from cpms.storage.tables.core import events
from cpms.storage.tables.users import user_group_members, user_groups

GROUPS = "/public-api/resources/user-groups/v1.0"
USERS = "/public-api/resources/users/v1.0"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


async def create(api, **body: Any) -> dict[str, Any]:
    response = await api.post(GROUPS, json={"name": "Fleet", **body})
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def outbox(server, kind: str) -> list[tuple[str, str]]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(events).where(events.c.type == kind).order_by(events.c.id))).all()
    return [(row.entity_id, row.data["action"]) for row in rows]


async def count(server, table) -> int:
    async with server.rt.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_user_group_lifecycle(api) -> None:
    created = await create(api, description="Company cars", externalId="erp-7", partnerId=3)
    assert created["name"] == "Fleet" and created["description"] == "Company cars"
    assert created["externalId"] == "erp-7" and created["partnerId"] == 3 and isinstance(created["id"], int)
    item = f"{GROUPS}/{created['id']}"
    assert (await api.get(item)).json()["data"] == created
    changed = (await api.patch(item, json={"name": "Fleet 2", "description": None})).json()["data"]
    assert changed["name"] == "Fleet 2" and changed["description"] is None and changed["externalId"] == "erp-7"
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(item)).status_code == 404


async def test_a_group_without_external_id_answers_without_one(api) -> None:
    # the answer's externalId is a non-nullable string: no value means the property is left out
    created = await create(api, externalId=None)
    assert "externalId" not in created
    assert "externalId" not in (await api.get(f"{GROUPS}/{created['id']}")).json()["data"]


async def test_filters_by_partner_and_no_partner(api) -> None:
    own = await create(api, name="Own")
    partner = await create(api, name="Partner", partnerId=9)
    other = await create(api, name="Other partner", partnerId=10)

    async def names(**filters: str) -> list[str]:
        params = {f"filter[{k}]": v for k, v in filters.items()}
        response = await api.get(GROUPS, params=params)
        assert response.status_code == 200, response.text
        return [g["name"] for g in response.json()["data"]]

    assert await names(noPartner="true") == [own["name"]]
    assert await names(noPartner="false") == [partner["name"], other["name"]]
    assert await names(partnerId="9") == [partner["name"]]
    bad = await api.get(GROUPS, params={"filter[noPartner]": "maybe"})
    assert bad.status_code == 422 and "filter.noPartner" in bad.json()["errors"]


async def test_last_updated_filters_and_time_stamps(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    first = await create(api, name="First")
    server.rt.clock = FrozenClock(T0 + timedelta(hours=1))
    second = await create(api, name="Second")
    assert first["lastUpdatedAt"] == iso(T0)
    after = (await api.get(GROUPS, params={"filter[lastUpdatedAfter]": iso(T0 + timedelta(minutes=1))})).json()
    assert [g["id"] for g in after["data"]] == [second["id"]]
    before = (await api.get(GROUPS, params={"filter[lastUpdatedBefore]": iso(T0)})).json()
    assert [g["id"] for g in before["data"]] == [first["id"]]
    server.rt.clock = FrozenClock(T0 + timedelta(hours=2))
    changed = (await api.patch(f"{GROUPS}/{first['id']}", json={"name": "First!"})).json()["data"]
    assert changed["lastUpdatedAt"] == iso(T0 + timedelta(hours=2))


async def test_pages(api) -> None:
    for n in range(3):
        await create(api, name=f"G{n}")
    page = (await api.get(GROUPS, params={"per_page": 2, "page": 2})).json()
    assert [g["name"] for g in page["data"]] == ["G2"]
    assert page["meta"]["total"] == 3 and page["meta"]["last_page"] == 2


async def test_events_announce_each_change(api, server) -> None:
    group = await create(api)
    await api.patch(f"{GROUPS}/{group['id']}", json={"name": "X"})
    await api.delete(f"{GROUPS}/{group['id']}")
    gid = str(group["id"])
    assert await outbox(server, "userGroup.changed") == [(gid, "created"), (gid, "updated"), (gid, "deleted")]


async def test_deleting_a_group_removes_it_from_its_members_and_moves_their_last_updated_at(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    keep, gone = await create(api, name="Keep"), await create(api, name="Gone")
    user = (await api.post(USERS, json={"email": "a@example.com", "password": "secret12",
                                        "userGroupIds": [keep["id"], gone["id"]]})).json()["data"]
    server.rt.clock = FrozenClock(T0 + timedelta(hours=1))
    assert (await api.delete(f"{GROUPS}/{gone['id']}")).status_code == 204
    after = (await api.get(f"{USERS}/{user['id']}")).json()["data"]
    assert after["userGroupIds"] == [keep["id"]]
    assert after["lastUpdatedAt"] == iso(T0 + timedelta(hours=1))
    assert (user["id"], "updated") in await outbox(server, "user.changed")
    assert await count(server, user_group_members) == 1


@pytest.mark.parametrize("body", [{}, {"name": None}, {"name": 5}, {"name": "x", "partnerId": "nine"},
                                  {"name": "x", "description": "d" * 2001}, {"name": "x", "externalId": "e" * 256},
                                  [], "text"])
async def test_bad_bodies_get_422_and_change_nothing(api, server, body) -> None:
    response = await api.post(GROUPS, json=body)
    assert response.status_code == 422 and response.json()["errors"]
    assert await count(server, user_groups) == 0


async def test_update_needs_a_name_and_unknown_groups_are_404(api, server) -> None:
    group = await create(api)
    response = await api.patch(f"{GROUPS}/{group['id']}", json={"description": "no name"})
    assert response.status_code == 422 and "name" in response.json()["errors"]
    assert (await api.get(f"{GROUPS}/{group['id']}")).json()["data"] == group
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        assert (await getattr(api, method)(f"{GROUPS}/999", **kwargs)).status_code == 404
        assert (await getattr(api, method)(f"{GROUPS}/99999999999999999999", **kwargs)).status_code == 404
