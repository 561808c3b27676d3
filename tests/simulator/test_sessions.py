"""Simulated charging sessions end to end: the server records them, with their energy, and the
API starts and stops them."""

from __future__ import annotations

import httpx
import pytest

from cpms.simulator import provision
from cpms.simulator.simulation import Simulation
from tests.conftest import TOKEN, client
from tests.simulator.conftest import FAST, seeded, simulating
from tests.simulator.test_commands import ON_DEMAND


async def give_out_tags(live) -> None:  # type: ignore[no-untyped-def]
    """The drivers' tags, created through the API as `cpms simulate` does."""
    async with httpx.AsyncClient(base_url=live.base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        await provision.ensure_id_tags(api, ("SIMTAG0001", "SIMTAG0002"))


def skip_if_server_lacks(sim: Simulation, *actions: str) -> None:
    for action in actions:
        for code in ("NotSupported", "NotImplemented"):
            if sim.stats.error_kinds.get(f"CALLERROR {code}") and action in sim.stats.last_error:
                pytest.skip(f"the server does not handle {action} yet ({sim.stats.last_error})")


async def read_session(api: httpx.AsyncClient, session_id: object) -> dict:
    response = await api.get(f"/public-api/resources/sessions/v1.0/{session_id}")
    if response.status_code == 501:
        pytest.skip(f"the sessions endpoints are not implemented yet: {response.json()}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.mark.parametrize("protocol", ["ocpp 1.6", "ocpp 2.0.1"])
async def test_a_simulated_session_is_recorded_with_its_energy(live, protocol: str) -> None:
    version = protocol.split()[-1]
    spec = await seeded(live, f"SIM-TX-{version}", protocol=protocol, evses=1, dc=version == "2.0.1")
    await give_out_tags(live)
    async with simulating(live, [spec], FAST) as sim:
        b = sim.behaviour(spec.identity)
        await sim.wait_for(lambda: bool(b.history) or sim.stats.sessions_refused > 0, 60)
        skip_if_server_lacks(sim, "StartTransaction", "TransactionEvent", "Authorize")
        assert await sim.wait_for(lambda: bool(b.history), 60), sim.stats
    finished = b.history[0]
    assert finished.energy_wh > 0 and finished.transaction_id is not None
    async with client(live.base_url) as api:
        if protocol == "ocpp 1.6":
            session = await read_session(api, finished.transaction_id)
        else:
            listing = await api.get("/public-api/resources/sessions/v1.0",
                                    params={"filter[chargePointId]": spec.charge_point_id})
            if listing.status_code == 501:
                pytest.skip("the sessions endpoints are not implemented yet")
            session = listing.json()["data"][-1]
    assert session["chargePointId"] == spec.charge_point_id and session["evseId"] == spec.evses[0].id
    assert session["status"] == "finished"
    assert session["energy"] == pytest.approx(finished.meter_stop_wh - finished.meter_start_wh, abs=1.5)


async def test_the_api_starts_and_stops_a_simulated_session(live) -> None:
    spec = await seeded(live, "SIM-REMOTE", evses=1)
    await give_out_tags(live)
    async with simulating(live, [spec], ON_DEMAND) as sim, client(live.base_url) as api:
        b = sim.behaviour(spec.identity)
        assert await sim.wait_for(lambda: sim.stats.booted == 1, 30)
        response = await api.post(f"/public-api/actions/charge-point/v1.0/{spec.charge_point_id}/start/"
                                  f"{spec.evses[0].id}", json={"idTag": "SIMTAG0001"})
        if response.status_code == 501:
            pytest.skip(f"remote start is not implemented yet: {response.json()}")
        assert response.json()["success"] is True, response.json()
        assert await sim.wait_for(lambda: b.evse(1).session is not None and b.evse(1).session.started
                                  or sim.stats.sessions_refused > 0, 30)
        skip_if_server_lacks(sim, "StartTransaction")
        transaction = b.evse(1).session.transaction_id
        session = await read_session(api, transaction)
        assert session["status"] == "active"
        response = await api.post(f"/public-api/actions/charge-point/v1.0/{spec.charge_point_id}/stop/{session['id']}")
        assert response.json()["success"] is True, response.json()
        assert await sim.wait_for(lambda: bool(b.history), 30)
        assert b.history[0].stop_reason == "Remote"
        session = await read_session(api, transaction)
        assert session["status"] == "finished" and session["reason"] == "remote"
