"""A user's invoice details: one set per user, in whichever of the contract's shapes the client uses."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from cpms.clock import FrozenClock, iso
from cpms.storage.tables.core import events
from cpms.storage.tables.users import user_invoice_details
from tests.resources.test_users import USERS, create, quick_password_hashing  # noqa: F401

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def details_of(user: dict[str, Any]) -> str:
    return f"{USERS}/{user['id']}/invoice-details"


async def rows(server) -> list[tuple[Any, ...]]:
    async with server.rt.db.read() as conn:
        return [tuple(r) for r in (await conn.execute(select(user_invoice_details))).all()]


async def outbox(server) -> list[tuple[str, dict[str, Any]]]:
    async with server.rt.db.read() as conn:
        found = (await conn.execute(select(events).where(events.c.type == "user.invoiceDetails.changed")
                                    .order_by(events.c.id))).all()
    return [(row.entity_id, row.data) for row in found]


async def test_a_user_without_details_needs_no_invoice(api) -> None:
    user = await create(api)
    response = await api.get(details_of(user))
    assert response.status_code == 200
    assert response.json() == {"requireInvoice": False, "invoiceType": None}


async def test_general_details_are_created_then_merged(api, server) -> None:
    server.rt.clock = FrozenClock(T0)
    user = await create(api)
    first = await api.post(details_of(user), json={"requireInvoice": True, "invoiceType": "company",
                                                   "companyName": "ACME", "companyTaxId": "BG123", "country": "BG",
                                                   "state": "WA", "postCode": "1000"})
    assert first.status_code == 200
    assert first.json() == {"requireInvoice": True, "requireInvoiceLastUpdatedAt": iso(T0), "invoiceType": "company",
                            "companyName": "ACME", "companyTaxId": "BG123", "country": "BG", "state": "WA",
                            "postCode": "1000"}
    server.rt.clock = FrozenClock(T0 + timedelta(hours=1))
    same_requirement = await api.post(details_of(user), json={"requireInvoice": True, "invoiceType": "company",
                                                              "city": "Sofia"})
    assert same_requirement.json() == {**first.json(), "city": "Sofia"}  # merged; the requirement did not change
    off = await api.post(details_of(user), json={"requireInvoice": False, "invoiceType": None})
    assert off.json()["requireInvoiceLastUpdatedAt"] == iso(T0 + timedelta(hours=1))
    assert (await api.get(details_of(user))).json() == off.json()
    uid = int(user["id"])
    assert [(e, d["action"], d["userId"]) for e, d in await outbox(server)] == [
        (str(uid), "created", uid), (str(uid), "updated", uid), (str(uid), "updated", uid)]
    assert len(await rows(server)) == 1


async def test_client_type_details_are_answered_under_their_client_type(api) -> None:
    user = await create(api)
    body = {"invoiceRequired": True, "clientType": "company", "name": "ACME", "email": "billing@acme.test",
            "landlinePhoneNumber": "+3592", "taxId": "ES123", "postcode": "28001"}
    answer = (await api.post(details_of(user), json=body)).json()
    assert answer["invoiceRequired"] is True and answer["clientType"] == "company" and answer["individual"] == {}
    assert answer["company"]["name"] == "ACME" and answer["company"]["landlinePhoneNumber"] == "+3592"
    assert answer["company"]["postcode"] == "28001"
    assert (await api.get(details_of(user))).json() == answer


@pytest.mark.parametrize("body", [
    {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "country": "GB", "postcode": "N1"},
    {"invoiceType": "EInvoice", "carrierType": "Mobile", "mobileBarCode": "/ABC1234", "name": "Ann",
     "email": "ann@example.com", "phone": "0912"},
])
async def test_other_shapes_are_kept_as_sent(api, body) -> None:
    user = await create(api)
    answer = (await api.post(details_of(user), json=body)).json()
    assert answer == body
    assert (await api.get(details_of(user))).json() == body


async def test_another_shape_replaces_the_details(api) -> None:
    user = await create(api)
    await api.post(details_of(user), json={"requireInvoice": True, "invoiceType": "individual", "individualName": "A"})
    person = {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com"}
    assert (await api.post(details_of(user), json=person)).json() == person
    assert (await api.get(details_of(user))).json() == person


@pytest.mark.parametrize("body", [{}, {"requireInvoice": True}, {"requireInvoice": "yes", "invoiceType": None},
                                  {"requireInvoice": True, "invoiceType": "charity"},
                                  {"firstName": "Ann", "lastName": "Lee"}, {"invoiceType": "EInvoice", "name": "x"},
                                  {"requireInvoice": True, "invoiceType": None, "country": "XX"},
                                  {"requireInvoice": True, "invoiceType": None, "companyName": "a\x00b"},
                                  [], "text"])
async def test_bad_details_get_422_and_change_nothing(api, server, body) -> None:
    user = await create(api)
    await api.post(details_of(user), json={"requireInvoice": True, "invoiceType": "company", "companyName": "ACME"})
    before = await rows(server)
    response = await api.post(details_of(user), json=body)
    assert response.status_code == 422 and response.json()["errors"], response.text
    assert await rows(server) == before


async def test_malformed_json_and_unknown_users(api, server) -> None:
    user = await create(api)
    response = await api.post(details_of(user), content=b"{", headers={"content-type": "application/json"})
    assert response.status_code == 422
    for path in (f"{USERS}/999/invoice-details", f"{USERS}/99999999999999999999/invoice-details"):
        assert (await api.get(path)).status_code == 404
        assert (await api.post(path, json={"requireInvoice": False, "invoiceType": None})).status_code == 404
    assert await rows(server) == [] and await outbox(server) == []
