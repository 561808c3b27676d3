"""Local authorization lists and the authorization cache (OCPP 1.6 Local Auth List Management and
ClearCache), through the gateway: no API operation drives them yet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ocpp.v16 import call_result
from sqlalchemy import delete, insert, update

from cpms.domain import local_list
from cpms.errors import ChargerUnavailable, Invalid
from cpms.storage.tables.users import id_tags
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


async def tags(live, *specs: tuple[str, str, int | None]) -> None:
    """Id tags (uid, status, expiry in days from now or None)."""
    rt = live.server.rt
    now = rt.clock.now()
    async with rt.db.write() as tx:
        for uid, status, days in specs:
            await tx.conn.execute(insert(id_tags).values(
                uid=uid, status=status, type="rfid", attrs={}, created_at=now, last_updated_at=now,
                expire_at=None if days is None else now + timedelta(days=days)))


async def held(live, cp_id: int):
    async with live.server.rt.db.read() as conn:
        return await local_list.held(conn, cp_id)


async def test_TC_042_1_CSMS_GetLocalListVersion_NotSupported(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL1")
    async with connect16(live.ws_url, "CP-LL1") as charger:
        charger.local_list_version = -1
        result = await local_list.read_version(live.server.rt, cp["id"])
        assert await charger.wait_for("GetLocalListVersion") == {}
    assert result.data["version"] == local_list.NOT_SUPPORTED
    assert await held(live, cp["id"]) == (-1, None)


async def test_TC_042_2_CSMS_GetLocalListVersion_Empty(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL2")
    async with connect16(live.ws_url, "CP-LL2"):
        result = await local_list.read_version(live.server.rt, cp["id"])
    assert result.accepted and result.data["version"] == 0
    assert await held(live, cp["id"]) == (0, {})


async def test_TC_043_1_CSMS_SendLocalList_NotSupported(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL3")
    await tags(live, ("TAG-1", "enabled", None))
    async with connect16(live.ws_url, "CP-LL3") as charger:
        charger.answers["SendLocalList"] = call_result.SendLocalList(status="NotSupported")
        async with live.server.rt.db.read() as conn:
            wanted = await local_list.entries_for_tags(conn, live.server.rt.clock.now())
        result = await local_list.send(live.server.rt, cp["id"], wanted)
    assert not result.accepted and result.status == "NotSupported" and "does not support" in result.message
    assert await held(live, cp["id"]) is None


async def test_TC_043_3_CSMS_SendLocalList_Failed(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL4")
    async with connect16(live.ws_url, "CP-LL4") as charger:
        charger.answers["SendLocalList"] = call_result.SendLocalList(status="Failed")
        result = await local_list.send(live.server.rt, cp["id"], [{"idTag": "TAG-1", "status": "Accepted"}])
    assert not result.accepted and result.status == "Failed"
    assert await held(live, cp["id"]) is None


async def test_TC_043_4_CSMS_SendLocalList_Full(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL5")
    await tags(live, ("TAG-OK", "enabled", 30), ("TAG-OFF", "disabled", None), ("TAG-OLD", "enabled", -1))
    rt = live.server.rt
    async with connect16(live.ws_url, "CP-LL5") as charger:
        async with rt.db.read() as conn:
            wanted = await local_list.entries_for_tags(conn, rt.clock.now())
        result = await local_list.send(rt, cp["id"], wanted)
        sent = await charger.wait_for("SendLocalList")
    assert result.accepted and result.data["version"] == 1
    assert sent["list_version"] == 1 and sent["update_type"] == "Full"
    entries = {e["id_tag"]: e["id_tag_info"] for e in sent["local_authorization_list"]}
    assert entries["TAG-OK"]["status"] == "Accepted" and entries["TAG-OK"]["expiry_date"].endswith("Z")
    assert entries["TAG-OFF"] == {"status": "Blocked"}
    assert entries["TAG-OLD"]["status"] == "Expired"
    version, stored = await held(live, cp["id"])
    assert version == 1 and set(stored) == {"TAG-OK", "TAG-OFF", "TAG-OLD"}


async def test_TC_043_5_CSMS_SendLocalList_Differential(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL6")
    await tags(live, ("TAG-A", "enabled", None), ("TAG-B", "enabled", None), ("TAG-C", "enabled", None))
    rt = live.server.rt
    async with connect16(live.ws_url, "CP-LL6") as charger:
        async with rt.db.read() as conn:
            await local_list.send(rt, cp["id"], await local_list.entries_for_tags(conn, rt.clock.now()))
        async with rt.db.write() as tx:
            await tx.conn.execute(update(id_tags).where(id_tags.c.uid == "TAG-B").values(status="disabled"))
            await tx.conn.execute(delete(id_tags).where(id_tags.c.uid == "TAG-C"))
        await tags(live, ("TAG-D", "enabled", None))
        charger.received.clear()
        async with rt.db.read() as conn:
            wanted = await local_list.entries_for_tags(conn, rt.clock.now())
        result = await local_list.send(rt, cp["id"], wanted, full=False)
        sent = await charger.wait_for("SendLocalList")
    assert result.accepted
    assert sent["list_version"] == 2 and sent["update_type"] == "Differential"
    assert sent["local_authorization_list"] == [
        {"id_tag": "TAG-B", "id_tag_info": {"status": "Blocked"}},
        {"id_tag": "TAG-D", "id_tag_info": {"status": "Accepted"}},
        {"id_tag": "TAG-C"},
    ]
    version, stored = await held(live, cp["id"])
    assert version == 2 and stored == {"TAG-A": {"status": "Accepted"}, "TAG-B": {"status": "Blocked"},
                                       "TAG-D": {"status": "Accepted"}}


async def test_a_differential_update_without_known_contents_is_sent_full(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL7")
    async with connect16(live.ws_url, "CP-LL7") as charger:
        charger.local_list_version = 7
        await local_list.read_version(live.server.rt, cp["id"])
        result = await local_list.send(live.server.rt, cp["id"], [{"idTag": "TAG-1", "status": "Accepted"}],
                                       full=False)
        sent = await charger.wait_for("SendLocalList")
    assert result.accepted and sent["update_type"] == "Full" and sent["list_version"] == 8


async def test_a_tag_too_long_for_16_is_refused_before_sending(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL8")
    async with connect16(live.ws_url, "CP-LL8") as charger:
        with pytest.raises(Invalid) as refused:
            await local_list.send(live.server.rt, cp["id"], [{"idTag": "T" * 21, "status": "Accepted"}])
        assert charger.received == []
    assert "idTag" in refused.value.errors
    assert await held(live, cp["id"]) is None


@pytest.mark.parametrize("status", ["Accepted", "Rejected"])
async def test_TC_061_CSMS_ClearAuthorizationCache(live, status) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL9")
    async with connect16(live.ws_url, "CP-LL9") as charger:
        charger.answers["ClearCache"] = call_result.ClearCache(status=status)
        result = await local_list.clear_cache(live.server.rt, cp["id"])
        assert await charger.wait_for("ClearCache") == {}
    assert result.accepted is (status == "Accepted") and result.status == status


async def test_an_offline_charger_is_unavailable(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LL10")
    for use_case in (local_list.read_version(live.server.rt, cp["id"]), local_list.clear_cache(live.server.rt, cp["id"]),
                     local_list.send(live.server.rt, cp["id"], [])):
        with pytest.raises(ChargerUnavailable):
            await use_case
    assert await held(live, cp["id"]) is None
