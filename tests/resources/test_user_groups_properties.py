"""Property tests: any JSON body or filter sent to user groups is answered with the contract's shapes,
and a refusal leaves the database as it was."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cpms.storage.tables.core import events
from cpms.storage.tables.users import user_groups
from tests.resources.test_user_groups import GROUPS
from tests.resources.test_users_properties import JSON

FIELDS = st.sampled_from(["name", "partnerId", "description", "externalId", "id", "lastUpdatedAt"])
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


async def snapshot(server) -> tuple[Any, ...]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(user_groups).order_by(user_groups.c.id))).all()
        count = (await conn.execute(select(func.count()).select_from(events))).scalar_one()
    return tuple(tuple(r) for r in rows), count


@EXAMPLES
@given(body=st.dictionaries(FIELDS, JSON, max_size=5) | JSON)
async def test_any_group_body_is_answered_by_the_contract_and_refusals_change_nothing(api, server, body) -> None:
    listed = (await api.get(GROUPS)).json()["data"]
    group_id = listed[0]["id"] if listed else (await api.post(GROUPS, json={"name": "Seed"})).json()["data"]["id"]
    for method, url, ok in (("POST", GROUPS, 201), ("PATCH", f"{GROUPS}/{group_id}", 200)):
        before = await snapshot(server)
        response = await api.request(method, url, json=body)
        assert response.status_code in {ok, 422}, response.text
        if response.status_code == 422:
            assert await snapshot(server) == before


@EXAMPLES
@given(filters=st.dictionaries(st.sampled_from(["noPartner", "partnerId", "lastUpdatedAfter", "lastUpdatedBefore"]),
                               st.text(max_size=12) | st.integers().map(str), max_size=3))
async def test_any_filter_is_answered_200_or_422(api, filters) -> None:
    response = await api.get(GROUPS, params={f"filter[{k}]": v for k, v in filters.items()})
    assert response.status_code in {200, 422}, response.text
