"""OCPP 2.0.1 authorization (Authorize, id tokens in TransactionEvent): the same verdicts as 1.6 in
2.0.1's idTokenInfo, recorded as the same authorizations (OCTT 2.0.1 C block)."""

from datetime import timedelta

import pytest
from ocpp.v201 import call
from sqlalchemy import update

from cpms.clock import Clock
from cpms.storage.tables.users import id_tags
from tests.conftest import client
from tests.ocpp.transactions_support import at, counts, rows, tag, user
from tests.ocpp.v201.transactions_support import Transaction, event_types, reading, session_of, token
from tests.support import seed
from tests.support.chargers import connect201
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def station(db, identity):
    return await seed.charge_point(db, identity, evse_count=2, protocol="ocpp 2.0.1")


async def test_TC_C_02_CSMS_Local_start_transaction_Authorization_Invalid_Unknown(live) -> None:
    """An id token nobody knows is Invalid, in Authorize and in a TransactionEvent; the Authorize is
    recorded as a rejected authorization (reason invalid)."""
    db = live.server.rt.db
    await station(db, "CS-C02")
    async with connect201(live.ws_url, "CS-C02") as cs:
        answer = await cs.call(call.Authorize(id_token=token("100000C02", "Local")))
        assert answer.id_token_info == {"status": "Invalid"}
    [authorization] = await rows(db, "authorizations")
    assert (authorization.status, authorization.rejection_reason, authorization.ocpp_status) == (
        "rejected", "invalid", "Invalid")
    assert authorization.id_tag_uid == "100000C02"


@pytest.mark.parametrize("case, status, reason", [("blocked", "Blocked", "blocked"), ("expired", "Expired", "expired"),
                                                  ("user_disabled", "Blocked", "blocked")])
async def test_TC_C_06_and_TC_C_07_CSMS_Local_start_transaction_Authorization_Blocked_Expired(live, case, status,
                                                                                              reason) -> None:
    """A disabled tag, a disabled user's tag (C_06) and a tag past its expiry (C_07) are refused with
    their reason; an expired tag's expiry goes to the station as cacheExpiryDateTime."""
    db = live.server.rt.db
    await station(db, f"CS-{case}")
    expire_at = Clock().now() - timedelta(days=1) if case == "expired" else None
    owner = await user(db, f"{case}@example.com", status="disabled" if case == "user_disabled" else "enabled")
    await tag(db, f"CARD-{case}", user_id=owner, status="disabled" if case == "blocked" else "enabled",
              expire_at=expire_at)
    async with connect201(live.ws_url, f"CS-{case}") as cs:
        answer = await cs.call(call.Authorize(id_token=token(f"CARD-{case}")))
    assert answer.id_token_info["status"] == status and "group_id_token" not in answer.id_token_info
    assert ("cache_expiry_date_time" in answer.id_token_info) == (case == "expired")
    [authorization] = await rows(db, "authorizations")
    assert authorization.status == "rejected" and authorization.rejection_reason == reason


async def test_TC_C_08_CSMS_Authorization_through_authorization_cache_Accepted(live) -> None:
    """The station knows the token from its cache and sends no Authorize: the token arrives in the
    TransactionEvent (triggerReason Authorized) of a transaction that waited for it, and is accepted
    and recorded there."""
    db = live.server.rt.db
    cp = await station(db, "CS-C08")
    driver = await user(db, "c08@example.com")
    await tag(db, "RFID-C08", user_id=driver)
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-C08") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "CablePluggedIn", at(0), state="EVConnected"))
        answer = await cs.call(tx.event("Updated", "Authorized", at(5), state="EVConnected",
                                        id_token=token("RFID-C08")))
        assert answer.id_token_info == {"status": "Accepted",
                                        "group_id_token": {"id_token": f"*U{driver:07d}", "type": "Central"}}
        session = await session_of(api, db, tx.id, withAuthorization="true")
    assert session["status"] == "active" and session["userId"] == driver
    assert session["authorization"]["method"] == "rfid_tag" and session["authorization"]["status"] == "accepted"
    [authorization] = await rows(db, "authorizations")
    assert authorization.evse_id == cp["evse_ids"][0]


async def test_a_token_charging_elsewhere_is_ConcurrentTx_and_a_refused_one_leaves_the_transaction_waiting(live):
    """ConcurrentTx as in 1.6 (one session per tag without a user option); a token refused for a
    transaction that waits for one keeps it waiting: it starts no session."""
    db = live.server.rt.db
    await station(db, "CS-CONC")
    await tag(db, "RFID-CONC")
    busy, waiting = Transaction(evse=1), Transaction(evse=2)
    async with connect201(live.ws_url, "CS-CONC") as cs, client(live.base_url) as api:
        await cs.call(busy.event("Started", "Authorized", at(0), id_token=token("RFID-CONC")))
        assert (await cs.call(call.Authorize(id_token=token("RFID-CONC")))).id_token_info["status"] == "ConcurrentTx"
        await cs.call(waiting.event("Started", "CablePluggedIn", at(10), state="EVConnected"))
        answer = await cs.call(waiting.event("Updated", "Authorized", at(20), id_token=token("RFID-CONC")))
        assert answer.id_token_info["status"] == "ConcurrentTx"
        assert (await session_of(api, db, waiting.id))["status"] == "pending"
        # the busy session's own token, told again, is still fine
        again = await cs.call(busy.event("Updated", "MeterValuePeriodic", at(30), id_token=token("RFID-CONC")))
        assert again.id_token_info["status"] == "Accepted"
    assert [a.ocpp_status for a in await rows(db, "authorizations")] == ["Accepted", "ConcurrentTx", "ConcurrentTx"]


async def test_a_token_blocked_during_the_transaction_is_told_when_the_station_names_it_again(live) -> None:
    """The station may name the token in later events; by then blocked, it hears Blocked and
    deauthorizes (cpms does not stop it: the station does)."""
    db = live.server.rt.db
    await station(db, "CS-LATER")
    card = await tag(db, "RFID-LATER")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-LATER") as cs:
        await cs.call(tx.event("Started", "Authorized", at(0), id_token=token("RFID-LATER")))
        async with db.write() as write:
            await write.conn.execute(update(id_tags).where(id_tags.c.id == card).values(status="disabled"))
        answer = await cs.call(tx.event("Updated", "Trigger", at(30), id_token=token("RFID-LATER")))
    assert answer.id_token_info == {"status": "Blocked"}
    assert len(await rows(db, "authorizations")) == 1


async def test_no_authorization_tokens_are_accepted_and_name_nobody(live) -> None:
    """A station that needs no authorization says NoAuthorization: Accepted, nothing recorded, and
    its transaction is an active session without id tag."""
    db = live.server.rt.db
    await station(db, "CS-FREE")
    free = {"id_token": "", "type": "NoAuthorization"}
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-FREE") as cs, client(live.base_url) as api:
        assert (await cs.call(call.Authorize(id_token=free))).id_token_info == {"status": "Accepted"}
        started = await cs.call(tx.event("Started", "CablePluggedIn", at(0), state="EVConnected", id_token=free,
                                         meter=[reading(at(0), energy=0)]))
        assert started.id_token_info == {"status": "Accepted"}
        session = await session_of(api, db, tx.id)
    assert session["status"] == "active" and session["userId"] is None and session["authorizationId"] is None
    assert (await counts(db))["authorizations"] == 0


async def test_authorizations_are_announced_and_listed_like_16_ones(live) -> None:
    """The Authorize is the authorization of the transaction that follows: listed with its EVSE and
    session, announced when created and when the start used it."""
    db = live.server.rt.db
    cp = await station(db, "CS-ANNOUNCE")
    await tag(db, "RFID-ANNOUNCE")
    tx = Transaction(evse=2)
    async with connect201(live.ws_url, "CS-ANNOUNCE") as cs, client(live.base_url) as api:
        await cs.call(call.Authorize(id_token=token("RFID-ANNOUNCE")))
        await cs.call(tx.event("Started", "Authorized", at(0), id_token=token("RFID-ANNOUNCE")))
        session = await session_of(api, db, tx.id)
        listing = (await api.get("/public-api/resources/authorizations/v2.1")).json()["data"]
    assert [(a["id"], a["status"], a["evseId"], a["sessionIds"]) for a in listing] == [
        (session["authorizationId"], "accepted", cp["evse_ids"][1], [int(session["id"])])]
    assert await event_types(db, "authorization") == ["authorization.created", "authorization.changed"]
