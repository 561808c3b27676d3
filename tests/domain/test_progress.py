"""Uploads and firmware updates: progress recorded on change only, finished outcomes kept."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from cpms.domain import diagnostics, firmware
from cpms.storage.db import Database
from cpms.storage.tables.core import events
from cpms.storage.tables.ocpp import firmware_updates, log_requests
from tests.support import seed

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.close()


async def announced(db: Database, kind: str) -> list[str]:
    async with db.read() as conn:
        return [d["status"] for d in (await conn.execute(select(events.c.data).where(events.c.type == kind)
                                                         .order_by(events.c.id))).scalars()]


async def test_a_notification_overtaking_the_answer_keeps_its_progress(db) -> None:
    cp = await seed.charge_point(db, "P-1", evse_count=0)
    async with db.write() as tx:
        request_id = await diagnostics.open_request(tx, cp["id"], diagnostics.DIAGNOSTICS, "ftp://x/", T0)
        assert await diagnostics.record_diagnostics_status(tx, cp["id"], "Uploading", T0) == request_id
        await diagnostics.record_answer(tx, request_id, "accepted", "d.zip", T0)
        assert await diagnostics.record_diagnostics_status(tx, cp["id"], "Uploading", T0) is None
        assert await diagnostics.record_diagnostics_status(tx, cp["id"], "Uploaded", T0) == request_id
        assert await diagnostics.record_diagnostics_status(tx, cp["id"], "Idle", T0) is None
    async with db.read() as conn:
        row = (await conn.execute(select(log_requests.c.status, log_requests.c.file_name))).one()
    assert tuple(row) == ("uploaded", "d.zip")
    assert await announced(db, "chargePoint.diagnosticsStatus") == ["uploading", "uploaded"]


async def test_log_status_names_its_request_or_the_latest(db) -> None:
    cp = await seed.charge_point(db, "P-2", evse_count=0)
    other = await seed.charge_point(db, "P-3", evse_count=0)
    async with db.write() as tx:
        first = await diagnostics.open_request(tx, cp["id"], diagnostics.SECURITY_LOG, "https://x/", T0)
        second = await diagnostics.open_request(tx, cp["id"], diagnostics.SECURITY_LOG, "https://x/", T0)
        assert await diagnostics.record_log_status(tx, cp["id"], first, "Uploading", T0) == first
        assert await diagnostics.record_log_status(tx, cp["id"], None, "Uploading", T0) == second
        # another charger cannot report about this one's request
        assert await diagnostics.record_log_status(tx, other["id"], first, "Uploaded", T0) is None


async def test_firmware_progress_and_idle(db) -> None:
    cp = await seed.charge_point(db, "P-4", evse_count=0)
    async with db.write() as tx:
        assert await firmware.record_firmware_status(tx, cp["id"], "Downloading", T0) is None  # nothing asked yet
        update_id = await firmware.open_update(tx, cp["id"], "https://x/fw", T0, False, T0, {"retries": None})
        await firmware.record_answer(tx, update_id, "Accepted", T0)
        for state in ("Downloading", "Downloaded", "Installing", "Installed", "Idle"):
            await firmware.record_firmware_status(tx, cp["id"], state, T0)
    async with db.read() as conn:
        row = (await conn.execute(select(firmware_updates.c.status, firmware_updates.c.attrs))).one()
    assert row.status == "installed" and row.attrs == {}
    assert await announced(db, "chargePoint.firmwareStatus") == ["downloading", "downloaded", "installing", "installed"]
