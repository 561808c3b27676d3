"""What an OCPP 2.0.1 station was told survives SIGKILL: the real server process is killed the moment
it has answered a TransactionEvent, restarted, and the session is read back through the Public API."""

from tests.conftest import client
from tests.ocpp.transactions_support import at, tag
from tests.ocpp.v201.transactions_support import Transaction, reading, session_row, token
from tests.support import seed
from tests.support.chargers import connect201


async def test_an_Ended_answered_just_before_sigkill_is_finished_with_its_energy(server_process) -> None:
    proc, db = server_process
    cp = await seed.charge_point(db, "CS-CRASH", protocol="ocpp 2.0.1")
    await tag(db, "CARD-CRASH201")
    tx = Transaction(evse=1)
    async with connect201(f"{proc.ws_url}/ocpp", "CS-CRASH") as cs:
        await cs.call(tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("CARD-CRASH201"),
                               meter=[reading(at(0), energy=10_000, context="Transaction.Begin")]))
        await cs.call(tx.event("Updated", "MeterValuePeriodic", at(60), state="Charging",
                               meter=[reading(at(60), energy=12_000, power=11_000)]))
        ended = await cs.call(tx.event("Ended", "EVDeparted", at(120), state="Idle", stopped_reason="EVDisconnected",
                                       meter=[reading(at(120), energy=14.321, unit="kWh", context="Transaction.End")]))
        assert ended is not None
        proc.kill()
    proc.start()
    session_id = (await session_row(db, tx.id)).id
    async with client(proc.base_url) as api:
        response = await api.get(f"/public-api/resources/sessions/v1.0/{session_id}")
        assert response.status_code == 200
        session = response.json()["data"]
        assert session["status"] == "finished" and session["energy"] == 4321 and session["reason"] == "evdisconnected"
        assert session["chargePointId"] == cp["id"] and session["evseId"] == cp["evse_ids"][0]
        stats = (await api.get(f"/public-api/resources/sessions/v1.0/{session_id}/consumption-stats")).json()["data"]
        assert [point["energy"] for point in stats] == [0, 2000, 4321]


async def test_a_Started_answered_just_before_sigkill_is_known_after_the_restart(server_process) -> None:
    """The station resends the Started it got no answer for... or did: either way one session."""
    proc, db = server_process
    await seed.charge_point(db, "CS-CRASH2", protocol="ocpp 2.0.1")
    await tag(db, "CARD-CRASH2")
    tx = Transaction(evse=2)
    started = tx.event("Started", "Authorized", at(0), id_token=token("CARD-CRASH2"),
                       meter=[reading(at(0), energy=0, context="Transaction.Begin")])
    async with connect201(f"{proc.ws_url}/ocpp", "CS-CRASH2") as cs:
        first = await cs.call(started)
        proc.kill()
    proc.start()
    async with connect201(f"{proc.ws_url}/ocpp", "CS-CRASH2") as cs:
        assert await cs.call(started) == first
        await cs.call(tx.event("Ended", "EVDeparted", at(30), stopped_reason="EVDisconnected",
                               meter=[reading(at(30), energy=500, context="Transaction.End")]))
    async with client(proc.base_url) as api:
        listing = (await api.get("/public-api/resources/sessions/v1.0")).json()["data"]
    assert [(s["status"], s["energy"]) for s in listing] == [("finished", 500)]
