"""Authorize and the id tag verdicts of StartTransaction: Accepted, Blocked, Expired, Invalid,
ConcurrentTx (per the user's sessionsAllowed), each recorded as an authorization."""

from datetime import timedelta

import pytest
from ocpp.v16 import call

from cpms.clock import Clock
from tests.conftest import client
from tests.ocpp.transactions_support import at, rows, tag, user
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def verdict(charger, id_tag):
    return (await charger.call(call.Authorize(id_tag=id_tag))).id_tag_info


async def test_TC_023_1_CSMS_StartChargingSession_AuthorizeInvalid(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-A1")
    async with connect16(live.ws_url, "CP-A1") as charger, client(live.base_url) as api:
        assert await verdict(charger, "UNKNOWN-1") == {"status": "Invalid"}
        listing = (await api.get("/public-api/resources/authorizations/v2.0",
                                 params={"filter[status]": "rejected"})).json()["data"]
    assert len(listing) == 1
    assert listing[0]["rejectionReason"] == "invalid" and listing[0]["idTagUid"] == "UNKNOWN-1"
    assert listing[0]["chargePointId"] == cp["id"] and listing[0]["sessionIds"] == []


async def test_TC_023_2_CSMS_StartChargingSession_AuthorizeExpired(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-A2")
    await tag(db, "OLD-CARD", expire_at=Clock().now() - timedelta(days=1))
    async with connect16(live.ws_url, "CP-A2") as charger:
        info = await verdict(charger, "OLD-CARD")
    assert info["status"] == "Expired" and "expiry_date" in info
    assert [(row.status, row.rejection_reason, row.ocpp_status) for row in await rows(db, "authorizations")] == [
        ("rejected", "expired", "Expired")]


async def test_TC_023_3_CSMS_StartChargingSession_AuthorizeBlocked(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-A3")
    await tag(db, "DISABLED-CARD", status="disabled")
    await tag(db, "SUSPENDED-CARD", status="suspended")
    blocked_user = await user(db, "blocked@example.com", status="disabled")
    await tag(db, "BLOCKED-USER-CARD", user_id=blocked_user)
    async with connect16(live.ws_url, "CP-A3") as charger:
        for uid in ("DISABLED-CARD", "SUSPENDED-CARD", "BLOCKED-USER-CARD"):
            assert (await verdict(charger, uid))["status"] == "Blocked", uid
        # the charger starts anyway (offline cache): told Blocked, the session is recorded
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="DISABLED-CARD", meter_start=0,
                                                           timestamp=at(0)))
        assert started.id_tag_info["status"] == "Blocked"
    assert {row.rejection_reason for row in await rows(db, "authorizations")} == {"blocked"}
    assert len(await rows(db, "sessions")) == 1


async def test_a_card_already_charging_is_ConcurrentTx_and_its_expiry_is_told(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-A4")
    expiry = Clock().now().replace(microsecond=0) + timedelta(days=30)
    await tag(db, "BUSY", expire_at=expiry)
    async with connect16(live.ws_url, "CP-A4") as charger:
        first = await charger.call(call.StartTransaction(connector_id=1, id_tag="BUSY", meter_start=0, timestamp=at(0)))
        assert first.id_tag_info["status"] == "Accepted" and first.id_tag_info["expiry_date"].startswith(
            expiry.isoformat()[:19])
        assert (await verdict(charger, "busy"))["status"] == "ConcurrentTx"
        second = await charger.call(call.StartTransaction(connector_id=2, id_tag="BUSY", meter_start=0,
                                                          timestamp=at(1)))
        assert second.id_tag_info["status"] == "ConcurrentTx"
        await charger.call(call.StopTransaction(meter_stop=10, timestamp=at(2), transaction_id=second.transaction_id,
                                                reason="DeAuthorized"))
        await charger.call(call.StopTransaction(meter_stop=10, timestamp=at(3), transaction_id=first.transaction_id))
        assert (await verdict(charger, "BUSY"))["status"] == "Accepted"


@pytest.mark.parametrize("rule, second_tag_same, other_tag", [
    (None, "ConcurrentTx", "Accepted"),
    ("single_session", "ConcurrentTx", "ConcurrentTx"),
    ("simultaneous_use_of_idtags", "ConcurrentTx", "Accepted"),
    ("multiple_simultaneous_sessions_per_idtag", "Accepted", "Accepted"),
    ("multiple_simultaneous_sessions_remotely_and_idtags", "Accepted", "Accepted"),
])
async def test_sessions_allowed_decides_what_a_charging_user_may_start(live, rule, second_tag_same,
                                                                        other_tag) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-A5", evse_count=3)
    driver = await user(db, "multi@example.com", sessions_allowed=rule)
    await tag(db, "CARD-ONE", user_id=driver)
    await tag(db, "CARD-TWO", user_id=driver)
    async with connect16(live.ws_url, "CP-A5") as charger:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-ONE", meter_start=0,
                                                           timestamp=at(0)))
        assert started.id_tag_info["status"] == "Accepted"
        assert (await verdict(charger, "CARD-ONE"))["status"] == second_tag_same
        assert (await verdict(charger, "CARD-TWO"))["status"] == other_tag


async def test_tags_of_one_user_share_the_users_parent_id_tag(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-A6")
    driver = await user(db, "family@example.com")
    await tag(db, "CARD-MUM", user_id=driver)
    await tag(db, "CARD-KID", user_id=driver)
    await tag(db, "CARD-LONER")
    async with connect16(live.ws_url, "CP-A6") as charger:
        mum, kid, loner = [await verdict(charger, uid) for uid in ("CARD-MUM", "CARD-KID", "CARD-LONER")]
    assert mum["parent_id_tag"] == kid["parent_id_tag"] == f"*U{driver:07d}"
    assert loner == {"status": "Accepted"}


async def test_authorizations_are_announced(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-A7")
    await tag(db, "CARD-EVT")
    async with connect16(live.ws_url, "CP-A7") as charger:
        await verdict(charger, "CARD-EVT")
        await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-EVT", meter_start=0, timestamp=at(0)))
    from sqlalchemy import select

    from cpms.storage.tables.core import events

    async with db.read() as conn:
        found = [(row.type, row.data.get("action"), row.data.get("status"))
                 for row in (await conn.execute(select(events).where(events.c.entity == "authorization")
                                                .order_by(events.c.id))).all()]
    assert found == [("authorization.created", "created", "accepted"), ("authorization.changed", "updated", "accepted")]
