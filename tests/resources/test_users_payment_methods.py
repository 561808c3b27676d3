"""A user's payment methods: bank transfers kept, processor flavours refused honestly, one default."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from cpms.clock import FrozenClock, iso
from cpms.storage.tables.core import events
from cpms.storage.tables.users import payment_methods
from tests.resources.test_users import USERS, create, quick_password_hashing  # noqa: F401

TAGS = "/public-api/resources/id-tags/v2.0"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
IBAN = "DE89370400440532013000"


def methods_of(user: dict[str, Any]) -> str:
    return f"{USERS}/{user['id']}/payment-methods"


async def add_bank_transfer(api, user: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await api.post(methods_of(user), json={"tokenizedType": "bank_transfer", **body})
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def add_processor_card(server, user: dict[str, Any], default: bool = False) -> str:
    """A card as a payment processor integration would record it (the API cannot add one without it)."""
    async with server.rt.db.write() as tx:
        result = await tx.conn.execute(insert(payment_methods).values(
            user_id=int(user["id"]), type="tokenized", is_default=default, created_at=T0, last_updated_at=T0,
            attrs={"tokenizedType": "card", "issuer": "visa", "name": "Visa 4242", "expireYear": 2030,
                   "expireMonth": 1}).returning(payment_methods.c.id))
        return str(result.scalar_one())


async def stored(server) -> list[tuple[Any, ...]]:
    async with server.rt.db.read() as conn:
        return [tuple(row) for row in (await conn.execute(select(payment_methods).order_by(payment_methods.c.id))).all()]


async def outbox(server) -> list[tuple[str, str, int]]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(events).where(events.c.type == "user.paymentMethod.changed")
                                   .order_by(events.c.id))).all()
    return [(row.entity_id, row.data["action"], row.data["userId"]) for row in rows]


async def test_a_bank_transfer_method_is_kept_without_a_processor(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    user = await create(api, bankDetails={"bankIban": IBAN})
    method = await add_bank_transfer(api, user, bankTransferType="sepa")
    assert method == {"id": method["id"], "userId": int(user["id"]), "type": "bank_transfer",
                      "bankTransferType": "sepa", "name": "SEPA bank transfer, IBAN ending 3000", "default": True,
                      "lastUpdatedAt": iso(T0), "addedAt": iso(T0)}
    assert isinstance(method["id"], str)
    assert IBAN not in str(await stored(server))  # a reference, never the account number
    item = f"{methods_of(user)}/{method['id']}"
    assert (await api.get(item)).json()["data"] == method
    listed = (await api.get(methods_of(user))).json()
    assert listed["data"] == [method] and listed["meta"]["total"] == 1
    assert await outbox(server) == [(method["id"], "created", int(user["id"]))]


async def test_a_bank_transfer_without_the_users_iban_is_named_plainly(api) -> None:
    user = await create(api)
    assert (await add_bank_transfer(api, user))["name"] == "SEPA bank transfer"
    other = await create(api, email="b@example.com")
    implied = await api.post(methods_of(other), json={"bankTransferType": "sepa"})
    assert implied.status_code == 201 and implied.json()["data"]["type"] == "bank_transfer"


@pytest.mark.parametrize("body", [{}, {"tokenizedType": "card"}, {"transactionId": 12345},
                                  {"tokenizedType": "bank_transfer", "transactionId": 1}])
async def test_what_needs_a_payment_processor_is_refused_with_the_contracts_message(api, server, body) -> None:
    user = await create(api)
    response = await api.post(methods_of(user), json=body)
    assert response.status_code == 422
    assert response.json()["message"] == "Payment processor not installed"
    assert response.json()["errors"]
    assert await stored(server) == [] and await outbox(server) == []


async def test_one_bank_transfer_method_of_a_kind_per_user(api, server) -> None:
    user = await create(api)
    await add_bank_transfer(api, user)
    before = await stored(server)
    again = await api.post(methods_of(user), json={"tokenizedType": "bank_transfer"})
    assert again.status_code == 422
    assert again.json() == {"message": "The given data was invalid.",
                            "errors": {"bankTransferType": ["The user already has a sepa bank transfer payment method."]}}
    assert await stored(server) == before


@pytest.mark.parametrize("body", [{"tokenizedType": "paypal"}, {"bankTransferType": "pse"},
                                  {"transactionId": "abc"}, [], "text"])
async def test_bad_bodies_get_the_contracts_generic_message(api, server, body) -> None:
    user = await create(api)
    response = await api.post(methods_of(user), json=body)
    assert response.status_code == 422
    assert response.json()["message"] == "The given data was invalid." and response.json()["errors"]
    assert await stored(server) == []


async def test_the_default_moves_and_cannot_be_unset_while_it_is_the_only_method(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    user = await create(api)
    transfer = await add_bank_transfer(api, user)
    item = f"{methods_of(user)}/{transfer['id']}"
    sole = await api.patch(item, json={"default": False})
    assert sole.status_code == 422
    assert sole.json()["message"] == "Can not set this payment method as non default. Please add another payment method."
    assert (await api.get(item)).json()["data"]["default"] is True
    card = await add_processor_card(server, user)
    server.rt.clock = FrozenClock(T0 + timedelta(hours=1))
    chosen = await api.patch(f"{methods_of(user)}/{card}", json={"default": True})
    assert chosen.status_code == 200 and chosen.json()["data"]["default"] is True
    assert chosen.json()["data"]["type"] == "tokenized" and chosen.json()["data"]["issuer"] == "visa"
    previous = (await api.get(item)).json()["data"]
    assert previous["default"] is False and previous["lastUpdatedAt"] == iso(T0 + timedelta(hours=1))
    unset = await api.patch(f"{methods_of(user)}/{card}", json={"default": False})
    assert unset.status_code == 200 and unset.json()["data"]["default"] is False
    assert (await api.get(item)).json()["data"]["default"] is True
    actions = [(entity, action) for entity, action, _user in await outbox(server)]
    assert (transfer["id"], "updated") in actions and (card, "updated") in actions


async def test_deleting_the_default_passes_it_on_and_frees_id_tags(api, server) -> None:
    user = await create(api)
    transfer = await add_bank_transfer(api, user)
    card = await add_processor_card(server, user)
    tag = (await api.post(TAGS, json={"idTagUid": "T1", "status": "enabled", "type": "rfid", "userId": int(user["id"]),
                                      "paymentMethodId": transfer["id"]})).json()["data"]
    assert tag["paymentMethodId"] == transfer["id"]
    assert (await api.delete(f"{methods_of(user)}/{transfer['id']}")).status_code == 204
    assert (await api.get(f"{methods_of(user)}/{transfer['id']}")).status_code == 404
    assert (await api.get(f"{methods_of(user)}/{card}")).json()["data"]["default"] is True
    assert (await api.get(f"{TAGS}/{tag['id']}")).json()["data"]["paymentMethodId"] is None
    assert (transfer["id"], "deleted", int(user["id"])) in await outbox(server)


async def test_methods_are_only_reachable_under_their_own_user(api, server) -> None:
    ann, bob = await create(api), await create(api, email="bob@example.com")
    method = await add_bank_transfer(api, ann)
    before = await stored(server)
    for path in (f"{methods_of(bob)}/{method['id']}", f"{methods_of(ann)}/abc", f"{methods_of(ann)}/999",
                 f"{methods_of(ann)}/99999999999999999999", f"{USERS}/999/payment-methods/{method['id']}"):
        assert (await api.get(path)).status_code == 404, path
        assert (await api.patch(path, json={"default": True})).status_code == 404, path
        assert (await api.delete(path)).status_code == 404, path
    assert (await api.get(f"{USERS}/999/payment-methods")).status_code == 404
    assert (await api.post(f"{USERS}/999/payment-methods", json={"tokenizedType": "bank_transfer"})).status_code == 404
    assert (await api.get(methods_of(bob))).json()["data"] == []
    assert await stored(server) == before


async def test_bad_updates_change_nothing(api, server) -> None:
    user = await create(api)
    method = await add_bank_transfer(api, user)
    before = await stored(server)
    for body in ({"default": "yes"}, {"default": None}, []):
        response = await api.patch(f"{methods_of(user)}/{method['id']}", json=body)
        assert response.status_code == 422 and response.json()["message"] == "The given data was invalid."
    renamed = await api.patch(f"{methods_of(user)}/{method['id']}", json={"name": "Mine", "type": "wallet"})
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == method["name"]
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(payment_methods))).scalar_one() == len(before)
