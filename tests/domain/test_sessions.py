"""The charging domain without a charger: sampled values, periods, clock-aligned energy, windows,
and the OCPP 2.0.1 way of saying a transaction (a charger's own transaction id, told states)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from cpms.clock import UTC, Clock
from cpms.config import Settings
from cpms.domain import authorizations as auth
from cpms.domain import consumption, remote_starts, reservations, session_progress, sessions
from cpms.domain.meter_values import BadSample, Reading, contract_measurand, sample
from cpms.storage.tables.sessions import charging_periods
from tests.ocpp.transactions_support import tag
from tests.support import seed

T0 = datetime(2026, 3, 1, 8, 7, tzinfo=UTC)


def test_sampled_values_are_kept_in_base_units() -> None:
    assert sample(None, "1.5", "kWh").value == 1500 and sample(None, "1.5", "kWh").unit == "Wh"
    assert sample(None, "7").measurand == "Energy.Active.Import.Register" and sample(None, "7").unit == "Wh"
    assert sample("Power.Active.Import", "11", "kW").value == 11000
    assert sample("Power.Active.Import", "11", "W", multiplier=3).value == 11000  # OCPP 2.0.1 multiplier
    assert sample("SoC", "55").unit == "Percent"
    signed = sample(None, "AbCd==", signed=True)
    assert signed.value is None and signed.as_dict()["raw"] == "AbCd=="
    for bad in ("lots", "nan", "inf", None):
        with pytest.raises(BadSample):
            sample(None, bad)
    assert contract_measurand("SoC") == "State Of Charge"
    assert contract_measurand("Current.Import") == "Current Import"


def test_a_reading_combines_phases() -> None:
    phases = Reading(T0, [sample("Current.Import", v, "A", phase=p) for p, v in (("L1", 10), ("L2", 11), ("L3", 12))]
                     + [sample("Voltage", v, "V", phase=p) for p, v in (("L1-N", 229), ("L2-N", 231), ("L3-N", 230))]
                     + [sample(None, "100", phase="L1"), sample(None, "200", phase="L2"),
                        sample(None, "300", location="EV")])
    assert phases.total("Current.Import") == 33 and phases.total("Voltage", "mean") == 230
    assert phases.energy == 300  # the EV's own meter is not the outlet's
    whole = Reading(T0, [sample(None, "900"), sample(None, "100", phase="L1")])
    assert whole.energy == 900


def test_clock_aligned_intervals_follow_the_clock() -> None:
    class Row:
        def __init__(self, minutes: int, energy: float) -> None:
            self.timestamp, self.energy = T0 + timedelta(minutes=minutes), energy

    aligned = consumption.clock_aligned(T0, T0 + timedelta(minutes=53), 0, 5300,
                                        [Row(8, 800), Row(38, 3800)], 15, Clock().now())
    assert [(a["start"][11:16], a["end"][11:16], a["energyConsumed"]) for a in aligned] == [
        ("08:07", "08:15", 800), ("08:15", "08:30", 1500), ("08:30", "08:45", 1500), ("08:45", "09:00", 1500)]
    assert consumption.clock_aligned(T0, None, None, None, [], 15, T0) == []


def test_windows_come_from_the_environment() -> None:
    assert auth.start_window(Settings()) == timedelta(minutes=3)
    assert auth.start_window(Settings(extra={"CPMS_START_WINDOW_SECONDS": "30"})) == timedelta(seconds=30)
    assert auth.start_window(Settings(extra={"CPMS_START_WINDOW_SECONDS": "soon"})) == timedelta(minutes=3)
    assert reservations.effective_status("active", T0, T0 + timedelta(seconds=1)) == "expired"
    assert reservations.effective_status("active", T0, T0 - timedelta(seconds=1)) == "active"
    assert reservations.effective_status("done", T0, T0 + timedelta(days=1)) == "done"


async def test_a_charger_named_transaction_with_told_charging_states(server) -> None:
    """How OCPP 2.0.1 will use the domain: its own transaction id, chargingState told outright."""
    db = server.rt.db
    cp = await seed.charge_point(db, "CP-201", protocol="ocpp 2.0.1")
    await tag(db, "TOKEN-201")
    now = Clock().now()
    async with db.write() as tx:
        started = await sessions.start(tx, sessions.Start(cp["id"], "1", "TOKEN-201", 0, T0,
                                                          transaction_id="f00d-cafe"), now)
        assert started.transaction_id == "f00d-cafe" and started.verdict.accepted
        row = await sessions.find(tx, cp["id"], "f00d-cafe")
        suspended = Reading(T0 + timedelta(minutes=10), [sample(None, "1000")])
        await session_progress.apply(tx, row, [suspended], now, charging=False)
        await sessions.stop(tx, sessions.Stop(cp["id"], "f00d-cafe", 1000, T0 + timedelta(minutes=20), "evdisconnected"),
                            now)
        periods = (await tx.conn.execute(select(charging_periods.c.state, charging_periods.c.energy)
                                         .where(charging_periods.c.session_id == started.session_id)
                                         .order_by(charging_periods.c.id))).all()
    assert [tuple(p) for p in periods] == [("charging", 1000.0), ("idle", 0.0)]


async def test_waiting_remote_starts_expire_after_the_window_only(server) -> None:
    db = server.rt.db
    cp = await seed.charge_point(db, "CP-WAIT")
    now = Clock().now()
    async with db.write() as tx:
        prepared = await remote_starts.prepare(tx, remote_starts.RemoteStart(cp["id"], evse_id=cp["evse_ids"][0]), now)
        assert await remote_starts.expire_waiting(tx, now + timedelta(minutes=2)) == []
        assert await remote_starts.expire_waiting(tx, now + timedelta(minutes=4)) == [prepared.session_id]
        # a start for it after that is a start of its own, not the expired one
        later = now + timedelta(minutes=4)
        started = await sessions.start(tx, sessions.Start(cp["id"], "1", prepared.id_tag, 0, later), later)
    assert started.session_id != prepared.session_id and started.verdict.status == auth.INVALID
