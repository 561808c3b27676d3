"""End to end: chargers over real WebSockets (OCPP 1.6 and 2.0.1), the real server on a real port, a
receiver on loopback: what a charging session tells the world, in order per entity, signed."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from cpms.webhooks.signing import verify
from tests.conftest import TOKEN, client
from tests.ocpp.transactions_support import at, reading, tag, user
from tests.ocpp.v201.transactions_support import Transaction, token
from tests.ocpp.v201.transactions_support import reading as reading201
from tests.support import seed
from tests.support.chargers import connect16, connect201
from tests.support.live import running
from tests.support.receiver import Received
from tests.webhooks.conftest import assert_valid, subscribe

NAMES = ("BootNotification", "NetworkStatusNotification", "HardwareStatusNotification", "AuthorizationNotification",
         "authorization.changed", "session.start.stop.notification", "SessionStartStopNotification",
         "SessionUpdateNotification", "SessionMeterValuesNotification")


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


def entity(body: dict[str, Any]) -> str:
    """The entity a notification is about, as delivery orders them."""
    if "sessionId" in body or "session" in body:
        return f"session:{body.get('sessionId') or body['session']['id']}"
    if "authorizationId" in body:
        return f"authorization:{body['authorizationId']}"
    if body.get("evseId") is not None:
        return f"evse:{body['evseId']}"
    return f"chargePoint:{body['chargePointId']}"


def label(body: dict[str, Any]) -> str:
    """A notification and what it says, short enough to compare sequences."""
    name = body["notification"]
    detail = (body.get("action") or body.get("networkStatus") or body.get("hardwareStatus")
              or body.get("status") or (body.get("session") or {}).get("status") or "")
    return f"{name}:{detail}" if detail else name


def by_entity(received: list[Received]) -> dict[str, list[str]]:
    seen: set[bytes] = set()
    out: dict[str, list[str]] = defaultdict(list)
    for request in received:
        if request.body in seen:  # at-least-once: a repeat is allowed, and ignored here
            continue
        seen.add(request.body)
        out[entity(request.json)].append(label(request.json))
    return dict(out)


def check_each(received: list[Received], sub_id: int) -> None:
    """Every delivery is signed with the subscription's token and is its callback's payload."""
    for request in received:
        body = request.json
        assert verify(request.body, TOKEN, request.header("x-signature"))
        assert request.header("x-webhook-id") == str(sub_id)
        assert request.header("x-webhook-type") == body["notification"]
        assert_valid(body["notification"], {k: v for k, v in body.items() if k != "notification"})


START = ["session.start.stop.notification:start", "SessionStartStopNotification:start"]
STOP = ["session.start.stop.notification:stop", "SessionStartStopNotification:stop"]


def assert_told_in_order(labels: list[str]) -> None:
    """Start, then meter values, then stop; the last word is the finished session. How many meter value
    and update notifications come between depends on how the domain groups readings: not counted."""
    told = [x for x in labels if not x.startswith("SessionUpdateNotification")]
    assert told[:2] == START and told[-2:] == STOP, labels
    middle = told[2:-2]
    assert middle and set(middle) == {"SessionMeterValuesNotification"}, labels
    assert labels[-1] == "SessionUpdateNotification:finished", labels
    assert labels[2] == "SessionUpdateNotification:active", labels  # the start is followed by the session's update


async def test_a_16_charging_session_is_told_in_order_per_entity_with_valid_signatures(live, receiver) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-WH16")
    driver = await user(db, "wh16@example.com")
    await tag(db, "RFID-WH16", user_id=driver)
    async with client(live.base_url) as api:
        sub = await subscribe(api, receiver.url(), *NAMES)
    async with connect16(live.ws_url, "CP-WH16") as charger:
        await charger.call(call16.BootNotification(charge_point_model="M-16", charge_point_vendor="Volt",
                                                   firmware_version="1.0"))
        await charger.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
        authorized = await charger.call(call16.Authorize(id_tag="RFID-WH16"))
        assert authorized.id_tag_info["status"] == "Accepted"
        started = await charger.call(call16.StartTransaction(connector_id=1, id_tag="RFID-WH16", meter_start=1000,
                                                             timestamp=at(0)))
        await charger.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
        session_id = started.transaction_id
        await charger.call(call16.MeterValues(connector_id=1, transaction_id=session_id,
                                              meter_value=[reading(at(60), energy=1250, power=7400, soc=40)]))
        await charger.call(call16.StopTransaction(meter_stop=3000, timestamp=at(120), transaction_id=session_id,
                                                  id_tag="RFID-WH16", reason="EVDisconnected"))
        await charger.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Finishing"))

    def finished(got: list[Received]) -> bool:
        labels = by_entity(got)
        return (len(labels.get(f"chargePoint:{cp['id']}", [])) >= 3
                and len(labels.get(f"evse:{cp['evse_ids'][0]}", [])) >= 3
                and "SessionUpdateNotification:finished" in labels.get(f"session:{session_id}", []))

    await receiver.wait_for(finished)
    check_each(receiver.acknowledged, sub["id"])
    got = by_entity(receiver.acknowledged)
    assert got[f"chargePoint:{cp['id']}"] == ["NetworkStatusNotification:available", "BootNotification",
                                               "NetworkStatusNotification:temporarily unavailable"]
    assert got[f"evse:{cp['evse_ids'][0]}"] == ["HardwareStatusNotification:preparing",
                                                 "HardwareStatusNotification:charging",
                                                 "HardwareStatusNotification:finishing"]
    [authorization] = [k for k in got if k.startswith("authorization:")]
    assert got[authorization] == ["AuthorizationNotification:Accepted", "authorization.changed:created",
                                  "authorization.changed:updated"]  # the start used it on its EVSE
    assert_told_in_order(got[f"session:{session_id}"])

    bodies = {label(r.json): r.json for r in receiver.acknowledged if entity(r.json) == f"session:{session_id}"}
    stop = bodies["session.start.stop.notification:stop"]
    assert stop["meterStart"] == 1000 and stop["meterStop"] == 3000 and stop["energyConsumed"] == 2000
    assert stop["reason"] == "evdisconnected" and stop["userId"] == driver and stop["idTag"] == "RFID-WH16"
    meter = [v for r in receiver.acknowledged if r.json["notification"] == "SessionMeterValuesNotification"
             for v in r.json["meterValues"]]
    assert {"measurand": "Energy Active Import Register", "value": 1250, "unit": "Wh"} in [
        {k: v[k] for k in ("measurand", "value", "unit")} for v in meter if "unit" in v]
    assert {"measurand": "Power Active Import", "value": 7400} in [
        {k: v[k] for k in ("measurand", "value")} for v in meter if "unit" not in v]
    assert bodies["SessionUpdateNotification:finished"]["session"]["energy"] == 2000


async def test_a_16_session_born_active_is_updated_right_after_its_start_without_meter_values(live, receiver) -> None:
    """A subscriber to SessionUpdateNotification alone learns of the session as soon as it starts."""
    db = live.server.rt.db
    await seed.charge_point(db, "CP-WHUP")
    await tag(db, "RFID-WHUP")
    async with client(live.base_url) as api:
        sub = await subscribe(api, receiver.url(), *NAMES)
    async with connect16(live.ws_url, "CP-WHUP") as charger:
        started = await charger.call(call16.StartTransaction(connector_id=1, id_tag="RFID-WHUP", meter_start=500,
                                                             timestamp=at(0)))
        key = f"session:{started.transaction_id}"
        await receiver.wait_for(lambda got: "SessionUpdateNotification:active" in by_entity(got).get(key, []))
    check_each(receiver.acknowledged, sub["id"])
    assert by_entity(receiver.acknowledged)[key] == START + ["SessionUpdateNotification:active"]
    update = next(r.json for r in receiver.acknowledged if r.json["notification"] == "SessionUpdateNotification")
    assert update["session"]["id"] == str(started.transaction_id) and update["session"]["status"] == "active"


async def test_a_201_transaction_is_told_like_a_16_session(live, receiver) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-WH201", protocol="ocpp 2.0.1")
    await tag(db, "RFID-WH201")
    tx = Transaction(evse=1)
    async with client(live.base_url) as api:
        sub = await subscribe(api, receiver.url(), *NAMES)
    async with connect201(live.ws_url, "CS-WH201") as station:
        await station.call(call201.BootNotification(charging_station={"model": "M-201", "vendor_name": "Volt"},
                                                    reason="PowerUp"))
        await station.call(tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("RFID-WH201"),
                                    meter=[reading201(at(0), energy=10_000, context="Transaction.Begin")]))
        await station.call(tx.event("Updated", "MeterValuePeriodic", at(60), state="Charging",
                                    meter=[reading201(at(60), energy=10_400, power=11_000)]))
        await station.call(tx.event("Ended", "EVDeparted", at(120), state="Idle", stopped_reason="EVDisconnected",
                                    meter=[reading201(at(120), energy=11_000, context="Transaction.End")]))

    def finished(got: list[Received]) -> bool:
        labels = by_entity(got)
        return (len(labels.get(f"chargePoint:{cp['id']}", [])) >= 3
                and any("SessionUpdateNotification:finished" in v for k, v in labels.items() if k.startswith("session:")))

    await receiver.wait_for(finished)
    check_each(receiver.acknowledged, sub["id"])
    got = by_entity(receiver.acknowledged)
    assert got[f"chargePoint:{cp['id']}"] == ["NetworkStatusNotification:available", "BootNotification",
                                               "NetworkStatusNotification:temporarily unavailable"]
    [session_key] = [k for k in got if k.startswith("session:")]
    assert_told_in_order(got[session_key])
    boot = next(r.json for r in receiver.acknowledged if r.json["notification"] == "BootNotification")
    assert boot["bootNotification"]["model"] == "M-201" and boot["bootNotification"]["reason"] == "PowerUp"
    stop = next(r.json for r in receiver.acknowledged if label(r.json) == "session.start.stop.notification:stop")
    assert stop["meterStart"] == 10_000 and stop["meterStop"] == 11_000 and stop["reason"] == "evdisconnected"
