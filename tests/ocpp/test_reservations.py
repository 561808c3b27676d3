"""Reservations through the Public API and a real charger: ReserveNow, its use by a start, its
expiry, the charger's refusals, CancelReservation."""

from datetime import timedelta

import pytest
from ocpp.v16 import call, call_result
from sqlalchemy import select

from cpms.api.actions.sessions import sweep
from cpms.clock import Clock, FrozenClock
from cpms.storage.tables.core import events
from tests.conftest import client
from tests.ocpp.transactions_support import allow_reservations, at, counts, rows, tag, user, utc
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running
from tests.support.waiting import eventually

RESERVE = "/public-api/actions/charge-point/v1.0/{cp}/reserve/{evse}"
CANCEL = "/public-api/actions/reservation/v1.0/{reservation}/cancel"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=3.0)) as r:
        yield r


async def reservable(db, identity, evse_count=2):
    cp = await seed.charge_point(db, identity, evse_count=evse_count)
    await allow_reservations(db, *cp["evse_ids"])
    return cp


async def reservation_of(api, reservation_id):
    response = await api.get(f"/public-api/resources/reservations/v1.0/{reservation_id}")
    assert response.status_code == 200
    return response.json()["data"]


async def reservation_events(db):
    async with db.read() as conn:
        return [(row.data["action"], row.data["status"]) for row in (await conn.execute(
            select(events).where(events.c.type == "reservation.changed").order_by(events.c.id))).all()]


async def test_TC_046_CSMS_ReservationOfConnector_Transaction(live) -> None:
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES1")
    driver = await user(db, "reserver@example.com")
    await tag(db, "CARD-RES1", user_id=driver)
    async with connect16(live.ws_url, "CP-RES1") as charger, client(live.base_url) as api:
        response = await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})
        assert response.status_code == 202
        body = response.json()
        assert body["success"] is True and body["reservationId"]
        sent = await charger.wait_for("ReserveNow")
        assert sent["connector_id"] == 1 and sent["id_tag"] == "CARD-RES1" and sent["parent_id_tag"] == f"*U{driver:07d}"
        assert sent["reservation_id"] == body["reservationId"]
        reservation = await reservation_of(api, body["reservationId"])
        assert reservation["status"] == "active" and reservation["duration"] == 15
        assert reservation["userId"] == driver and reservation["evseId"] == cp["evse_ids"][0]
        assert utc(sent["expiry_date"]) - utc(reservation["reservedAt"]) == timedelta(minutes=15)

        await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Reserved"))
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-RES1", meter_start=0,
                                                           timestamp=at(0), reservation_id=body["reservationId"]))
        assert started.id_tag_info["status"] == "Accepted"
        assert (await reservation_of(api, body["reservationId"]))["status"] == "done"
    [row] = await rows(db, "reservations")
    assert row.session_id == started.transaction_id
    assert await reservation_events(db) == [("created", "active"), ("updated", "done")]


async def test_TC_047_CSMS_ReservationOfConnector_Expire(live) -> None:
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES2")
    driver = await user(db, "late@example.com")
    async with connect16(live.ws_url, "CP-RES2") as charger, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][1]), json={"userId": driver})).json()
        sent = await charger.wait_for("ReserveNow")
        assert sent["id_tag"] == f"*U{driver:07d}"  # a user without a card is reserved for by their identifier
        live.server.rt.clock = FrozenClock(Clock().now() + timedelta(minutes=16))
        await sweep(live.server.rt)
        await charger.call(call.StatusNotification(connector_id=2, error_code="NoError", status="Available"))
        assert (await reservation_of(api, body["reservationId"]))["status"] == "expired"
        listing = (await api.get("/public-api/resources/reservations/v1.0",
                                 params={"filter[status]": "expired"})).json()["data"]
        assert [r["id"] for r in listing] == [body["reservationId"]]
    assert await reservation_events(db) == [("created", "active"), ("updated", "expired")]


@pytest.mark.parametrize("case, status", [("TC_048_1_CSMS_ReservationOfConnector_Faulted", "Faulted"),
                                          ("TC_048_2_CSMS_ReservationOfConnector_Occupied", "Occupied"),
                                          ("TC_048_3_CSMS_ReservationOfConnector_Unavailable", "Unavailable"),
                                          ("TC_048_4_CSMS_ReservationOfConnector_Rejected", "Rejected")])
async def test_TC_048_CSMS_ReservationOfConnector_refused(live, case, status) -> None:
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES3")
    driver = await user(db, "refused@example.com")
    async with connect16(live.ws_url, "CP-RES3") as charger, client(live.base_url) as api:
        charger.answers["ReserveNow"] = call_result.ReserveNow(status=status)
        response = await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})
        assert response.status_code == 406, case
        assert response.json()["success"] is False and response.json()["status"] == status
        assert status in response.json()["message"]
        listing = (await api.get("/public-api/resources/reservations/v1.0",
                                 params={"filter[status]": "active"})).json()["data"]
        assert listing == []
    [row] = await rows(db, "reservations")
    assert row.status == "canceled" and row.attrs["refusal"] == status
    assert await reservation_events(db) == []


async def test_TC_049_CSMS_ReservationOfChargePoint_Transaction(live) -> None:
    """{evse} 0 reserves the whole charge point (connectorId 0); the start may be on any connector."""
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES4")
    driver = await user(db, "whole@example.com")
    await tag(db, "CARD-RES4", user_id=driver)
    async with connect16(live.ws_url, "CP-RES4") as charger, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=0), json={"userId": driver})).json()
        assert body["success"] is True
        assert (await charger.wait_for("ReserveNow"))["connector_id"] == 0
        assert (await reservation_of(api, body["reservationId"]))["evseId"] == 0
        await charger.call(call.StartTransaction(connector_id=2, id_tag="CARD-RES4", meter_start=0, timestamp=at(0),
                                                 reservation_id=body["reservationId"]))
        assert (await reservation_of(api, body["reservationId"]))["status"] == "done"


async def test_TC_051_CSMS_CancelReservation(live) -> None:
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES5")
    driver = await user(db, "cancel@example.com")
    async with connect16(live.ws_url, "CP-RES5") as charger, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})).json()
        response = await api.post(CANCEL.format(reservation=body["reservationId"]), json={})
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}
        assert await charger.wait_for("CancelReservation") == {"reservation_id": body["reservationId"]}
        reservation = await reservation_of(api, body["reservationId"])
        assert reservation["status"] == "canceled" and reservation["canceledAt"] is not None
        again = await api.post(CANCEL.format(reservation=body["reservationId"]), json={})
        assert again.status_code == 406
    assert await reservation_events(db) == [("created", "active"), ("updated", "canceled")]


async def test_TC_052_CSMS_CancelReservation_Rejected(live) -> None:
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES6")
    driver = await user(db, "stubborn@example.com")
    async with connect16(live.ws_url, "CP-RES6") as charger, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})).json()
        charger.answers["CancelReservation"] = call_result.CancelReservation(status="Rejected")
        response = await api.post(CANCEL.format(reservation=body["reservationId"]), json={})
        assert response.status_code == 406 and response.json()["status"] == "Rejected"
        assert (await reservation_of(api, body["reservationId"]))["status"] == "active"
        forced = await api.post(CANCEL.format(reservation=body["reservationId"]), json={"force": True})
        assert forced.status_code == 202 and forced.json()["success"] is True
        assert (await reservation_of(api, body["reservationId"]))["status"] == "canceled"


async def test_a_cancel_for_an_offline_charger_is_refused_and_a_forced_one_cancels(live) -> None:
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES11")
    driver = await user(db, "gone@example.com")
    async with client(live.base_url) as api:
        async with connect16(live.ws_url, "CP-RES11"):
            body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]),
                                   json={"userId": driver})).json()
        gateway = live.server.rt.component("gateway")

        async def gone() -> bool:
            return not gateway.is_connected(cp["id"])

        await eventually(gone, timeout=10)
        refused = await api.post(CANCEL.format(reservation=body["reservationId"]), json={})
        assert refused.status_code == 406 and "not connected" in refused.json()["message"]
        assert (await reservation_of(api, body["reservationId"]))["status"] == "active"
        forced = await api.post(CANCEL.format(reservation=body["reservationId"]), json={"force": True})
        assert forced.status_code == 202 and forced.json()["success"] is True
        assert "did not confirm" in forced.json()["message"]
        assert (await reservation_of(api, body["reservationId"]))["status"] == "canceled"


async def test_TC_053_CSMS_UseReservedConnectorWithParentIdTag(live) -> None:
    """Reserved for the user's first card; the user's other card shares its parentIdTag and may use it."""
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES7")
    driver = await user(db, "parent@example.com")
    await tag(db, "CARD-FIRST", user_id=driver)
    await tag(db, "CARD-SECOND", user_id=driver)
    async with connect16(live.ws_url, "CP-RES7") as charger, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})).json()
        sent = await charger.wait_for("ReserveNow")
        assert sent["id_tag"] == "CARD-FIRST"
        info = (await charger.call(call.Authorize(id_tag="CARD-SECOND"))).id_tag_info
        assert info["status"] == "Accepted" and info["parent_id_tag"] == sent["parent_id_tag"]
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-SECOND", meter_start=0,
                                                           timestamp=at(0), reservation_id=body["reservationId"]))
        assert started.id_tag_info["parent_id_tag"] == sent["parent_id_tag"]
        assert (await reservation_of(api, body["reservationId"]))["status"] == "done"


async def test_a_remote_start_on_a_reserved_evse_uses_the_reserved_id_tag(live) -> None:
    db = live.server.rt.db
    cp = await reservable(db, "CP-RES8")
    driver = await user(db, "app@example.com")
    await tag(db, "CARD-RES8", user_id=driver)
    async with connect16(live.ws_url, "CP-RES8") as charger, client(live.base_url) as api:
        await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})
        body = (await api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/start/{cp['evse_ids'][0]}",
                               json={"userId": driver})).json()
        assert body["success"] is True
        assert (await charger.wait_for("RemoteStartTransaction"))["id_tag"] == "CARD-RES8"


async def test_a_reservation_needs_a_reservable_evse_a_user_and_a_charger(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-RES9")
    other = await reservable(db, "CP-RES10")
    driver = await user(db, "nobody-home@example.com")
    async with client(live.base_url) as api:
        refused = await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})
        assert refused.status_code == 422 and "evse" in refused.json()["errors"]
        unknown_user = await api.post(RESERVE.format(cp=other["id"], evse=other["evse_ids"][0]), json={"userId": 99999})
        assert unknown_user.status_code == 422 and "userId" in unknown_user.json()["errors"]
        missing_user = await api.post(RESERVE.format(cp=other["id"], evse=other["evse_ids"][0]), json={})
        assert missing_user.status_code == 422
        foreign = await api.post(RESERVE.format(cp=cp["id"], evse=other["evse_ids"][0]), json={"userId": driver})
        assert foreign.status_code == 404
        assert (await api.post(CANCEL.format(reservation=424242), json={})).status_code == 404
        assert (await counts(db))["reservations"] == 0
        offline = await api.post(RESERVE.format(cp=other["id"], evse=other["evse_ids"][0]), json={"userId": driver})
        assert offline.status_code == 406 and "not connected" in offline.json()["message"]
    [row] = await rows(db, "reservations")
    assert row.status == "canceled"
