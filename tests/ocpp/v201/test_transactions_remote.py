"""Remote start and stop from the Public API on an OCPP 2.0.1 station (RequestStartTransaction,
RequestStopTransaction): the same API actions as for 1.6, named after the OCTT 2.0.1 F and E cases."""

import pytest
from ocpp.v201 import call, call_result

from cpms.domain import sessions
from tests.conftest import client
from tests.ocpp.transactions_support import at, counts, rows, tag, user
from tests.ocpp.v201.transactions_support import Transaction, read_session, reading, session_of, session_row, token
from tests.support import seed
from tests.support.chargers import connect201
from tests.support.live import running

START = "/public-api/actions/charge-point/v1.0/{cp}/start/{evse}"
STOP = "/public-api/actions/charge-point/v1.0/{cp}/stop/{session}"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=3.0)) as r:
        yield r


async def station(db, identity):
    return await seed.charge_point(db, identity, evse_count=2, protocol="ocpp 2.0.1")


async def test_TC_F_01_CSMS_Remote_start_transaction_Cable_plugin_first(live) -> None:
    """The EV is plugged in, the station has started a transaction waiting for an id token; the API
    starts charging there: the remote start takes that very session (its id is the answer's), the
    station is sent the token with a remoteStartId and reports it in an Updated: active, one session."""
    db = live.server.rt.db
    cp = await station(db, "CS-F01")
    driver = await user(db, "f01@example.com")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-F01") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "CablePluggedIn", at(0), state="EVConnected",
                               meter=[reading(at(0), energy=300, context="Transaction.Begin")]))
        waiting = await session_row(db, tx.id)
        cs.answers["RequestStartTransaction"] = call_result.RequestStartTransaction(status="Accepted",
                                                                                    transaction_id=tx.id)
        response = await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})
        body = response.json()
        assert response.status_code == 202 and body["success"] is True and body["sessionId"] == waiting.id
        sent = await cs.wait_for("RequestStartTransaction")
        id_tag = f"*{waiting.id:07d}"
        assert sent == {"id_token": {"id_token": id_tag, "type": "Central"}, "remote_start_id": waiting.id,
                        "evse_id": 1}
        claimed = await read_session(api, waiting.id)
        assert claimed["status"] == "pending" and claimed["userId"] == driver
        assert claimed["authorizationId"] == body["authorizationId"]

        updated = await cs.call(tx.event("Updated", "RemoteStart", at(10), state="Charging",
                                         id_token=token(id_tag, "Central"), remote_start_id=sent["remote_start_id"]))
        assert updated.id_token_info["status"] == "Accepted"
        await cs.call(tx.event("Updated", "MeterValuePeriodic", at(70), state="Charging",
                               meter=[reading(at(70), energy=900)]))
        session = await read_session(api, waiting.id)
        assert session["status"] == "active" and session["userId"] == driver and session["energy"] == 600
        assert session["idTag"] == id_tag
    assert (await counts(db))["sessions"] == 1
    assert sessions.charger_state(await session_row(db, tx.id)) == {"seqNo": 2,
                                                                     "remoteStartId": sent["remote_start_id"]}


async def test_TC_F_02_CSMS_Remote_start_transaction_Remote_start_first_AuthorizeRemoteStart_true(live) -> None:
    """The API starts first; the station asks about the token (Authorize: Accepted, it is the remote
    start's) and starts the transaction with it: the pending session becomes active."""
    db = live.server.rt.db
    cp = await station(db, "CS-F02")
    async with connect201(live.ws_url, "CS-F02") as cs, client(live.base_url) as api:
        body = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][1]), json={"idTag": "APP-F02"})).json()
        assert body["success"] is True
        sent = await cs.wait_for("RequestStartTransaction")
        assert sent["id_token"] == {"id_token": "APP-F02", "type": "Central"} and sent["evse_id"] == 2
        assert sent["remote_start_id"] == body["sessionId"]
        assert (await read_session(api, body["sessionId"]))["status"] == "pending"
        authorized = await cs.call(call.Authorize(id_token={"id_token": "APP-F02", "type": "Central"}))
        assert authorized.id_token_info["status"] == "Accepted"
        tx = Transaction(evse=2)
        started = await cs.call(tx.event("Started", "RemoteStart", at(0), state="Charging",
                                         id_token={"id_token": "APP-F02", "type": "Central"},
                                         remote_start_id=sent["remote_start_id"], meter=[reading(at(0), energy=0)]))
        assert started.id_token_info["status"] == "Accepted"
        session = await session_of(api, db, tx.id)
        assert session["id"] == str(body["sessionId"]) and session["status"] == "active"
        assert session["externalSessionId"] == "APP-F02"


async def test_TC_F_03_CSMS_Remote_start_transaction_Remote_start_first_AuthorizeRemoteStart_false(live) -> None:
    """No Authorize: the station starts on the token it was given; a TxProfile the API sent goes in
    the request as a 2.0.1 charging profile (one schedule) numbered with the session."""
    db = live.server.rt.db
    cp = await station(db, "CS-F03")
    driver = await user(db, "f03@example.com")
    profile = {"stackLevel": 1, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
               "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0,
                                                                                         "limit": 16.0}]}}
    async with connect201(live.ws_url, "CS-F03") as cs, client(live.base_url) as api:
        response = await api.post(f"/public-api/actions/evse/v1.0/{cp['evse_ids'][0]}/start",
                                  json={"userId": driver, "chargingProfile": profile})
        body = response.json()
        assert response.status_code == 202 and body["success"] is True
        sent = await cs.wait_for("RequestStartTransaction")
        assert sent["charging_profile"] == {
            "id": body["sessionId"], "stack_level": 1, "charging_profile_purpose": "TxProfile",
            "charging_profile_kind": "Relative",
            "charging_schedule": [{"id": body["sessionId"], "charging_rate_unit": "A",
                                   "charging_schedule_period": [{"start_period": 0, "limit": 16.0}]}]}
        tx = Transaction(evse=1)
        await cs.call(tx.event("Started", "RemoteStart", at(0), state="Charging",
                               id_token=sent["id_token"], remote_start_id=sent["remote_start_id"]))
        session = await session_of(api, db, tx.id)
        assert session["id"] == str(body["sessionId"]) and session["userId"] == driver


async def test_TC_F_04_CSMS_Remote_start_transaction_Remote_start_first_Cable_plugin_timeout(live) -> None:
    """Started on the remote start's token, the EV never comes: EVConnectTimeout ends it; the session
    is finished with no energy, reason timeout."""
    db = live.server.rt.db
    cp = await station(db, "CS-F04")
    async with connect201(live.ws_url, "CS-F04") as cs, client(live.base_url) as api:
        body = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={})).json()
        sent = await cs.wait_for("RequestStartTransaction")
        tx = Transaction(evse=1)
        await cs.call(tx.event("Started", "RemoteStart", at(0), id_token=sent["id_token"],
                               remote_start_id=sent["remote_start_id"]))
        await cs.call(tx.event("Ended", "EVConnectTimeout", at(60), stopped_reason="Timeout"))
        session = await read_session(api, body["sessionId"])
    assert session["status"] == "finished" and session["reason"] == "timeout" and session["energy"] == 0


async def test_a_refused_remote_start_fails_or_leaves_the_waiting_transaction_unclaimed(live) -> None:
    db = live.server.rt.db
    cp = await station(db, "CS-REFUSE")
    driver = await user(db, "refused@example.com")
    tx = Transaction(evse=2)
    async with connect201(live.ws_url, "CS-REFUSE") as cs, client(live.base_url) as api:
        cs.answers["RequestStartTransaction"] = call_result.RequestStartTransaction(
            status="Rejected", status_info={"reason_code": "Occupied"})
        body = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={})).json()
        assert body["success"] is False and "Occupied" in body["message"]
        assert (await read_session(api, body["sessionId"]))["reason"] == "rejected"

        await cs.call(tx.event("Started", "CablePluggedIn", at(0), state="EVConnected"))
        body = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][1]), json={"userId": driver})).json()
        assert body["success"] is False
        waiting = await read_session(api, body["sessionId"])
        assert waiting["status"] == "pending" and waiting["userId"] is None
        # the driver then presents a card: the transaction is theirs
        await tag(db, "RFID-REFUSE", user_id=driver)
        answer = await cs.call(tx.event("Updated", "Authorized", at(30), id_token=token("RFID-REFUSE")))
        assert answer.id_token_info["status"] == "Accepted"
        assert (await read_session(api, body["sessionId"]))["status"] == "active"


async def test_start_without_evse_lets_the_station_choose(live) -> None:
    db = live.server.rt.db
    cp = await station(db, "CS-ANY")
    driver = await user(db, "anywhere201@example.com")
    async with connect201(live.ws_url, "CS-ANY") as cs, client(live.base_url) as api:
        body = (await api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/start",
                               json={"userId": driver})).json()
        assert body["success"] is True and set(body) == {"success", "authorizationId"}
        sent = await cs.wait_for("RequestStartTransaction")
        assert "evse_id" not in sent and sent["id_token"]["id_token"] == f"*A{body['authorizationId']:07d}"
        assert sent["remote_start_id"] == body["authorizationId"]
        tx = Transaction(evse=2)
        started = await cs.call(tx.event("Started", "RemoteStart", at(0), id_token=sent["id_token"],
                                         remote_start_id=sent["remote_start_id"]))
        assert started.id_token_info["status"] == "Accepted"
        session = await session_of(api, db, tx.id)
        assert session["userId"] == driver and session["authorizationId"] == body["authorizationId"]
        assert session["evseId"] == cp["evse_ids"][1]


def requests_start(cs) -> list[dict]:
    """The RequestStartTransactions the station received, in order."""
    return [payload for name, payload in cs.received if name == "RequestStartTransaction"]


async def two_starts(api, paths: list[str], id_tag: str) -> list[dict]:
    """Remote starts with one id tag (a fleet card) at `paths`, one after the other; all accepted."""
    bodies = [(await api.post(path, json={"idTag": id_tag})).json() for path in paths]
    assert all(body["success"] for body in bodies)
    return bodies


def on_evses(cp: dict) -> list[str]:
    return [START.format(cp=cp["id"], evse=evse) for evse in cp["evse_ids"]]


async def test_two_remote_starts_with_one_id_tag_started_in_the_opposite_order_land_in_their_own_sessions(
        live) -> None:
    """Each Started names its EVSE and the remoteStartId it was sent (the API's sessionId): the second
    request's transaction, started first, is the second session."""
    db = live.server.rt.db
    cp = await station(db, "CS-FLEET")
    async with connect201(live.ws_url, "CS-FLEET") as cs, client(live.base_url) as api:
        bodies = await two_starts(api, on_evses(cp), "FLEET-CARD")
        sent = requests_start(cs)
        assert [s["remote_start_id"] for s in sent] == [b["sessionId"] for b in bodies]
        txs = [Transaction(evse=s["evse_id"]) for s in sent]
        for tx, request in reversed(list(zip(txs, sent))):
            answer = await cs.call(tx.event("Started", "RemoteStart", at(0), state="Charging",
                                            id_token=request["id_token"], remote_start_id=request["remote_start_id"]))
            assert answer.id_token_info["status"] == "Accepted"
        for tx, body in zip(txs, bodies):
            session = await session_of(api, db, tx.id)
            assert session["id"] == str(body["sessionId"]) and session["status"] == "active"
    assert (await counts(db))["sessions"] == 2


async def test_a_started_that_names_no_evse_lands_in_the_session_its_remoteStartId_names(live) -> None:
    """Two remote starts with one id tag; the station's Started for the first names no EVSE (it tells it
    in a later event): only the remoteStartId says which session it is. Before it was the session id,
    such a Started was a new session and the API's two stayed pending."""
    db = live.server.rt.db
    cp = await station(db, "CS-NOEVSE")
    async with connect201(live.ws_url, "CS-NOEVSE") as cs, client(live.base_url) as api:
        bodies = await two_starts(api, on_evses(cp), "FLEET-CARD")
        first = requests_start(cs)[0]
        tx = Transaction(evse=None)
        answer = await cs.call(tx.event("Started", "RemoteStart", at(0), state="Charging",
                                        id_token=first["id_token"], remote_start_id=first["remote_start_id"]))
        assert answer.id_token_info["status"] == "Accepted"
        session = await session_of(api, db, tx.id)
        assert session["id"] == str(bodies[0]["sessionId"]) and session["status"] == "active"
        assert session["evseId"] == cp["evse_ids"][0]
        await cs.call(tx.event("Updated", "MeterValuePeriodic", at(60), state="Charging",
                               evse={"id": 1, "connector_id": 1}, meter=[reading(at(60), energy=500)]))
        assert (await session_of(api, db, tx.id))["evseId"] == cp["evse_ids"][0]
        assert (await read_session(api, bodies[1]["sessionId"]))["status"] == "pending"
    assert (await counts(db))["sessions"] == 2


async def test_two_starts_without_evse_with_one_id_tag_each_use_the_authorization_the_api_named(live) -> None:
    """The station chooses the EVSEs and starts the first request first: its transaction uses the first
    answer's authorization (before, the latest remote start's authorization went to the first start)."""
    db = live.server.rt.db
    cp = await station(db, "CS-ANYFLEET")
    anywhere = f"/public-api/actions/charge-point/v1.0/{cp['id']}/start"
    async with connect201(live.ws_url, "CS-ANYFLEET") as cs, client(live.base_url) as api:
        bodies = await two_starts(api, [anywhere, anywhere], "FLEET-CARD")
        sent = requests_start(cs)
        assert [s["remote_start_id"] for s in sent] == [b["authorizationId"] for b in bodies]
        txs = [Transaction(evse=2), Transaction(evse=1)]
        for tx, request in zip(txs, sent):
            answer = await cs.call(tx.event("Started", "RemoteStart", at(0), state="Charging",
                                            id_token=request["id_token"], remote_start_id=request["remote_start_id"]))
            assert answer.id_token_info["status"] == "Accepted"
        for tx, body, evse in zip(txs, bodies, reversed(cp["evse_ids"])):
            session = await session_of(api, db, tx.id)
            assert session["authorizationId"] == body["authorizationId"] and session["evseId"] == evse


async def test_a_remoteStartId_that_names_no_waiting_remote_start_falls_back_to_the_evse_and_id_token(
        live) -> None:
    """An older station, a restarted cpms, garbage: the number is ignored, never an error; the Started
    is tied as in 1.6, by EVSE and id token, and a station's own start with one is a new session."""
    db = live.server.rt.db
    cp = await station(db, "CS-GARBAGE")
    await tag(db, "RFID-GARBAGE")
    async with connect201(live.ws_url, "CS-GARBAGE") as cs, client(live.base_url) as api:
        body = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={})).json()
        sent = await cs.wait_for("RequestStartTransaction")
        remote, own = Transaction(evse=1), Transaction(evse=2)
        answer = await cs.call(remote.event("Started", "RemoteStart", at(0), state="Charging",
                                            id_token=sent["id_token"], remote_start_id=body["sessionId"] + 1000))
        assert answer.id_token_info["status"] == "Accepted"
        assert (await session_of(api, db, remote.id))["id"] == str(body["sessionId"])
        answer = await cs.call(own.event("Started", "Authorized", at(5), state="Charging",
                                         id_token=token("RFID-GARBAGE"), remote_start_id=body["sessionId"]))
        assert answer.id_token_info["status"] == "Accepted"
        session = await session_of(api, db, own.id)
        assert session["id"] != str(body["sessionId"]) and session["evseId"] == cp["evse_ids"][1]
    assert (await counts(db))["sessions"] == 2


async def test_TC_E_21_CSMS_Stop_transaction_options_StopAuthorized_Remote(live) -> None:
    """The API stops the session: RequestStopTransaction with the station's own transactionId; the
    session finishes when the station's Ended comes (reason remote)."""
    db = live.server.rt.db
    cp = await station(db, "CS-E21")
    await tag(db, "RFID-E21")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-E21") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("RFID-E21"),
                               meter=[reading(at(0), energy=0)]))
        row = await session_row(db, tx.id)
        response = await api.post(STOP.format(cp=cp["id"], session=row.id), json={})
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}
        assert await cs.wait_for("RequestStopTransaction") == {"transaction_id": tx.id}
        assert (await read_session(api, row.id))["status"] == "active"
        await cs.call(tx.event("Ended", "RemoteStop", at(60), state="Idle", stopped_reason="Remote",
                               meter=[reading(at(60), energy=1234, context="Transaction.End")]))
        session = await read_session(api, row.id)
    assert session["status"] == "finished" and session["reason"] == "remote" and session["energy"] == 1234


async def test_a_refused_remote_stop_is_406_and_a_forced_one_finishes_at_once(live) -> None:
    db = live.server.rt.db
    cp = await station(db, "CS-STOPS")
    await tag(db, "RFID-STOPS")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-STOPS") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "Authorized", at(0), id_token=token("RFID-STOPS"),
                               meter=[reading(at(0), energy=0)]))
        row = await session_row(db, tx.id)
        cs.answers["RequestStopTransaction"] = call_result.RequestStopTransaction(status="Rejected")
        refused = await api.post(STOP.format(cp=cp["id"], session=row.id))
        assert refused.status_code == 406 and refused.json()["success"] is False
        assert (await read_session(api, row.id))["status"] == "active"
        forced = await api.post(STOP.format(cp=cp["id"], session=row.id), json={"force": True})
        assert forced.status_code == 202 and forced.json()["success"] is True
        assert (await read_session(api, row.id))["reason"] == "force_stop"
        # the station's own Ended still brings the final energy
        await cs.call(tx.event("Ended", "RemoteStop", at(90), stopped_reason="Remote",
                               meter=[reading(at(90), energy=800, context="Transaction.End")]))
        session = await read_session(api, row.id)
    assert session["status"] == "finished" and session["energy"] == 800 and session["reason"] == "force_stop"
    assert len(await rows(db, "sessions")) == 1
