"""Sessions v1.0 over the Public API: every filter of the contract, the read options, consumption
stats. Sessions are made by the domain exactly as chargers make them (cpms.domain.sessions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from cpms.clock import UTC, Clock
from cpms.contract import load_contract
from cpms.domain import remote_starts, sessions
from cpms.domain.meter_values import Reading, sample
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.sessions import authorizations
from cpms.storage.tables.sessions import sessions as sessions_table
from tests.ocpp.transactions_support import tag, user
from tests.support import seed

URL = "/public-api/resources/sessions/v1.0"
T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def readings(*points: tuple[int, float, float | None]) -> list[Reading]:
    """(minutes after T0, register Wh, power W) as readings."""
    out = []
    for minutes, energy, power in points:
        samples = [sample("Energy.Active.Import.Register", energy, "Wh")]
        if power is not None:
            samples.append(sample("Power.Active.Import", power, "W"))
        out.append(Reading(T0 + timedelta(minutes=minutes), samples))
    return out


async def charge(server, cp_id: int, evse: str, id_tag: str, *, start: int = 0, meter_start: float = 0,
                 values: list[Reading] | None = None, stop: tuple[int, float] | None = None) -> int:
    """A session through the domain: start, readings, stop (minutes after T0)."""
    now = Clock().now()
    async with server.rt.db.write() as tx:
        started = await sessions.start(tx, sessions.Start(cp_id, evse, id_tag, meter_start,
                                                          T0 + timedelta(minutes=start)), now)
        if values:
            await sessions.record_meter_values(tx, cp_id, evse, started.transaction_id, values, now)
        if stop is not None:
            await sessions.stop(tx, sessions.Stop(cp_id, started.transaction_id, stop[1],
                                                  T0 + timedelta(minutes=stop[0]), "local"), now)
    return started.session_id


@pytest.fixture
async def network(server) -> dict[str, Any]:
    db = server.rt.db
    a = await seed.charge_point(db, "NET-A")
    b = await seed.charge_point(db, "NET-B")
    async with db.write() as tx:
        await tx.conn.execute(update(charge_points).where(charge_points.c.id == a["id"]).values(
            partner_id=11, last_boot_notification={"vendor": "ABB", "chargePointSerialNumber": "SN-A"}))
        await tx.conn.execute(update(charge_points).where(charge_points.c.id == b["id"]).values(
            last_boot_notification={"vendor": "Alfen", "chargeBoxSerialNumber": "BOX-B"}))
    driver = await user(db, "driver@example.com")
    await tag(db, "CARD-1", user_id=driver)
    await tag(db, "CARD-2")
    first = await charge(server, a["id"], "1", "CARD-1", meter_start=1000,
                         values=readings((15, 2000, 7000), (30, 2000, 0), (45, 3500, 7000)), stop=(60, 4000))
    second = await charge(server, b["id"], "2", "card-2", start=120, values=readings((130, 500, None)))
    async with db.write() as tx:
        third = (await remote_starts.prepare(tx, remote_starts.RemoteStart(
            charge_point_id=a["id"], evse_id=a["evse_ids"][1], physical_reference="NET-A-2"), Clock().now())).session_id
        # what payment, billing and roaming will write one day: the filters already work on the columns
        await tx.conn.execute(update(sessions_table).where(sessions_table.c.id == first).values(
            payment_type="balance", payment_status="paid", payment_status_updated_at=T0 + timedelta(hours=2),
            tax_id=3, receipt_id=9, billing_status="completed", terminal_id=4, sub_operator_id=5,
            roaming_operator_cpo_id=77, attrs={"externalAppData": {"crm": "X-1"}}))
        await tx.conn.execute(update(authorizations).values(source="local"))
    return {"a": a, "b": b, "driver": driver, "first": first, "second": second, "third": third}


async def ids(api, params: Any) -> list[int]:
    response = await api.get(URL, params=params)
    assert response.status_code == 200, response.json()
    return [int(s["id"]) for s in response.json()["data"]]


async def test_every_filter(api, network) -> None:
    a, b = network["a"], network["b"]
    first, second, third = network["first"], network["second"], network["third"]
    cases = {
        "evseId": (a["evse_ids"][0], [first]),
        "chargePointId": (b["id"], [second]),
        "evsePhysicalReference": ("NET-A-2", [third]),
        "chargePointNetworkId": ("NET-B", [second]),
        "reason": ("local", [first]),
        "chargePointBootNotificationSerialNumber": ("BOX-B", [second]),
        "chargePointBootNotificationVendor": ("ABB", [first, third]),
        "startedAfter": ("2026-01-01T11:00:00Z", [second, third]),
        "startedBefore": ("2026-01-01T11:00:00Z", [first]),
        "userId": (network["driver"], [first]),
        "status": ("active", [second]),
        "endedAfter": ("2026-01-01T10:30:00Z", [first]),
        "endedBefore": ("2026-01-01T10:30:00Z", []),
        "partnerId": (11, [first, third]),
        "subOperatorId": (5, [first]),
        "idTag": ("CARD-2", [second]),
        "paymentType": ("balance", [first]),
        "paymentStatus": ("paid", [first]),
        "taxId": (3, [first]),
        "paymentStatusUpdatedBefore": ("2026-01-01T13:00:00Z", [first]),
        "paymentStatusUpdatedAfter": ("2026-01-01T13:00:00Z", []),
        "externalAppData": ("x-1", [first]),
        "receiptId": (9, [first]),
        "authorizationSource": ("local", [first, second, third]),
        "billingStatus": ("completed", [first]),
        "terminalId": (4, [first]),
        "lastUpdatedAfter": ("2000-01-01T00:00:00Z", [first, second, third]),
        "lastUpdatedBefore": ("2000-01-01T00:00:00Z", []),
    }
    declared = set(load_contract()["sessionsListing"].filter_names)
    assert set(cases) | {"roaming"} == declared, "every filter of the contract is tested"
    for name, (value, expected) in cases.items():
        assert await ids(api, {f"filter[{name}]": value}) == expected, name
    assert await ids(api, {"filter[billingStatus]": "null"}) == [second, third]
    assert await ids(api, {"filter[status]": "pending", "filter[chargePointId]": a["id"]}) == [third]


async def test_the_roaming_filter_matches_cpo_ids(api, network) -> None:
    """filter[roaming][roamingOperatorCpoIds][] (an object inside filter), over HTTP as a client sends it."""
    key = "filter[roaming][roamingOperatorCpoIds][]"
    assert await ids(api, [(key, 77), (key, 78)]) == [network["first"]]
    assert await ids(api, [(key, 78)]) == []
    response = await api.get(URL, params={key: "seventy-seven"})
    assert response.status_code == 422 and "filter.roaming.roamingOperatorCpoIds.0" in response.json()["errors"]


async def test_a_session_reads_as_the_contract_says(api, network) -> None:
    response = await api.get(f"{URL}/{network['first']}")
    assert response.status_code == 200
    session = response.json()["data"]
    assert session["id"] == str(network["first"]) and session["status"] == "finished"
    assert session["energy"] == 3000 and session["energyConsumption"] == {"total": 3000, "local": 0, "grid": 3000}
    assert session["power"] == {"latest": 7000, "peak": 7000, "average": 3000} and session["powerKw"] == 7
    assert session["startedAt"] == "2026-01-01T10:00:00.000000Z"
    assert session["stoppedAt"] == "2026-01-01T11:00:00.000000Z"
    assert session["billingStatus"] == "completed" and session["evsePhysicalReference"] == "NET-A-1"
    for option in ("authorization", "chargingPeriods", "priceBreakdown", "clockAlignedEnergyConsumption",
                   "externalAppData"):
        assert option not in session
    pending = (await api.get(f"{URL}/{network['third']}")).json()["data"]
    assert pending["status"] == "pending" and pending["idTag"] == f"*{network['third']:07d}"
    assert pending["energy"] == 0 and pending["userId"] is None and pending["billingStatus"] is None


async def test_read_options(api, network) -> None:
    response = await api.get(f"{URL}/{network['first']}", params={
        "withAuthorization": "true", "withChargingPeriods": "true", "withChargingPeriodsPriceBreakdown": "true",
        "withPriceBreakdown": "true", "withClockAlignedEnergyConsumption": "true", "clockAlignedInterval": 30,
        "include[]": "externalAppData"})
    session = response.json()["data"]
    assert session["authorization"]["rfidTagUid"] == "CARD-1" and session["authorization"]["method"] == "rfid_tag"
    assert session["priceBreakdown"] == [] and session["externalAppData"] == {"crm": "X-1"}
    periods = [(p["state"], p["energy"], p["startedAt"][11:16], p["stoppedAt"][11:16])
               for p in session["chargingPeriods"]]
    # the register stood still between 10:15 and 10:30: idle then
    assert periods == [("charging", 1000, "10:00", "10:15"), ("idle", 0, "10:15", "10:30"),
                       ("charging", 2000, "10:30", "11:00")]
    assert all(p["priceBreakdown"] == [] for p in session["chargingPeriods"])
    aligned = [(c["start"][11:16], c["end"][11:16], c["energyConsumed"]) for c in
               session["clockAlignedEnergyConsumption"]]
    assert aligned == [("10:00", "10:30", 1000), ("10:30", "11:00", 2000)]
    hourly = (await api.get(f"{URL}/{network['first']}", params={
        "withClockAlignedEnergyConsumption": "true", "clockAlignedInterval": 60})).json()["data"]
    assert [c["energyConsumption"]["total"] for c in hourly["clockAlignedEnergyConsumption"]] == [3000]
    listing = (await api.get(URL, params={"withChargingPeriods": "1", "withAuthorization": "1"})).json()["data"]
    assert {s["id"]: len(s["chargingPeriods"]) for s in listing} == {
        str(network["first"]): 3, str(network["second"]): 1, str(network["third"]): 0}


async def test_consumption_stats(api, network) -> None:
    response = await api.get(f"{URL}/{network['first']}/consumption-stats")
    assert response.status_code == 200
    assert [(p["energy"], p["power"], p["timestamp"][11:16]) for p in response.json()["data"]] == [
        (1000, 7000, "10:15"), (1000, 0, "10:30"), (2500, 7000, "10:45")]
    active = (await api.get(f"{URL}/{network['second']}/consumption-stats")).json()["data"]
    assert active == [{"energy": 500, "power": None, "timestamp": "2026-01-01T12:10:00.000000Z"}]
    assert (await api.get(f"{URL}/{network['third']}/consumption-stats")).json() == {"data": []}
    for missing in ("999999", "abc", "99999999999999999999"):
        assert (await api.get(f"{URL}/{missing}/consumption-stats")).status_code == 404


async def test_a_finished_sessions_stats_are_thinned_to_300_points(api, server) -> None:
    cp = await seed.charge_point(server.rt.db, "NET-LONG")
    await tag(server.rt.db, "CARD-LONG")
    points = [(minute, float(minute * 100), 6000.0) for minute in range(1, 601)]
    session_id = await charge(server, cp["id"], "1", "CARD-LONG", values=readings(*points), stop=(601, 60100))
    stats = (await api.get(f"{URL}/{session_id}/consumption-stats")).json()["data"]
    assert len(stats) == 300 and stats[0]["energy"] == 100 and stats[-1]["energy"] == 60000


async def test_unknown_sessions_and_bad_filters(api, network) -> None:
    for missing in ("999999", "abc", "0", "-1"):
        assert (await api.get(f"{URL}/{missing}")).status_code == 404
    for params in ({"filter[status]": "cooking"}, {"filter[startedAfter]": "soon"}, {"filter[userId]": "me"},
                   {"filter[nothing]": "1"}, {"clockAlignedInterval": 7}):
        response = await api.get(URL, params=params)
        assert response.status_code == 422, params


async def test_cursor_pagination(api, network) -> None:
    first_page = (await api.get(URL, params={"per_page": 2, "cursor": ""})).json()
    assert [s["id"] for s in first_page["data"]] == [str(network["first"]), str(network["second"])]
    following = (await api.get(first_page["links"]["next"])).json()
    assert [s["id"] for s in following["data"]] == [str(network["third"])]
