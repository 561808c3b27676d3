"""Network and hardware status logs of charge points and EVSEs, and the v1.0 status summary."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from cpms.domain import presence
from cpms.domain.status import HardwareReport, record_charge_point_status, record_evse_status
from cpms.storage.tables.charge_points import evses
from tests.support import seed

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
CP = "/public-api/resources/charge-points/v2.0"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
async def network(server):
    """A charge point that connected, dropped and came back; and one that never connected."""
    db = server.rt.db
    cp = await seed.charge_point(db, "CP-LOGS")
    quiet = await seed.charge_point(db, "CP-QUIET", evse_count=1)
    async with db.write() as tx:
        for minutes, state in ((0, presence.AVAILABLE), (10, presence.TEMPORARILY_UNAVAILABLE),
                               (20, presence.AVAILABLE)):
            await presence.set_network_status(tx, cp["id"], state, at(minutes))
        await record_charge_point_status(tx, cp["id"], HardwareReport("faulted", "HighTemperature"), at(1))
        await record_evse_status(tx, cp["id"], "1", HardwareReport("preparing"), at(2))
        await record_evse_status(tx, cp["id"], "1", HardwareReport("charging", timestamp=at(2)), at(3))
        await record_evse_status(tx, cp["id"], "2", HardwareReport("available"), at(4))
        await record_charge_point_status(tx, cp["id"], HardwareReport("available"), at(5))
    return cp, quiet


async def test_network_status_logs_list_filter_and_page(api, network) -> None:
    cp, _ = network
    logs = (await api.get(f"{CP}/{cp['id']}/network-status-logs")).json()
    assert [(log["status"], log["timestamp"]) for log in logs["data"]] == [
        ("available", "2026-03-01T08:00:00.000000Z"), ("temporarily_unavailable", "2026-03-01T08:10:00.000000Z"),
        ("available", "2026-03-01T08:20:00.000000Z")]
    later = (await api.get(f"{CP}/{cp['id']}/network-status-logs",
                           params={"filter[createdAfter]": "2026-03-01T08:05:00Z"})).json()["data"]
    assert [log["timestamp"][11:16] for log in later] == ["08:10", "08:20"]
    first = (await api.get(f"{CP}/{cp['id']}/network-status-logs", params={"per_page": 1})).json()
    second = (await api.get(first["links"]["next"])).json()
    assert second["data"][0]["status"] == "temporarily_unavailable"
    latest = (await api.get(f"{CP}/{cp['id']}/latest-network-status-log")).json()
    assert latest == {"data": {"status": "available", "timestamp": "2026-03-01T08:20:00.000000Z"}}


async def test_charge_point_hardware_logs_are_its_own_reports(api, network) -> None:
    cp, _ = network
    logs = (await api.get(f"{CP}/{cp['id']}/hardware-status-logs")).json()["data"]
    assert [(log["status"], log["errorCode"]) for log in logs] == [("faulted", "HighTemperature"),
                                                                   ("available", "NoError")]
    assert "too hot" in logs[0]["errorCodeDescription"]
    before = (await api.get(f"{CP}/{cp['id']}/hardware-status-logs",
                            params={"filter[createdBefore]": "2026-03-01T08:02:00Z"})).json()["data"]
    assert len(before) == 1
    latest = (await api.get(f"{CP}/{cp['id']}/latest-hardware-status-log")).json()["data"]
    assert latest == {"status": "available", "timestamp": "2026-03-01T08:05:00.000000Z", "errorCode": "NoError"}


async def test_evse_hardware_logs(api, network) -> None:
    cp, _ = network
    evse1, evse2 = cp["evse_ids"]
    logs = (await api.get(f"/public-api/resources/evses/v2.0/{evse1}/hardware-status-logs")).json()["data"]
    assert [(log["status"], log["timestamp"][11:16]) for log in logs] == [("preparing", "08:02"), ("charging", "08:02")]
    latest = (await api.get(f"/public-api/resources/evses/v2.0/{evse2}/latest-hardware-status-log")).json()["data"]
    assert latest["status"] == "available"


async def test_status_summary_in_v1_words(api, server, network) -> None:
    cp, quiet = network
    async with server.rt.db.write() as tx:
        await tx.conn.execute(update(evses).where(evses.c.id == cp["evse_ids"][1]).values(hardware_status="occupied"))
    summary = (await api.get(f"/public-api/resources/charge-points/v1.0/{cp['id']}/status")).json()["data"]
    assert summary["networkStatus"] == "available" and summary["hardwareStatus"] == "available"
    assert summary["evses"] == [{"id": cp["evse_ids"][0], "hardwareStatus": "charging"},
                                {"id": cp["evse_ids"][1], "hardwareStatus": "charging"}]
    never = (await api.get(f"/public-api/resources/charge-points/v1.0/{quiet['id']}/status")).json()["data"]
    assert never["networkStatus"] == "never connected" and never["hardwareStatus"] is None
    assert never["evses"] == [{"id": quiet["evse_ids"][0], "hardwareStatus": None}]


async def test_nothing_reported_yet_and_unknown_ids_are_404(api, network) -> None:
    _, quiet = network
    paths = [f"{CP}/{quiet['id']}/latest-network-status-log", f"{CP}/{quiet['id']}/latest-hardware-status-log",
             f"/public-api/resources/evses/v2.0/{quiet['evse_ids'][0]}/latest-hardware-status-log"]
    for missing in (999999, 2**63):
        paths += [f"{CP}/{missing}/network-status-logs", f"{CP}/{missing}/latest-network-status-log",
                  f"{CP}/{missing}/hardware-status-logs", f"{CP}/{missing}/latest-hardware-status-log",
                  f"/public-api/resources/evses/v2.0/{missing}/hardware-status-logs",
                  f"/public-api/resources/evses/v2.0/{missing}/latest-hardware-status-log",
                  f"/public-api/resources/charge-points/v1.0/{missing}/status"]
    for path in paths:
        assert (await api.get(path)).status_code == 404, path
    assert (await api.get(f"{CP}/{quiet['id']}/network-status-logs")).json()["data"] == []


@pytest.mark.parametrize("params, field", [({"filter[createdAfter]": "yesterday"}, "filter.createdAfter"),
                                           ({"filter[status]": "available"}, "filter"),
                                           ({"per_page": 0}, "per_page"), ({"cursor": "!!"}, "cursor")])
async def test_bad_listing_queries_are_422(api, network, params, field) -> None:
    cp, _ = network
    response = await api.get(f"{CP}/{cp['id']}/hardware-status-logs", params=params)
    assert response.status_code == 422
    assert any(key.startswith(field) for key in response.json()["errors"]), response.json()
