"""Hardware status in the domain: every report logged, rows and events only on real changes."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from cpms.domain.status import HardwareReport, describe_error, record_charge_point_status, record_evse_status
from cpms.storage.db import Database
from cpms.storage.tables.charge_points import charge_points, evses
from cpms.storage.tables.core import events
from cpms.storage.tables.ocpp import hardware_status_logs
from tests.support import seed

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.close()


async def event_types(db: Database) -> list[str]:
    async with db.read() as conn:
        return list((await conn.execute(select(events.c.type).order_by(events.c.id))).scalars())


async def test_a_repeated_report_is_logged_but_changes_nothing(db) -> None:
    cp = await seed.charge_point(db, "D-1", evse_count=1)
    async with db.write() as tx:
        assert await record_evse_status(tx, cp["id"], "1", HardwareReport("charging"), T0) is True
    async with db.write() as tx:
        later = T0 + timedelta(minutes=1)
        assert await record_evse_status(tx, cp["id"], "1", HardwareReport("charging"), later) is False
    async with db.read() as conn:
        row = (await conn.execute(select(evses.c.hardware_status, evses.c.last_updated_at))).one()
        logs = (await conn.execute(select(func.count()).select_from(hardware_status_logs))).scalar_one()
    assert row.hardware_status == "charging" and row.last_updated_at == T0 and logs == 2
    assert await event_types(db) == ["evse.hardwareStatus", "evse.changed"]


async def test_a_new_error_code_is_announced_without_touching_the_row(db) -> None:
    cp = await seed.charge_point(db, "D-2", evse_count=0)
    async with db.write() as tx:
        await record_charge_point_status(tx, cp["id"], HardwareReport("faulted", "GroundFailure"), T0)
        changed = await record_charge_point_status(tx, cp["id"], HardwareReport("faulted", "HighTemperature"), T0)
    assert changed is False
    assert await event_types(db) == ["chargePoint.hardwareStatus", "chargePoint.changed", "chargePoint.hardwareStatus"]


async def test_reports_about_unknown_units_and_charge_points_write_no_state(db) -> None:
    cp = await seed.charge_point(db, "D-3", evse_count=1)
    async with db.write() as tx:
        assert await record_evse_status(tx, cp["id"], "9", HardwareReport("faulted"), T0) is None
        assert await record_charge_point_status(tx, 424242, HardwareReport("faulted"), T0) is False
    async with db.read() as conn:
        units = (await conn.execute(select(hardware_status_logs.c.unit, hardware_status_logs.c.connector))).all()
        status = (await conn.execute(select(charge_points.c.hardware_status))).scalar_one()
    assert [tuple(u) for u in units] == [("unknown", "9")] and status is None
    assert await event_types(db) == []


def test_error_codes_are_explained_except_no_error() -> None:
    assert describe_error("NoError") is None and describe_error(None) is None and describe_error("Gremlins") is None
    description, action = describe_error("ReaderFailure")
    assert "card reader" in description and action
