"""Bad OCPP 2.0.1 transaction, authorization and reservation messages: each gets the CALLERROR
2.0.1 names for it, the connection stays up, and nothing is written (rows and events counted)."""

import json

import pytest
import websockets

from tests.ocpp.transactions_support import counts, tag
from tests.ocpp.v201.transactions_support import event_count
from tests.support import seed
from tests.support.live import running

T = "2026-01-01T00:00:00Z"
STARTED = {"eventType": "Started", "timestamp": T, "triggerReason": "Authorized", "seqNo": 0,
           "transactionInfo": {"transactionId": "TX-BAD"}, "evse": {"id": 1, "connectorId": 1},
           "idToken": {"idToken": "CARD-BAD", "type": "ISO14443"}}


def started(**changes):
    payload = json.loads(json.dumps(STARTED))
    for key, value in changes.items():
        if value is None:
            payload.pop(key)
        else:
            payload[key] = value
    return payload


def sampled(value):
    return [{"timestamp": T, "sampledValue": [{"value": value, "measurand": "Energy.Active.Import.Register"}]}]


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


@pytest.mark.parametrize("action, payload, code", [
    ("TransactionEvent", started(seqNo=None), "OccurrenceConstraintViolation"),
    ("TransactionEvent", started(transactionInfo={"chargingState": "Charging"}), "OccurrenceConstraintViolation"),
    ("TransactionEvent", started(colour="blue"), "FormatViolation"),
    ("TransactionEvent", [1, 2, 3], "FormatViolation"),
    ("TransactionEvent", started(eventType="Begun"), "PropertyConstraintViolation"),
    ("TransactionEvent", started(seqNo="0"), "TypeConstraintViolation"),
    ("TransactionEvent", started(seqNo=-1), "PropertyConstraintViolation"),
    ("TransactionEvent", started(evse={"id": 0}), "PropertyConstraintViolation"),
    ("TransactionEvent", started(evse={"id": 1, "connectorId": 0}), "PropertyConstraintViolation"),
    ("TransactionEvent", started(transactionInfo={"transactionId": " "}), "PropertyConstraintViolation"),
    ("TransactionEvent", started(transactionInfo={"transactionId": "X" * 37}), "TypeConstraintViolation"),
    ("TransactionEvent", started(timestamp="yesterday"), "PropertyConstraintViolation"),
    ("TransactionEvent", started(meterValue=sampled("lots")), "TypeConstraintViolation"),
    ("TransactionEvent", started(meterValue=[]), "PropertyConstraintViolation"),
    ("TransactionEvent", started(idToken={"idToken": "", "type": "ISO14443"}), "PropertyConstraintViolation"),
    ("TransactionEvent", started(idToken={"idToken": "CARD-BAD"}), "OccurrenceConstraintViolation"),
    ("MeterValues", {"evseId": -1, "meterValue": sampled(5)}, "PropertyConstraintViolation"),
    ("MeterValues", {"evseId": 1}, "OccurrenceConstraintViolation"),
    ("Authorize", {}, "OccurrenceConstraintViolation"),
    ("Authorize", {"idToken": {"idToken": "  ", "type": "ISO14443"}}, "PropertyConstraintViolation"),
    ("Authorize", {"idToken": {"idToken": "CARD-BAD", "type": "Magic"}}, "PropertyConstraintViolation"),
    ("ReservationStatusUpdate", {"reservationId": 1, "reservationUpdateStatus": "Gone"},
     "PropertyConstraintViolation"),
    # integers the database cannot hold never reach it (a remoteStartId names a session by its id)
    ("TransactionEvent", started(transactionInfo={"transactionId": "TX-BAD", "remoteStartId": 2**63 + 5}),
     "PropertyConstraintViolation"),
    ("TransactionEvent", started(reservationId=2**63), "PropertyConstraintViolation"),
    ("TransactionEvent", started(seqNo=-2**63 - 1), "PropertyConstraintViolation"),
    ("ReservationStatusUpdate", {"reservationId": 2**64, "reservationUpdateStatus": "Expired"},
     "PropertyConstraintViolation"),
])
async def test_a_bad_message_gets_its_callerror_and_writes_nothing(live, action, payload, code) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CS-BAD", protocol="ocpp 2.0.1")
    await tag(db, "CARD-BAD")
    before, events_before = await counts(db), await event_count(db)
    async with websockets.connect(f"{live.ws_url}/CS-BAD", subprotocols=["ocpp2.0.1"]) as ws:
        await ws.send(json.dumps([2, "1", action, payload]))
        answer = json.loads(await ws.recv())
        assert answer[0] == 4 and answer[1] == "1", answer
        assert answer[2] == code, answer
        await ws.send('[2, "2", "Heartbeat", {}]')
        assert json.loads(await ws.recv())[0] == 3
    assert await counts(db) == before
    assert await event_count(db) == events_before
