"""Authorizations over the Public API: v2.1, v2.0 and the v1.0 read, every filter, the words of
each version. Authorizations are made by the domain as chargers' Authorize messages make them."""

from __future__ import annotations

from typing import Any

import pytest

from cpms.clock import Clock
from cpms.contract import load_contract
from cpms.domain import authorizations as auth
from cpms.domain import sessions
from tests.ocpp.transactions_support import tag, user
from tests.support import seed

V21, V20, V10 = ("/public-api/resources/authorizations/v2.1", "/public-api/resources/authorizations/v2.0",
                 "/public-api/resources/authorizations/v1.0")


async def judged(server, cp_id: int, id_tag: str) -> int:
    now = Clock().now()
    async with server.rt.db.write() as tx:
        verdict = await auth.judge(tx.conn, cp_id, id_tag, now)
        auth_id, _ = await auth.record(tx, cp_id, id_tag, verdict, now)
    return auth_id


@pytest.fixture
async def judged_tags(server) -> dict[str, Any]:
    db = server.rt.db
    cp = await seed.charge_point(db, "CP-AUTH")
    partner_user = await user(db, "partner@example.com", partner_id=31)
    await tag(db, "CARD-OK", user_id=partner_user)
    await tag(db, "AA:BB:CC:DD:EE:FF", kind="mac_address")
    ok = await judged(server, cp["id"], "CARD-OK")
    mac = await judged(server, cp["id"], "AA:BB:CC:DD:EE:FF")
    unknown = await judged(server, cp["id"], "WHO-IS-THIS")
    async with db.write() as tx:
        started = await sessions.start(tx, sessions.Start(cp["id"], "1", "CARD-OK", 0, Clock().now()), Clock().now())
    return {"cp": cp, "user": partner_user, "ok": ok, "mac": mac, "unknown": unknown, "session": started.session_id}


async def ids(api, url: str, params: Any) -> list[int]:
    response = await api.get(url, params=params)
    assert response.status_code == 200, response.json()
    return [a["id"] for a in response.json()["data"]]


async def test_every_filter(api, judged_tags) -> None:
    ok, mac, unknown = judged_tags["ok"], judged_tags["mac"], judged_tags["unknown"]
    cases = {
        "createdAfter": ("2000-01-01T00:00:00Z", [ok, mac, unknown]),
        "createdBefore": ("2000-01-01T00:00:00Z", []),
        "lastUpdatedAfter": ("2000-01-01T00:00:00Z", [ok, mac, unknown]),
        "lastUpdatedBefore": ("2000-01-01T00:00:00Z", []),
        "status": ("rejected", [unknown]),
        "method": ("mac_address", [mac]),
        "partnerId": (31, [ok]),
    }
    for operation in ("authorizationsListing", "authorizationsListingV2_1"):
        assert set(cases) == set(load_contract()[operation].filter_names), operation
    for url in (V21, V20):
        for name, (value, expected) in cases.items():
            assert await ids(api, url, {f"filter[{name}]": value}) == expected, (url, name)


async def test_each_version_in_its_own_words(api, judged_tags) -> None:
    ok, mac, unknown = judged_tags["ok"], judged_tags["mac"], judged_tags["unknown"]
    accepted = (await api.get(f"{V21}/{ok}")).json()["data"]
    assert accepted["status"] == "accepted" and accepted["method"] == "id_tag" and accepted["source"] == "local"
    assert accepted["userId"] == judged_tags["user"] and accepted["idTagUid"] == "CARD-OK"
    assert accepted["chargePointId"] == judged_tags["cp"]["id"] and accepted["sessionIds"] == [judged_tags["session"]]
    assert accepted["evseId"] == judged_tags["cp"]["evse_ids"][0]
    assert "rejectionReason" not in accepted
    nobody = (await api.get(f"{V21}/{unknown}")).json()["data"]
    assert nobody["userId"] == 0 and nobody["status"] == "rejected" and nobody["rejectionReason"] == "invalid"
    assert (await api.get(f"{V20}/{mac}")).json()["data"]["method"] == "id_tag"
    assert (await api.get(f"{V20}/{unknown}")).json()["data"]["userId"] is None
    old = (await api.get(f"{V10}/{ok}")).json()["data"]
    assert old["method"] == "rfid_tag" and old["rfidTagUid"] == "CARD-OK" and "idTagUid" not in old
    cursor = (await api.get(V21, params={"cursor": "", "per_page": 2})).json()
    assert [a["id"] for a in cursor["data"]] == [ok, mac] and cursor["links"]["next"]


async def test_unknown_authorizations_are_404_and_bad_filters_422(api, judged_tags) -> None:
    for url in (V21, V20, V10):
        for missing in ("999999", "abc"):
            assert (await api.get(f"{url}/{missing}")).status_code == 404
    assert (await api.get(V21, params={"filter[partnerId]": "many"})).status_code == 422
    assert (await api.get(V21, params={"filter[createdAfter]": "then"})).status_code == 422
