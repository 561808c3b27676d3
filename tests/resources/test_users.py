"""Users v1.0: lifecycle, snake_case requests, passwords, emails, groups, filters, includes and deletion."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, update

from cpms.clock import FrozenClock, iso
from cpms.security import passwords
from cpms.storage.tables.core import events
from cpms.storage.tables.users import (id_tags, payment_methods, user_group_members, user_groups,
                                       user_invoice_details, users)

USERS = "/public-api/resources/users/v1.0"
GROUPS = "/public-api/resources/user-groups/v1.0"
TAGS = "/public-api/resources/id-tags/v2.0"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
PASSWORD = "s3cret-Pa55"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch) -> Iterator[None]:
    """API tests do not need the production scrypt cost (tests/security proves it); the stored form names it."""
    monkeypatch.setattr(passwords, "N", 2**8)
    monkeypatch.setattr(passwords, "P", 1)
    yield


async def create(api, **body: Any) -> dict[str, Any]:
    body = {"email": "driver@example.com", "password": PASSWORD, **body}
    response = await api.post(USERS, json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def group(api, name: str = "Fleet") -> int:
    response = await api.post(GROUPS, json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def stored_row(server, user_id: str | int) -> Any:
    async with server.rt.db.read() as conn:
        return (await conn.execute(select(users).where(users.c.id == int(user_id)))).first()


async def outbox(server, kind: str) -> list[tuple[str, str]]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(events).where(events.c.type == kind).order_by(events.c.id))).all()
    return [(row.entity_id, row.data["action"]) for row in rows]


async def count(server, table) -> int:
    async with server.rt.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_user_lifecycle_with_snake_case_requests_and_camel_case_answers(api) -> None:
    created = await create(api, first_name="Ann", middle_name="B.", last_name="Lee", phone="+359888",
                           country="BG", city="Sofia", post_code="1000", address="1 Main St", vehicle_no="CA1234",
                           personal_id="8001010000", locale="bg", requirePasswordReset=True,
                           receiveNewsAndPromotions=True, options={"sessionsAllowed": "single_session"},
                           bankDetails={"bankIban": "BG80BNBG96611020345678", "bankName": "BNB"},
                           externalId="crm-1")
    assert isinstance(created["id"], str) and created["id"].isdigit()  # the contract types a user id as a string
    assert created["firstName"] == "Ann" and created["middleName"] == "B." and created["lastName"] == "Lee"
    assert created["postCode"] == "1000" and created["vehicleNo"] == "CA1234" and created["personalId"] == "8001010000"
    assert created["country"] == "BG" and created["locale"] == "bg" and created["externalId"] == "crm-1"
    assert created["status"] == "enabled" and created["balance"] == 0 and created["userGroupIds"] == []
    assert created["bankDetails"] == {"bankIban": "BG80BNBG96611020345678", "bankName": "BNB"}
    assert created["options"] == {"sessionsAllowed": "single_session"}
    assert created["createdAt"] == created["lastUpdatedAt"]
    assert "first_name" not in created and "password" not in created
    item = f"{USERS}/{created['id']}"
    assert (await api.get(item)).json()["data"] == created
    changed = (await api.patch(item, json={"last_name": "Li", "city": "Plovdiv"})).json()["data"]
    assert changed == {**created, "lastName": "Li", "city": "Plovdiv", "lastUpdatedAt": changed["lastUpdatedAt"]}
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(item)).status_code == 404


async def test_server_owned_and_camel_case_request_properties_are_not_taken(api) -> None:
    created = await create(api, balance=1000, status="disabled", id="77", createdAt="2000-01-01T00:00:00Z",
                           firstName="camel", subscriptionId=3, createdBy="me", nonce="n-1")
    assert created["balance"] == 0 and created["status"] == "enabled" and created["id"] != "77"
    assert "firstName" not in created and "subscriptionId" not in created and "createdBy" not in created
    assert created["createdAt"] != "2000-01-01T00:00:00.000000Z"


async def test_the_password_is_kept_only_as_a_scrypt_hash_and_never_answered(api, server) -> None:
    created = await create(api)
    row = await stored_row(server, created["id"])
    assert row.password_hash.startswith("scrypt$") and PASSWORD not in row.password_hash
    assert passwords.verify_password(PASSWORD, row.password_hash)
    assert PASSWORD not in str(row.attrs)
    listed = (await api.get(USERS)).json()["data"][0]
    assert "password" not in listed and "password" not in (await api.get(f"{USERS}/{created['id']}")).json()["data"]
    changed = await api.patch(f"{USERS}/{created['id']}", json={"password": "another-one"})
    assert changed.status_code == 200 and "password" not in changed.json()["data"]
    new_hash = (await stored_row(server, created["id"])).password_hash
    assert passwords.verify_password("another-one", new_hash) and not passwords.verify_password(PASSWORD, new_hash)
    await api.patch(f"{USERS}/{created['id']}", json={"first_name": "Unrelated"})
    assert (await stored_row(server, created["id"])).password_hash == new_hash


async def test_production_hashing_parameters_are_used(api, server, monkeypatch) -> None:
    monkeypatch.undo()
    created = await create(api)
    stored = (await stored_row(server, created["id"])).password_hash
    assert not passwords.needs_rehash(stored) and passwords.verify_password(PASSWORD, stored)


async def test_emails_are_stored_lower_cased_and_unique_case_insensitively(api, server) -> None:
    created = await create(api, email="Ann.Lee@Example.COM")
    assert created["email"] == "ann.lee@example.com"
    duplicate = await api.post(USERS, json={"email": "ANN.LEE@example.com", "password": PASSWORD})
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == {"email": ["The email has already been taken."]}
    other = await create(api, email="bob@example.com")
    taken = await api.patch(f"{USERS}/{other['id']}", json={"email": "ann.LEE@example.com"})
    assert taken.status_code == 422 and taken.json()["errors"] == {"email": ["The email has already been taken."]}
    assert (await api.patch(f"{USERS}/{created['id']}", json={"email": "ANN.LEE@EXAMPLE.COM"})).status_code == 200
    assert await count(server, users) == 2
    found = (await api.get(USERS, params={"filter[email]": "ANN.lee@example.com"})).json()["data"]
    assert [u["id"] for u in found] == [created["id"]]


async def test_user_group_ids_are_kept_as_memberships(api, server) -> None:
    a, b, c = await group(api, "A"), await group(api, "B"), await group(api, "C")
    created = await create(api, userGroupIds=[c, a, a])
    assert created["userGroupIds"] == [a, c]
    item = f"{USERS}/{created['id']}"
    assert (await api.patch(item, json={"userGroupIds": [b]})).json()["data"]["userGroupIds"] == [b]
    assert (await api.patch(item, json={"city": "Sofia"})).json()["data"]["userGroupIds"] == [b]
    assert (await api.patch(item, json={"userGroupIds": []})).json()["data"]["userGroupIds"] == []
    assert await count(server, user_group_members) == 0
    row = await stored_row(server, created["id"])
    assert "userGroupIds" not in row.attrs


async def test_unknown_user_group_ids_are_refused_naming_the_field_and_nothing_changes(api, server) -> None:
    a = await group(api)
    response = await api.post(USERS, json={"email": "x@example.com", "password": PASSWORD, "userGroupIds": [a, 404, 0]})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "userGroupIds": ["The selected userGroupIds is invalid: there is no user group 0, 404."]}
    assert await count(server, users) == 0
    created = await create(api, userGroupIds=[a])
    huge = await api.patch(f"{USERS}/{created['id']}", json={"userGroupIds": [2**63], "city": "Sofia"})
    assert huge.status_code == 422 and "userGroupIds" in huge.json()["errors"]
    after = (await api.get(f"{USERS}/{created['id']}")).json()["data"]
    assert after == created


async def test_listing_filters(api, server) -> None:
    fleet = await group(api)
    ann = await create(api, email="ann@example.com", externalId="crm-1", userGroupIds=[fleet],
                       externalAppData={"loyalty": {"tier": "Gold"}})
    bob = await create(api, email="bob@example.com", externalId="crm-2", externalAppData={"crm": "X"})
    await create(api, email="cid@example.com")
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(users).where(users.c.id == int(bob["id"])).values(partner_id=5))

    async def ids(**filters: str) -> list[str]:
        response = await api.get(USERS, params={f"filter[{k}]": v for k, v in filters.items()})
        assert response.status_code == 200, response.text
        return [u["id"] for u in response.json()["data"]]

    assert await ids(userGroupId=str(fleet)) == [ann["id"]]
    assert await ids(userGroupId="999") == []
    assert await ids(externalId="crm-2") == [bob["id"]]
    assert await ids(partnerId="5") == [bob["id"]]
    assert await ids(externalAppData="gold") == [ann["id"]]
    assert await ids(externalAppData="loyalty") == [ann["id"]]
    assert await ids(externalAppData="%") == []
    bad = await api.get(USERS, params={"filter[userGroupId]": "one"})
    assert bad.status_code == 422 and "filter.userGroupId" in bad.json()["errors"]
    unknown = await api.get(USERS, params={"filter[name]": "x"})
    assert unknown.status_code == 422
    for name, value in (("email", "a\x00b"), ("externalId", "\x00"), ("externalAppData", "x\x00"),
                        ("partnerId", "99999999999999999999"), ("partnerId", "2147483648"), ("userGroupId", "-1")):
        response = await api.get(USERS, params={f"filter[{name}]": value})
        assert response.status_code in {200, 422}, (name, response.text)
        assert response.status_code == 422 or response.json()["data"] == []


async def test_last_updated_filters_and_last_updated_at_moves_on_every_change(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    first = await create(api, email="a@example.com")
    server.rt.clock = FrozenClock(T0 + timedelta(hours=1))
    second = await create(api, email="b@example.com")
    assert first["lastUpdatedAt"] == iso(T0) and second["createdAt"] == iso(T0 + timedelta(hours=1))
    after = (await api.get(USERS, params={"filter[lastUpdatedAfter]": iso(T0 + timedelta(minutes=1))})).json()["data"]
    assert [u["id"] for u in after] == [second["id"]]
    before = (await api.get(USERS, params={"filter[lastUpdatedBefore]": iso(T0)})).json()["data"]
    assert [u["id"] for u in before] == [first["id"]]
    fleet = await group(api)
    for hours, patch in enumerate(({"city": "Sofia"}, {"password": "changed-pw"}, {"userGroupIds": [fleet]}), start=2):
        server.rt.clock = FrozenClock(T0 + timedelta(hours=hours))
        changed = (await api.patch(f"{USERS}/{first['id']}", json=patch)).json()["data"]
        assert changed["lastUpdatedAt"] == iso(T0 + timedelta(hours=hours)), patch
        assert changed["createdAt"] == iso(T0)


async def test_cursor_and_page_listings(api) -> None:
    made = [(await create(api, email=f"u{n}@example.com"))["id"] for n in range(3)]
    first = (await api.get(USERS, params={"per_page": 2, "cursor": ""})).json()
    assert [u["id"] for u in first["data"]] == made[:2] and "total" not in first["meta"]
    second = (await api.get(USERS, params={"per_page": 2, "cursor": first["meta"]["next_cursor"]})).json()
    assert [u["id"] for u in second["data"]] == made[2:] and second["meta"]["next_cursor"] is None
    page = (await api.get(USERS, params={"per_page": 2, "page": 2})).json()
    assert [u["id"] for u in page["data"]] == made[2:] and page["meta"]["total"] == 3


async def test_includes(api) -> None:
    created = await create(api, externalAppData={"app": {"id": 7}})
    assert created["externalAppData"] == {"app": {"id": 7}}  # userCreate has no include[]: all is answered
    item = f"{USERS}/{created['id']}"
    plain = (await api.get(item)).json()["data"]
    assert "externalAppData" not in plain and "partnerInvites" not in plain
    full = (await api.get(item, params={"include[]": ["externalAppData", "partnerInvites"]})).json()["data"]
    assert full["externalAppData"] == {"app": {"id": 7}}
    assert full["partnerInvites"] == []  # cpms keeps no partner invites
    listed = (await api.get(USERS, params={"include[]": "externalAppData"})).json()["data"][0]
    assert listed["externalAppData"] == {"app": {"id": 7}} and "partnerInvites" not in listed
    cleared = (await api.patch(item, params={"include[]": "externalAppData"}, json={"externalAppData": None})).json()
    assert cleared["data"]["externalAppData"] is None


async def test_events_announce_each_change(api, server) -> None:
    created = await create(api)
    await api.patch(f"{USERS}/{created['id']}", json={"city": "X"})
    await api.delete(f"{USERS}/{created['id']}")
    uid = created["id"]
    assert await outbox(server, "user.changed") == [(uid, "created"), (uid, "updated"), (uid, "deleted")]


async def test_deleting_a_user_keeps_its_id_tags_unlinked_and_removes_what_is_only_its_own(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    fleet = await group(api)
    user = await create(api, userGroupIds=[fleet])
    method = (await api.post(f"{USERS}/{user['id']}/payment-methods", json={"tokenizedType": "bank_transfer"})).json()
    await api.post(f"{USERS}/{user['id']}/invoice-details", json={"requireInvoice": False, "invoiceType": None})
    tag = (await api.post(TAGS, json={"idTagUid": "CAFE01", "status": "enabled", "type": "rfid",
                                      "userId": int(user["id"]), "paymentMethodId": method["data"]["id"]})).json()["data"]
    other = await create(api, email="other@example.com")
    other_tag = (await api.post(TAGS, json={"idTagUid": "CAFE02", "status": "enabled", "type": "rfid",
                                            "userId": int(other["id"])})).json()["data"]
    server.rt.clock = FrozenClock(T0 + timedelta(hours=1))
    assert (await api.delete(f"{USERS}/{user['id']}")).status_code == 204
    kept = (await api.get(f"{TAGS}/{tag['id']}")).json()["data"]
    assert kept["userId"] is None and kept["paymentMethodId"] is None and kept["idTagUid"] == "CAFE01"
    assert kept["lastUpdatedAt"] == iso(T0 + timedelta(hours=1))
    assert (await api.get(f"{TAGS}/{other_tag['id']}")).json()["data"] == other_tag
    assert (str(tag["id"]), "updated") in await outbox(server, "idTag.changed")
    assert (method["data"]["id"], "deleted") in await outbox(server, "user.paymentMethod.changed")
    for table in (payment_methods, user_invoice_details, user_group_members):
        assert await count(server, table) == 0, table.name
    assert await count(server, user_groups) == 1 and await count(server, id_tags) == 2


BAD_CREATES = [
    ({}, ["email", "password"]),
    ({"email": "a@example.com"}, ["password"]),
    ({"password": PASSWORD}, ["email"]),
    ({"email": "not-an-email", "password": PASSWORD}, ["email"]),
    ({"email": "a@example.com", "password": "short"}, ["password"]),
    ({"email": "a@example.com", "password": 123456789}, ["password"]),
    ({"email": None, "password": PASSWORD}, ["email"]),
    ({"email": "a@example.com", "password": PASSWORD, "country": "XX"}, ["country"]),
    ({"email": "a@example.com", "password": PASSWORD, "state": "Nowhere"}, ["state"]),
    ({"email": "a@example.com", "password": PASSWORD, "userGroupIds": "1"}, ["userGroupIds"]),
    ({"email": "a@example.com", "password": PASSWORD, "userGroupIds": ["x"]}, ["userGroupIds.0"]),
    ({"email": "a@example.com", "password": PASSWORD, "options": {"sessionsAllowed": "many"}}, ["options.sessionsAllowed"]),
    ({"email": "a@example.com", "password": PASSWORD, "requirePasswordReset": "yes"}, ["requirePasswordReset"]),
    ({"email": "a@example.com", "password": PASSWORD, "externalAppData": [1]}, ["externalAppData"]),
    ({"email": "a@example.com", "password": PASSWORD, "first_name": 5}, ["first_name"]),
    ({"email": "a@example.com", "password": PASSWORD, "bankDetails": {"bankIban": 5}}, ["bankDetails.bankIban"]),
    ({"email": "a@example.com", "password": PASSWORD, "first_name": "a\x00b"}, ["first_name"]),
    ({"email": "a@example.com", "password": PASSWORD, "externalId": "e" * 256}, ["externalId"]),
]


@pytest.mark.parametrize(("body", "fields"), BAD_CREATES)
async def test_bad_creates_get_422_naming_the_fields_and_write_nothing(api, server, body, fields) -> None:
    response = await api.post(USERS, json=body)
    assert response.status_code == 422, response.text
    assert set(fields) <= set(response.json()["errors"]), response.json()
    assert await count(server, users) == 0 and await count(server, events) == 0


@pytest.mark.parametrize(("body", "fields"), [(b, f) for b, f in BAD_CREATES[3:] if "password" not in f])
async def test_bad_updates_get_422_and_change_nothing(api, server, body, fields) -> None:
    created = await create(api)
    before = await stored_row(server, created["id"])
    patch = {k: v for k, v in body.items() if k in {f.split(".")[0] for f in fields}}
    response = await api.patch(f"{USERS}/{created['id']}", json=patch)
    assert response.status_code == 422, response.text
    assert set(fields) <= set(response.json()["errors"])
    assert await stored_row(server, created["id"]) == before


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"text"', b"null", b"", b'{"email": }', b"\xff\xfe"])
async def test_malformed_json_gets_422(api, server, raw) -> None:
    created = await create(api)
    before = await stored_row(server, created["id"])
    for method, url in (("POST", USERS), ("PATCH", f"{USERS}/{created['id']}")):
        response = await api.request(method, url, content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, (method, raw)
        assert response.json()["errors"]
    assert await count(server, users) == 1 and await stored_row(server, created["id"]) == before


@pytest.mark.parametrize("user_id", ["999", "0", "-1", "x", "99999999999999999999"])
async def test_unknown_users_are_404(api, server, user_id) -> None:
    await create(api)
    item = f"{USERS}/{user_id}"
    assert (await api.get(item)).status_code == 404
    assert (await api.patch(item, json={"city": "X"})).status_code == 404
    assert (await api.delete(item)).status_code == 404
    assert await count(server, users) == 1


async def test_many_user_group_ids_are_checked_and_kept_in_batches(api, server) -> None:
    created = await create(api)
    many = list(range(1, 40_001))  # more than one statement may carry
    response = await api.patch(f"{USERS}/{created['id']}", json={"userGroupIds": many})
    assert response.json()["errors"]["userGroupIds"] == [
        "The selected userGroupIds is invalid: there is no user group 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 (and 39990 more)."]
    async with server.rt.db.write() as tx:
        await tx.conn.execute(user_groups.insert(), [{"name": f"G{n}", "attrs": {}, "created_at": T0,
                                                      "last_updated_at": T0} for n in range(6000)])
    ids = list(range(1, 6001))
    assert (await api.patch(f"{USERS}/{created['id']}", json={"userGroupIds": ids})).json()["data"]["userGroupIds"] == ids
    assert (await api.patch(f"{USERS}/{created['id']}", json={"userGroupIds": [3]})).json()["data"]["userGroupIds"] == [3]
    assert await count(server, user_group_members) == 1
