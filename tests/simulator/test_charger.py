"""Simulated chargers on the real server: they connect, boot, stay, come back, and obey."""

from __future__ import annotations

from sqlalchemy import select

from cpms.storage.tables.charge_points import charge_points
from tests.conftest import client
from tests.simulator.conftest import only_unsupported_refusals, seeded, simulating


async def boot_record(live, charge_point_id: int) -> tuple[dict | None, str]:  # type: ignore[no-untyped-def]
    async with live.server.rt.db.read() as conn:
        row = (await conn.execute(select(charge_points.c.last_boot_notification, charge_points.c.network_status)
                                  .where(charge_points.c.id == charge_point_id))).one()
    return row.last_boot_notification, row.network_status


async def test_16_chargers_connect_and_boot(live) -> None:
    specs = [await seeded(live, f"SIM16-{n}") for n in range(3)]
    async with simulating(live, specs) as sim:
        assert await sim.wait_for(lambda: sim.stats.booted == 3, 30)
        for spec in specs:
            boot, network = await boot_record(live, spec.charge_point_id)
            assert boot["vendor"] == "cpms" and boot["model"] == "SimAC"
            assert boot["chargePointSerialNumber"] == f"SN-{spec.identity}"
            assert network == "available"
        assert sim.stats.connected == 3 and only_unsupported_refusals(sim)


async def test_201_stations_connect_and_boot(live) -> None:
    specs = [await seeded(live, f"SIM201-{n}", protocol="ocpp 2.0.1", dc=True) for n in range(2)]
    async with simulating(live, specs) as sim:
        assert await sim.wait_for(lambda: sim.stats.booted == 2, 30)
        boot, network = await boot_record(live, specs[0].charge_point_id)
        assert boot["vendor"] == "cpms" and boot["model"] == "SimDC" and boot["reason"] == "PowerUp"
        assert network == "available"
        assert only_unsupported_refusals(sim)


async def test_a_dropped_connection_comes_back_and_boots_again(live) -> None:
    spec = await seeded(live, "SIM-DROP")
    gateway = live.server.rt.components["gateway"]
    async with simulating(live, [spec]) as sim:
        assert await sim.wait_for(lambda: sim.stats.booted == 1, 30)
        await gateway.by_identity["SIM-DROP"].close(4000, "test drops the line")
        assert await sim.wait_for(lambda: sim.stats.connects == 2 and sim.stats.booted == 1, 30)
        assert sim.stats.error_kinds.get("dropped") == 1
        assert gateway.is_connected(spec.charge_point_id)


async def test_a_reset_from_the_api_reboots_the_charger(live) -> None:
    spec = await seeded(live, "SIM-RESET")
    async with simulating(live, [spec]) as sim, client(live.base_url) as api:
        assert await sim.wait_for(lambda: sim.stats.booted == 1, 30)
        response = await api.post(f"/public-api/actions/charge-point/v1.0/{spec.charge_point_id}/reset/hard")
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}
        assert await sim.wait_for(lambda: sim.stats.connects == 2 and sim.stats.booted == 1, 30)
        assert sim.stats.commands == {"Reset": 1}
        assert "dropped" not in sim.stats.error_kinds  # a reboot is not a failure


async def test_a_refused_identity_is_retried_and_reported(live) -> None:
    from cpms.simulator.provision import ChargerSpec, EvseSpec

    ghost = ChargerSpec("SIM-GHOST", "ocpp 1.6", False, [EvseSpec(1, False, 22_000)])
    async with simulating(live, [ghost]) as sim:
        assert await sim.wait_for(lambda: sim.stats.error_kinds.get("HTTP 404", 0) >= 2, 30)
        assert sim.stats.connects == 0 and "SIM-GHOST" in sim.stats.last_error
