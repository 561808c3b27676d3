"""Reservations on an OCPP 2.0.1 station through the Public API (ReserveNow, CancelReservation,
ReservationStatusUpdate, a TransactionEvent using one), named after the OCTT 2.0.1 H block."""

from datetime import timedelta

import pytest
from ocpp.v201 import call, call_result
from sqlalchemy import select

from cpms.storage.tables.core import events
from tests.conftest import client
from tests.ocpp.transactions_support import allow_reservations, at, rows, tag, user, utc
from tests.ocpp.v201.transactions_support import Transaction, session_row, token
from tests.support import seed
from tests.support.chargers import connect201
from tests.support.live import running

RESERVE = "/public-api/actions/charge-point/v1.0/{cp}/reserve/{evse}"
CANCEL = "/public-api/actions/reservation/v1.0/{reservation}/cancel"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=3.0)) as r:
        yield r


async def reservable(db, identity):
    cp = await seed.charge_point(db, identity, evse_count=2, protocol="ocpp 2.0.1")
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


async def test_TC_H_01_CSMS_Reserve_a_specific_EVSE_Accepted_Valid_idToken(live) -> None:
    """ReserveNow for the EVSE, the user's card as idToken and the user's identifier as groupIdToken;
    the transaction that uses it names it (reservationId): done, linked to the session."""
    db = live.server.rt.db
    cp = await reservable(db, "CS-H01")
    driver = await user(db, "h01@example.com")
    await tag(db, "CARD-H01", user_id=driver)
    async with connect201(live.ws_url, "CS-H01") as cs, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})).json()
        assert body["success"] is True
        sent = await cs.wait_for("ReserveNow")
        assert sent["id"] == body["reservationId"] and sent["evse_id"] == 1
        assert sent["id_token"] == {"id_token": "CARD-H01", "type": "ISO14443"}
        assert sent["group_id_token"] == {"id_token": f"*U{driver:07d}", "type": "Central"}
        reservation = await reservation_of(api, body["reservationId"])
        assert reservation["status"] == "active" and reservation["evseId"] == cp["evse_ids"][0]
        assert utc(sent["expiry_date_time"]) - utc(reservation["reservedAt"]) == timedelta(minutes=15)

        tx = Transaction(evse=1)
        started = await cs.call(tx.event("Started", "Authorized", at(0), id_token=token("CARD-H01"),
                                         reservation_id=body["reservationId"]))
        assert started.id_token_info["status"] == "Accepted"
        assert (await reservation_of(api, body["reservationId"]))["status"] == "done"
    [row] = await rows(db, "reservations")
    assert row.session_id == (await session_row(db, tx.id)).id
    assert await reservation_events(db) == [("created", "active"), ("updated", "done")]


async def test_TC_H_07_CSMS_Reserve_a_specific_EVSE_Reservation_Ended_not_used(live) -> None:
    """The driver did not come: the station says so (ReservationStatusUpdate Expired)."""
    db = live.server.rt.db
    cp = await reservable(db, "CS-H07")
    driver = await user(db, "h07@example.com")
    async with connect201(live.ws_url, "CS-H07") as cs, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][1]), json={"userId": driver})).json()
        sent = await cs.wait_for("ReserveNow")
        assert sent["id_token"] == {"id_token": f"*U{driver:07d}", "type": "Central"}  # a user without a card
        await cs.call(call.ReservationStatusUpdate(reservation_id=body["reservationId"],
                                                   reservation_update_status="Expired"))
        assert (await reservation_of(api, body["reservationId"]))["status"] == "expired"
    assert await reservation_events(db) == [("created", "active"), ("updated", "expired")]


async def test_TC_H_08_CSMS_Reserve_an_unspecified_EVSE_Accepted(live) -> None:
    """{evse} 0 reserves the station: ReserveNow without evseId; a transaction on any EVSE uses it."""
    db = live.server.rt.db
    cp = await reservable(db, "CS-H08")
    driver = await user(db, "h08@example.com")
    await tag(db, "CARD-H08", user_id=driver)
    async with connect201(live.ws_url, "CS-H08") as cs, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=0), json={"userId": driver})).json()
        assert body["success"] is True
        assert "evse_id" not in await cs.wait_for("ReserveNow")
        await cs.call(Transaction(evse=2).event("Started", "Authorized", at(0), id_token=token("CARD-H08"),
                                                reservation_id=body["reservationId"]))
        assert (await reservation_of(api, body["reservationId"]))["status"] == "done"


async def test_TC_H_17_CSMS_Cancel_reservation_Success(live) -> None:
    db = live.server.rt.db
    cp = await reservable(db, "CS-H17")
    driver = await user(db, "h17@example.com")
    async with connect201(live.ws_url, "CS-H17") as cs, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})).json()
        response = await api.post(CANCEL.format(reservation=body["reservationId"]), json={})
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}
        assert await cs.wait_for("CancelReservation") == {"reservation_id": body["reservationId"]}
        assert (await reservation_of(api, body["reservationId"]))["status"] == "canceled"
        cs.answers["CancelReservation"] = call_result.CancelReservation(status="Rejected")
        other = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][1]), json={"userId": driver})).json()
        refused = await api.post(CANCEL.format(reservation=other["reservationId"]), json={})
        assert refused.status_code == 406 and refused.json()["status"] == "Rejected"
        assert (await reservation_of(api, other["reservationId"]))["status"] == "active"
    assert await reservation_events(db) == [("created", "active"), ("updated", "canceled"), ("created", "active")]


async def test_TC_H_20_CSMS_Charging_Station_cancels_reservation_when_Faulted(live) -> None:
    """The EVSE went Faulted and the station removed the reservation (Removed): canceled. A station's
    word on another station's reservation changes nothing."""
    db = live.server.rt.db
    cp = await reservable(db, "CS-H20")
    other = await reservable(db, "CS-H20-OTHER")
    driver = await user(db, "h20@example.com")
    async with connect201(live.ws_url, "CS-H20") as cs, client(live.base_url) as api:
        body = (await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})).json()
        await cs.wait_for("ReserveNow")
        async with connect201(live.ws_url, "CS-H20-OTHER") as stranger:
            await stranger.call(call.ReservationStatusUpdate(reservation_id=body["reservationId"],
                                                             reservation_update_status="Removed"))
        assert (await reservation_of(api, body["reservationId"]))["status"] == "active"
        await cs.call(call.ReservationStatusUpdate(reservation_id=body["reservationId"],
                                                   reservation_update_status="Removed"))
        reservation = await reservation_of(api, body["reservationId"])
        assert reservation["status"] == "canceled" and reservation["canceledAt"] is not None
        await cs.call(call.ReservationStatusUpdate(reservation_id=424242, reservation_update_status="Expired"))
    assert other["id"] != cp["id"]
    assert await reservation_events(db) == [("created", "active"), ("updated", "canceled")]


@pytest.mark.parametrize("status", ["Faulted", "Occupied", "Unavailable", "Rejected"])
async def test_TC_H_22_CSMS_Reserve_a_specific_EVSE_Rejected(live, status) -> None:
    """A refusal is 406 with the station's status; the reservation stays canceled, announced to nobody."""
    db = live.server.rt.db
    cp = await reservable(db, "CS-H22")
    driver = await user(db, "h22@example.com")
    async with connect201(live.ws_url, "CS-H22") as cs, client(live.base_url) as api:
        cs.answers["ReserveNow"] = call_result.ReserveNow(status=status)
        response = await api.post(RESERVE.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})
        assert response.status_code == 406 and response.json()["status"] == status
    [row] = await rows(db, "reservations")
    assert row.status == "canceled" and row.attrs["refusal"] == status
    assert await reservation_events(db) == []
