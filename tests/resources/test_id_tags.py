"""Id tags v2.0 and the deprecated RFID tags v1.0 over the same table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select

from cpms.clock import FrozenClock, iso
from cpms.storage.tables.core import events
from cpms.storage.tables.users import id_tags
from tests.resources.test_users import USERS, create as create_user, quick_password_hashing  # noqa: F401

TAGS = "/public-api/resources/id-tags/v2.0"
RFID = "/public-api/resources/rfid-tags/v1.0"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


async def create(api, **body: Any) -> dict[str, Any]:
    response = await api.post(TAGS, json={"idTagUid": "04A1B2C3", "status": "enabled", "type": "rfid", **body})
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def snapshot(server) -> tuple[Any, ...]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(id_tags).order_by(id_tags.c.id))).all()
        count = (await conn.execute(select(func.count()).select_from(events))).scalar_one()
    return tuple(tuple(r) for r in rows), count


async def ids(api, url: str, **filters: str) -> list[int]:
    response = await api.get(url, params={f"filter[{k}]": v for k, v in filters.items()})
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["data"]]


async def test_id_tag_lifecycle(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    user = await create_user(api)
    created = await create(api, idLabel="Ann's card", expireAt="2030-01-31T22:00:00+02:00", userId=int(user["id"]),
                           vehicleType="company_car", externalId="erp-1", partnerId=4)
    assert created == {"id": created["id"], "idTagUid": "04A1B2C3", "idLabel": "Ann's card",
                       "expireAt": "2030-01-31T20:00:00.000000Z", "createdAt": iso(T0), "status": "enabled",
                       "type": "rfid", "vehicleType": "company_car", "paymentMethodId": None,
                       "userId": int(user["id"]), "externalId": "erp-1", "partnerId": 4, "lastUpdatedAt": iso(T0)}
    item = f"{TAGS}/{created['id']}"
    assert (await api.get(item)).json()["data"] == created
    server.rt.clock = FrozenClock(T0 + timedelta(hours=1))
    changed = (await api.patch(item, json={"status": "suspended", "idLabel": None, "type": "mac_address"})).json()["data"]
    assert changed == {**created, "status": "suspended", "idLabel": None, "type": "mac_address",
                       "lastUpdatedAt": iso(T0 + timedelta(hours=1))}
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(item)).status_code == 404
    async with server.rt.db.read() as conn:
        found = (await conn.execute(select(events.c.entity_id, events.c.data).where(events.c.type == "idTag.changed")
                                    .order_by(events.c.id))).all()
    assert [(e, d["action"]) for e, d in found] == [(str(created["id"]), a) for a in ("created", "updated", "deleted")]


async def test_uids_are_unique_case_insensitively_as_ocpp_compares_them(api, server) -> None:
    first = await create(api, idTagUid="04a1b2c3")
    before = await snapshot(server)
    for body in ({"idTagUid": "04a1b2c3"}, {"idTagUid": "04A1B2C3"}):
        response = await api.post(TAGS, json={"status": "enabled", "type": "rfid", **body})
        assert response.status_code == 422
        assert response.json()["errors"] == {"idTagUid": ["The idTagUid has already been taken."]}
    rfid = await api.post(RFID, json={"rfidTagUid": "04A1b2C3", "status": "enabled"})
    assert rfid.json()["errors"] == {"rfidTagUid": ["The rfidTagUid has already been taken."]}
    other = await create(api, idTagUid="FFFF")
    taken = await api.patch(f"{TAGS}/{other['id']}", json={"idTagUid": "04A1B2C3"})
    assert taken.status_code == 422 and "idTagUid" in taken.json()["errors"]
    assert await snapshot(server) != before  # only `other` was added
    assert (await api.patch(f"{TAGS}/{first['id']}", json={"idTagUid": "04A1B2C3"})).status_code == 200
    assert await ids(api, TAGS, idTagUid="04a1B2c3") == [first["id"]]


async def test_listing_filters(api, server) -> None:
    ann, bob = await create_user(api), await create_user(api, email="bob@example.com")
    a = await create(api, idTagUid="A", idLabel="front desk", userId=int(ann["id"]), expireAt="2030-01-01T00:00:00Z",
                     partnerId=3)
    b = await create(api, idTagUid="B", status="disabled", type="mac_address", userId=int(bob["id"]))
    server.rt.clock = FrozenClock(datetime.now(timezone.utc) + timedelta(days=1))
    c = await create(api, idTagUid="C", status="suspended")
    assert await ids(api, TAGS, idLabel="front desk") == [a["id"]]
    assert await ids(api, TAGS, userId=ann["id"]) == [a["id"]]
    assert await ids(api, TAGS, status="disabled") == [b["id"]]
    assert await ids(api, TAGS, type="mac_address") == [b["id"]]
    assert await ids(api, TAGS, expireAt="2030-01-01T00:00:00Z") == [a["id"]]
    assert await ids(api, TAGS, partnerId="3") == [a["id"]]
    assert await ids(api, TAGS, lastUpdatedAfter=c["lastUpdatedAt"]) == [c["id"]]
    assert await ids(api, TAGS, lastUpdatedBefore=b["lastUpdatedAt"]) == [a["id"], b["id"]]
    assert await ids(api, RFID, rfidTagUid="b") == [b["id"]]
    assert await ids(api, RFID, rfidLabel="front desk") == [a["id"]]
    assert await ids(api, RFID, status="active") == [a["id"]]
    assert await ids(api, RFID, type="mac_address", userId=bob["id"]) == [b["id"]]
    bad = await api.get(TAGS, params={"filter[status]": "lost"})
    assert bad.status_code == 422
    cursor = (await api.get(TAGS, params={"per_page": 2, "cursor": ""})).json()
    assert [t["id"] for t in cursor["data"]] == [a["id"], b["id"]] and cursor["meta"]["next_cursor"]


async def test_rfid_tags_v1_are_a_view_of_the_same_tags(api) -> None:
    user = await create_user(api)
    v1 = await api.post(RFID, json={"rfidTagUid": "0A0B", "rfidLabel": "Old card", "expireAt": "2030-06-30",
                                    "status": "enabled", "userId": int(user["id"])})
    assert v1.status_code == 201, v1.text
    tag = v1.json()["data"]
    assert tag == {"id": tag["id"], "rfidTagUid": "0A0B", "rfidLabel": "Old card", "expireAt": "2030-06-30",
                   "createdAt": tag["createdAt"], "status": "enabled", "userId": int(user["id"]),
                   "lastUpdatedAt": tag["lastUpdatedAt"]}
    v2 = (await api.get(f"{TAGS}/{tag['id']}")).json()["data"]
    assert v2["idTagUid"] == "0A0B" and v2["idLabel"] == "Old card" and v2["type"] == "rfid"
    assert v2["expireAt"] == "2030-06-30T00:00:00.000000Z"  # a v1.0 date is midnight UTC of that day
    item = f"{RFID}/{tag['id']}"
    assert (await api.get(item)).json()["data"] == tag
    changed = await api.patch(item, json={"rfidTagUid": "0A0C", "status": "disabled", "expireAt": None})
    assert changed.status_code == 200
    assert changed.json()["data"]["rfidTagUid"] == "0A0C" and changed.json()["data"]["expireAt"] is None
    assert [t["rfidTagUid"] for t in (await api.get(RFID)).json()["data"]] == ["0A0C"]
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(f"{TAGS}/{tag['id']}")).status_code == 404


async def test_unknown_users_and_foreign_payment_methods_are_refused_naming_the_field(api, server) -> None:
    ann, bob = await create_user(api), await create_user(api, email="bob@example.com")
    method = (await api.post(f"{USERS}/{bob['id']}/payment-methods", json={"tokenizedType": "bank_transfer"})).json()
    before = await snapshot(server)
    unknown = await api.post(TAGS, json={"idTagUid": "X", "status": "enabled", "type": "rfid", "userId": 999})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"userId": ["The selected userId is invalid: there is no user 999."]}
    rfid = await api.post(RFID, json={"rfidTagUid": "X", "status": "enabled", "userId": 999})
    assert rfid.status_code == 422 and "userId" in rfid.json()["errors"]
    for payment_method in (method["data"]["id"], "abc", "999"):
        foreign = await api.post(TAGS, json={"idTagUid": "X", "status": "enabled", "type": "rfid",
                                             "userId": int(ann["id"]), "paymentMethodId": payment_method})
        assert foreign.status_code == 422 and list(foreign.json()["errors"]) == ["paymentMethodId"]
    assert await snapshot(server) == before


async def test_moving_a_tag_to_another_user_drops_the_old_users_payment_method(api) -> None:
    ann, bob = await create_user(api), await create_user(api, email="bob@example.com")
    method = (await api.post(f"{USERS}/{ann['id']}/payment-methods", json={"tokenizedType": "bank_transfer"})).json()
    tag = await create(api, userId=int(ann["id"]), paymentMethodId=method["data"]["id"])
    assert tag["paymentMethodId"] == method["data"]["id"]
    moved = (await api.patch(f"{TAGS}/{tag['id']}", json={"userId": int(bob["id"])})).json()["data"]
    assert moved["userId"] == int(bob["id"]) and moved["paymentMethodId"] is None
    refused = await api.patch(f"{TAGS}/{tag['id']}", json={"userId": int(ann["id"]), "paymentMethodId": "999"})
    assert refused.status_code == 422
    unlinked = (await api.patch(f"{TAGS}/{tag['id']}", json={"userId": None})).json()["data"]
    assert unlinked["userId"] is None


BAD_CREATES = [
    ({}, ["idTagUid", "status", "type"]),
    ({"idTagUid": "A", "status": "enabled"}, ["type"]),
    ({"idTagUid": "A", "status": "active", "type": "rfid"}, ["status"]),
    ({"idTagUid": "A", "status": "enabled", "type": "emaid"}, ["type"]),
    ({"idTagUid": 5, "status": "enabled", "type": "rfid"}, ["idTagUid"]),
    ({"idTagUid": "A", "status": "enabled", "type": "rfid", "expireAt": "tomorrow"}, ["expireAt"]),
    ({"idTagUid": "A", "status": "enabled", "type": "rfid", "userId": "1"}, ["userId"]),
    ({"idTagUid": "A", "status": "enabled", "type": "rfid", "partnerId": None}, ["partnerId"]),
    ({"idTagUid": "A", "status": "enabled", "type": "rfid", "vehicleType": "bus"}, ["vehicleType"]),
    ({"idTagUid": "A\x00", "status": "enabled", "type": "rfid"}, ["idTagUid"]),
    ({"idTagUid": "A" * 256, "status": "enabled", "type": "rfid"}, ["idTagUid"]),
    ({"idTagUid": "A", "status": "enabled", "type": "rfid", "userId": 2**63}, ["userId"]),
]


@pytest.mark.parametrize(("body", "fields"), BAD_CREATES)
async def test_bad_creates_get_422_and_write_nothing(api, server, body, fields) -> None:
    before = await snapshot(server)
    response = await api.post(TAGS, json=body)
    assert response.status_code == 422, response.text
    assert set(fields) <= set(response.json()["errors"]), response.json()
    assert await snapshot(server) == before


@pytest.mark.parametrize(("body", "fields"), [
    ({"rfidTagUid": "A"}, ["status"]),
    ({"rfidTagUid": "A", "status": "enabled", "expireAt": "2030-06-30T10:00:00Z"}, ["expireAt"]),
    ({"rfidTagUid": "A", "status": "enabled", "expireAt": "30.06.2030"}, ["expireAt"]),
    ({"status": "enabled"}, ["rfidTagUid"]),
])
async def test_bad_rfid_creates_get_422_in_v1_names(api, server, body, fields) -> None:
    before = await snapshot(server)
    response = await api.post(RFID, json=body)
    assert response.status_code == 422 and set(fields) <= set(response.json()["errors"]), response.text
    assert await snapshot(server) == before


async def test_bad_updates_and_malformed_json_change_nothing(api, server) -> None:
    tag = await create(api)
    before = await snapshot(server)
    item = f"{TAGS}/{tag['id']}"
    for body in ({"status": "lost"}, {"userId": 999}, {"expireAt": "soon"}, {"idTagUid": None}, []):
        assert (await api.patch(item, json=body)).status_code == 422, body
    assert (await api.patch(f"{RFID}/{tag['id']}", json={"status": "enabled"})).status_code == 422  # rfidTagUid required
    for url, method in ((TAGS, "POST"), (item, "PATCH"), (RFID, "POST"), (f"{RFID}/{tag['id']}", "PATCH")):
        response = await api.request(method, url, content=b'{"idTagUid": ', headers={"content-type": "application/json"})
        assert response.status_code == 422
    assert await snapshot(server) == before


@pytest.mark.parametrize("tag_id", ["999", "0", "x", "99999999999999999999"])
async def test_unknown_tags_are_404(api, server, tag_id) -> None:
    await create(api)
    before = await snapshot(server)
    for base, patch in ((TAGS, {"status": "enabled"}), (RFID, {"rfidTagUid": "Z", "status": "enabled"})):
        assert (await api.get(f"{base}/{tag_id}")).status_code == 404
        assert (await api.patch(f"{base}/{tag_id}", json=patch)).status_code == 404
        assert (await api.delete(f"{base}/{tag_id}")).status_code == 404
    assert await snapshot(server) == before


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
async def test_times_without_a_utc_equivalent_are_refused(api, server, value) -> None:
    before = await snapshot(server)
    response = await api.post(TAGS, json={"idTagUid": "Y", "status": "enabled", "type": "rfid", "expireAt": value})
    assert response.status_code == 422 and "expireAt" in response.json()["errors"]
    filtered = await api.get(TAGS, params={"filter[expireAt]": value})
    assert filtered.status_code == 422
    assert await snapshot(server) == before


async def test_far_dates_round_trip_in_iso_8601(api) -> None:
    early = await create(api, idTagUid="EARLY", expireAt="0001-01-01T00:00:00Z")
    assert early["expireAt"] == "0001-01-01T00:00:00.000000Z"
    late = (await api.post(RFID, json={"rfidTagUid": "LATE", "status": "enabled", "expireAt": "9999-12-31"})).json()
    assert late["data"]["expireAt"] == "9999-12-31"


@pytest.mark.parametrize(("name", "value"), [("userId", "99999999999999999999"), ("userId", "-99999999999999999999"),
                                             ("partnerId", str(2**40)), ("idTagUid", "a\x00b"), ("idLabel", "\x00"),
                                             ("userId", "one"), ("expireAt", "soon")])
async def test_filter_values_no_row_could_hold_are_422_not_errors(api, name, value) -> None:
    await create(api)
    response = await api.get(TAGS, params={f"filter[{name}]": value})
    assert response.status_code == 422 and f"filter.{name}" in response.json()["errors"], response.text
