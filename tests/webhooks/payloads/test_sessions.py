"""Charging notifications: authorizations, reservations, sessions and their meter values, from the
domain events as the domain emits them, against their callback schemas."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select

from cpms.domain import session_events
from cpms.events import Event
from cpms.storage.tables.sessions import sessions
from tests.support import seed
from tests.webhooks.conftest import assert_valid, build

AT = datetime(2024, 5, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)
WHEN = "2024-05-01T08:30:15.123456Z"


async def payload_of(server: Any, name: str, event: Event) -> dict[str, Any] | None:
    payload = await build(server, name, event)
    if payload is not None:
        assert_valid(name, payload)
    return payload


async def session_event(server: Any, kind: str, **columns: Any) -> Event:
    """A session row written straight away, announced the way cpms.domain.session_events announces it."""
    cp = await seed.charge_point(server.rt.db, f"CP-{kind}-{len(columns)}")
    values = {"charge_point_id": cp["id"], "evse_id": cp["evse_ids"][0], "status": "active", "id_tag": "RFID-1",
              "started_at": AT, "meter_start": 1000.4, "energy": 0.0, "attrs": {}, "created_at": AT,
              "last_updated_at": AT, **columns}
    async with server.rt.db.write() as tx:
        session_id = (await tx.conn.execute(insert(sessions).values(values).returning(sessions.c.id))).scalar_one()
        row = (await tx.conn.execute(select(sessions).where(sessions.c.id == session_id))).one()
    data = {"sessionId": row.id, "chargePointId": row.charge_point_id, "evseId": row.evse_id, "userId": row.user_id,
            "status": row.status, "session": session_events.snapshot(row)}
    return Event(type=kind, entity="session", entity_id=str(row.id), data=data, at=AT, id=1)


AUTHORIZATION = {"action": "created", "authorizationId": 4, "chargePointId": 7, "evseId": None, "idTag": "RFID-1",
                 "status": "rejected", "ocppStatus": "Blocked", "method": "id_tag", "userId": None,
                 "rejectionReason": "blocked"}


async def test_authorization_notification_carries_the_ocpp_verdict(server) -> None:
    event = Event(type="authorization.created", entity="authorization", entity_id="4", data=AUTHORIZATION, at=AT)
    assert await payload_of(server, "AuthorizationNotification", event) == {
        "chargePointId": 7, "authorizationId": 4, "idTag": "RFID-1", "status": "Blocked", "lastUpdatedAt": WHEN}


@pytest.mark.parametrize("event_type,action", [("authorization.created", "created"),
                                               ("authorization.changed", "updated")])
async def test_authorization_changed_from_creations_and_updates(server, event_type, action) -> None:
    event = Event(type=event_type, entity="authorization", entity_id="4", data={**AUTHORIZATION, "action": action},
                  at=AT)
    assert await payload_of(server, "authorization.changed", event) == {
        "authorizationId": 4, "action": action, "chargePointId": 7, "idTag": "RFID-1", "status": "rejected",
        "lastUpdatedAt": WHEN}


@pytest.mark.parametrize("status", ["active", "canceled", "done", "expired"])
async def test_reservation_changed(server, status) -> None:
    event = Event(type="reservation.changed", entity="reservation", entity_id="11", at=AT, data={
        "action": "updated", "reservationId": 11, "status": status, "chargePointId": 7, "evseId": 3, "userId": 2})
    assert await payload_of(server, "reservation.changed", event) == {
        "reservationId": 11, "status": status, "lastUpdatedAt": WHEN}


@pytest.mark.parametrize("name", ["SessionStartStopNotification", "session.start.stop.notification"])
async def test_a_start_has_no_consumption_yet(server, name) -> None:
    event = await session_event(server, "session.started", attrs={"externalSessionId": "app-77"})
    payload = await payload_of(server, name, event)
    assert payload is not None
    assert payload["action"] == "start" and payload["sessionId"] == event.data["sessionId"]
    assert payload["evseId"] == event.data["evseId"] and payload["idTag"] == "RFID-1"
    assert payload["meterStart"] == 1000 and payload["meterStop"] == 1000 and payload["energyConsumed"] == 0
    assert payload["externalSessionId"] == "app-77" and payload["startedAtTimestamp"] == WHEN
    assert "stoppedAtTimestamp" not in payload and "reason" not in payload


@pytest.mark.parametrize("name,user_sent", [("SessionStartStopNotification", False),
                                            ("session.start.stop.notification", True)])
async def test_a_stop_carries_figures_reason_and_the_user_where_the_callback_wants_it(server, name, user_sent) -> None:
    from tests.ocpp.transactions_support import user

    driver = await user(server.rt.db, f"{name}@example.com")
    event = await session_event(server, "session.stopped", status="finished", user_id=driver,
                                stopped_at=AT + timedelta(minutes=5), meter_stop=3000.0, energy=1999.6,
                                reason="evdisconnected")
    payload = await payload_of(server, name, event)
    assert payload is not None and payload["action"] == "stop"
    assert payload["meterStart"] == 1000 and payload["meterStop"] == 3000 and payload["energyConsumed"] == 1999.6
    assert payload["reason"] == "evdisconnected" and payload["stoppedAtTimestamp"] == "2024-05-01T08:35:15.123456Z"
    assert ("userId" in payload) == user_sent and payload.get("userId", driver) == driver
    assert "externalSessionId" not in payload


async def test_a_session_on_an_unknown_evse_is_evse_0_and_an_unknown_register_is_start_plus_energy(server) -> None:
    event = await session_event(server, "session.stopped", status="finished", evse_id=None, meter_start=None,
                                meter_stop=None, energy=500.0, stopped_at=AT, reason="not-a-contract-reason")
    payload = await payload_of(server, "session.start.stop.notification", event)
    assert payload is not None and payload["evseId"] == 0
    assert payload["meterStart"] == 0 and payload["meterStop"] == 500 and "reason" not in payload


async def test_session_update_is_the_whole_session_as_the_api_reads_it(server) -> None:
    event = await session_event(server, "session.updated", energy=250.0, power_latest=7400.0, soc_percent=40.0)
    payload = await payload_of(server, "SessionUpdateNotification", event)
    assert payload is not None
    session = payload["session"]
    assert session["id"] == str(event.data["sessionId"]) and session["status"] == "active"
    assert session["energy"] == 250 and session["socPercent"] == 40 and session["idTag"] == "RFID-1"
    gone = Event(type="session.updated", entity="session", entity_id="999999", data={"sessionId": 999999}, at=AT)
    assert await payload_of(server, "SessionUpdateNotification", gone) is None


async def test_meter_values_keep_what_the_callback_can_name(server) -> None:
    event = await session_event(server, "session.meterValues")
    event.data["meterValues"] = [
        {"timestamp": WHEN, "measurand": "Energy Active Import Register", "value": 1250.0, "unit": "Wh",
         "context": "Sample.Periodic"},
        {"timestamp": WHEN, "measurand": "Power Active Import", "value": 7400.0, "unit": "W"},
        {"timestamp": WHEN, "measurand": "State Of Charge", "value": 40.0, "unit": "Percent", "location": "EV"},
        {"timestamp": WHEN, "measurand": "Frequency", "value": 50.0, "unit": "Hz"},
    ]
    payload = await payload_of(server, "SessionMeterValuesNotification", event)
    assert payload == {"chargePointId": event.data["chargePointId"], "evseId": event.data["evseId"],
                       "sessionId": event.data["sessionId"], "meterValues": [
                           {"timestamp": WHEN, "measurand": "Energy Active Import Register", "value": 1250.0,
                            "unit": "Wh"},
                           {"timestamp": WHEN, "measurand": "Power Active Import", "value": 7400.0},
                           {"timestamp": WHEN, "measurand": "State Of Charge", "value": 40.0, "unit": "Percent"}]}
    event.data["meterValues"] = [{"timestamp": WHEN, "measurand": "Frequency", "value": 50.0, "unit": "Hz"}]
    assert await payload_of(server, "SessionMeterValuesNotification", event) is None


async def test_each_session_update_tells_the_session_as_it_was_at_that_change(server) -> None:
    """A commit may carry an update (new readings) and then the stop: built after it, the first update
    still says what was true when it happened."""
    event = await session_event(server, "session.updated", energy=250.0)
    async with server.rt.db.write() as tx:
        await tx.conn.execute(sessions.update().where(sessions.c.id == event.data["sessionId"])
                              .values(status="finished", energy=400.0, stopped_at=AT, reason="local"))
    payload = await payload_of(server, "SessionUpdateNotification", event)
    assert payload is not None
    assert payload["session"]["status"] == "active" and payload["session"]["energy"] == 250
    assert payload["session"]["energyConsumption"]["total"] == 250 and payload["session"].get("stoppedAt") is None
