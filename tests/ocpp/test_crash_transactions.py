"""What a charger was told survives SIGKILL: the real server process is killed the moment it has
answered, restarted, and the session is read back through the Public API."""

from ocpp.v16 import call

from tests.conftest import client
from tests.ocpp.transactions_support import at, reading, tag
from tests.support import seed
from tests.support.chargers import connect16


async def test_a_stop_answered_just_before_sigkill_is_finished_with_its_energy(server_process) -> None:
    proc, db = server_process
    cp = await seed.charge_point(db, "CP-CRASH")
    await tag(db, "CARD-CRASH")
    async with connect16(f"{proc.ws_url}/ocpp", "CP-CRASH") as charger:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-CRASH", meter_start=10_000,
                                                           timestamp=at(0)))
        await charger.call(call.MeterValues(connector_id=1, transaction_id=started.transaction_id,
                                            meter_value=[reading(at(60), energy=12_000, power=11_000)]))
        stopped = await charger.call(call.StopTransaction(meter_stop=14_321, timestamp=at(120),
                                                          transaction_id=started.transaction_id, reason="Local"))
        assert stopped is not None
        proc.kill()
    proc.start()
    async with client(proc.base_url) as api:
        response = await api.get(f"/public-api/resources/sessions/v1.0/{started.transaction_id}")
        assert response.status_code == 200
        session = response.json()["data"]
        assert session["status"] == "finished" and session["energy"] == 4321 and session["reason"] == "local"
        assert session["chargePointId"] == cp["id"]
        stats = (await api.get(f"/public-api/resources/sessions/v1.0/{started.transaction_id}/consumption-stats"))
        assert [point["energy"] for point in stats.json()["data"]] == [2000]


async def test_a_start_answered_just_before_sigkill_is_known_after_the_restart(server_process) -> None:
    proc, db = server_process
    await seed.charge_point(db, "CP-CRASH2")
    await tag(db, "CARD-CRASH2")
    request = call.StartTransaction(connector_id=2, id_tag="CARD-CRASH2", meter_start=0, timestamp=at(0))
    async with connect16(f"{proc.ws_url}/ocpp", "CP-CRASH2") as charger:
        started = await charger.call(request)
        proc.kill()
    proc.start()
    async with connect16(f"{proc.ws_url}/ocpp", "CP-CRASH2") as charger:
        assert (await charger.call(request)).transaction_id == started.transaction_id
        await charger.call(call.StopTransaction(meter_stop=500, timestamp=at(30), transaction_id=started.transaction_id))
    async with client(proc.base_url) as api:
        listing = (await api.get("/public-api/resources/sessions/v1.0")).json()["data"]
    assert [(s["id"], s["status"], s["energy"]) for s in listing] == [(str(started.transaction_id), "finished", 500)]
