"""Property tests: any JSON body or filter sent to id tags (v2.0 and RFID v1.0) is answered with the
contract's shapes (the client checks every answer), and a refusal leaves the database as it was."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cpms.storage.tables.core import events
from cpms.storage.tables.users import id_tags
from tests.resources.test_id_tags import RFID, TAGS
from tests.resources.test_users import USERS, quick_password_hashing  # noqa: F401
from tests.resources.test_users_properties import JSON

FIELDS = st.sampled_from(["idTagUid", "rfidTagUid", "idLabel", "rfidLabel", "status", "type", "expireAt", "userId",
                          "partnerId", "paymentMethodId", "vehicleType", "externalId", "id", "createdAt"])
VALUES = JSON | st.sampled_from(["enabled", "disabled", "suspended", "rfid", "mac_address", "emaid", "2030-01-01",
                                 "2030-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "company_car", "1", "ABC"])
FILTERS = st.sampled_from(["idTagUid", "rfidTagUid", "idLabel", "rfidLabel", "userId", "expireAt", "status", "type",
                           "partnerId", "lastUpdatedAfter", "lastUpdatedBefore"])
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


async def snapshot(server) -> tuple[Any, ...]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(id_tags).order_by(id_tags.c.id))).all()
        count = (await conn.execute(select(func.count()).select_from(events))).scalar_one()
    return tuple(tuple(r) for r in rows), count


async def a_tag(api) -> int:
    listed = (await api.get(TAGS)).json()["data"]
    if listed:
        return listed[0]["id"]
    user = (await api.post(USERS, json={"email": "seed@example.com", "password": "secret-pw"})).json()["data"]
    response = await api.post(TAGS, json={"idTagUid": "SEED", "status": "enabled", "type": "rfid",
                                          "userId": int(user["id"])})
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


@EXAMPLES
@given(body=st.dictionaries(FIELDS, VALUES, max_size=6) | JSON, base=st.sampled_from([TAGS, RFID]))
async def test_any_id_tag_body_is_answered_by_the_contract_and_refusals_change_nothing(api, server, body, base) -> None:
    tag_id = await a_tag(api)
    for method, url, ok in (("POST", base, 201), ("PATCH", f"{base}/{tag_id}", 200)):
        before = await snapshot(server)
        response = await api.request(method, url, json=body)
        assert response.status_code in {ok, 422}, response.text
        if response.status_code == 422:
            assert response.json()["errors"]
            assert await snapshot(server) == before


@EXAMPLES
@given(filters=st.dictionaries(FILTERS, st.text(max_size=12) | st.integers().map(str), max_size=3),
       base=st.sampled_from([TAGS, RFID]))
async def test_any_filter_is_answered_200_or_422(api, server, filters, base) -> None:
    await a_tag(api)
    response = await api.get(base, params={f"filter[{k}]": v for k, v in filters.items()})
    assert response.status_code in {200, 422}, response.text
