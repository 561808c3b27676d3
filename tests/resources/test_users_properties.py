"""Property tests: any JSON sent to users, their invoice details and payment methods is answered with
the contract's shapes (the client checks every answer), and a refusal leaves the database as it was."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cpms.storage.tables.core import events
from cpms.storage.tables.users import payment_methods, user_group_members, user_invoice_details, users
from tests.resources.test_users import GROUPS, USERS, quick_password_hashing  # noqa: F401

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**64), max_value=2**64)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10)
           | st.sampled_from(["a@example.com", "A@EXAMPLE.COM", "secret-pw", "BG", "WA", "sepa", "bank_transfer",
                              "card", "company", "individual", "EInvoice", "single_session", "1", ""]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
USER_FIELDS = st.sampled_from(["email", "password", "first_name", "last_name", "post_code", "country", "state",
                               "userGroupIds", "externalId", "options", "bankDetails", "externalAppData",
                               "requirePasswordReset", "emailVerified", "locale", "balance", "status", "id"])
INVOICE_FIELDS = st.sampled_from(["requireInvoice", "invoiceType", "invoiceRequired", "clientType", "firstName",
                                  "lastName", "email", "name", "phone", "country", "state", "companyName"])
METHOD_FIELDS = st.sampled_from(["tokenizedType", "bankTransferType", "transactionId", "default"])
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def bodies(fields: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.dictionaries(fields, JSON, max_size=6) | JSON


async def snapshot(server) -> tuple[Any, ...]:
    async with server.rt.db.read() as conn:
        tables = []
        for table in (users, user_group_members, payment_methods, user_invoice_details):
            tables.append(tuple(tuple(r) for r in (await conn.execute(select(table).order_by(*table.primary_key))).all()))
        tables.append((await conn.execute(select(func.count()).select_from(events))).scalar_one())
    return tuple(tables)


async def a_user(api) -> str:
    listed = (await api.get(USERS)).json()["data"]
    if listed:
        return listed[0]["id"]
    await api.post(GROUPS, json={"name": "G"})
    response = await api.post(USERS, json={"email": "seed@example.com", "password": "secret-pw", "userGroupIds": [1]})
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


@EXAMPLES
@given(body=bodies(USER_FIELDS))
async def test_any_user_body_is_answered_by_the_contract_and_refusals_change_nothing(api, server, body) -> None:
    user_id = await a_user(api)
    for method, url, ok in (("POST", USERS, 201), ("PATCH", f"{USERS}/{user_id}", 200)):
        before = await snapshot(server)
        response = await api.request(method, url, json=body)
        assert response.status_code in {ok, 422}, response.text
        if response.status_code == 422:
            assert response.json()["errors"]
            assert await snapshot(server) == before
        else:
            assert "password" not in response.json()["data"]


@EXAMPLES
@given(body=bodies(INVOICE_FIELDS))
async def test_any_invoice_details_body_is_answered_by_the_contract(api, server, body) -> None:
    url = f"{USERS}/{await a_user(api)}/invoice-details"
    before = await snapshot(server)
    response = await api.post(url, json=body)
    assert response.status_code in {200, 422}, response.text
    if response.status_code == 422:
        assert await snapshot(server) == before
    else:
        assert (await api.get(url)).json() == response.json()


@EXAMPLES
@given(body=bodies(METHOD_FIELDS))
async def test_any_payment_method_body_is_answered_by_the_contract(api, server, body) -> None:
    url = f"{USERS}/{await a_user(api)}/payment-methods"
    before = await snapshot(server)
    response = await api.post(url, json=body)
    assert response.status_code in {201, 422}, response.text
    if response.status_code == 422:
        assert await snapshot(server) == before
        return
    item = f"{url}/{response.json()['data']['id']}"
    before = await snapshot(server)
    patched = await api.patch(item, json=body)
    assert patched.status_code in {200, 422}, patched.text
    if patched.status_code == 422:
        assert await snapshot(server) == before
    assert (await api.delete(item)).status_code == 204


@EXAMPLES
@given(filters=st.dictionaries(st.sampled_from(["userGroupId", "partnerId", "externalId", "email", "externalAppData",
                                                "lastUpdatedAfter", "lastUpdatedBefore"]),
                               st.text(max_size=12) | st.integers().map(str), max_size=3))
async def test_any_user_filter_is_answered_200_or_422(api, filters) -> None:
    await a_user(api)
    response = await api.get(USERS, params={f"filter[{k}]": v for k, v in filters.items()})
    assert response.status_code in {200, 422}, response.text
