"""The events the domain really emits (not hand-written copies) become valid payloads: if the domain
changes what its events carry, these fail before a subscriber notices."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from cpms.domain import authorizations, boot, configuration, data_transfer, presence, reservations, security_events
from cpms.domain.status import HardwareReport, record_charge_point_status, record_evse_status
from cpms.events import Event
from cpms.storage.tables.core import events
from cpms.webhooks.notifications import NOTIFICATIONS
from tests.ocpp.transactions_support import user
from tests.support import seed
from tests.webhooks.conftest import assert_valid, build

NOW = datetime(2024, 5, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)


async def emitted(server: Any) -> list[Event]:
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(events).order_by(events.c.id))).all()
    return [Event.from_row(row) for row in rows]


async def test_charger_and_charging_events_of_the_domain_make_valid_payloads(server) -> None:
    db = server.rt.db
    cp = await seed.charge_point(db, "CP-DOMAIN")
    driver = await user(db, "domain@example.com")
    async with db.write() as tx:
        await presence.set_network_status(tx, cp["id"], presence.AVAILABLE, NOW)
        await boot.record_boot(tx, cp["id"], {"model": "M", "vendor": "V", "firmwareVersion": "2"}, NOW, "PowerUp")
        await record_charge_point_status(tx, cp["id"], HardwareReport(status="faulted", error_code="GroundFailure"),
                                         NOW)
        await record_evse_status(tx, cp["id"], "1", HardwareReport(status="preparing", timestamp=NOW), NOW)
        await security_events.record_security_event(tx, cp["id"], "SettingSystemTime", NOW, "ntp", NOW)
        await data_transfer.record_data_transfer(tx, cp["id"], "Volt", "m1", "x", data_transfer.ACCEPTED, NOW)
        request_id = await configuration.open_request(tx, cp["id"], None, NOW)
        await configuration.store_variables(tx, cp["id"], [configuration.Variable("HeartbeatInterval", "300"),
                                                           configuration.Variable("VendorKey", "v")], NOW, request_id)
        await configuration.complete_request(tx, cp["id"], request_id, NOW)
        await authorizations.record(tx, cp["id"], "RFID-D", authorizations.Verdict("Accepted", user_id=driver), NOW)
        held = await reservations.create(tx, charge_point_id=cp["id"], evse_id=cp["evse_ids"][0],
                                         evse_network_id="1", user_id=driver, minutes=15, now=NOW, reason="test")
        await reservations.confirm(tx, held.id, NOW)
        await reservations.cancel(tx, held.id, NOW)
    sent: dict[str, list[dict[str, Any]]] = {}
    for event in await emitted(server):
        for spec in NOTIFICATIONS.for_event(event.type):
            payload = await build(server, spec.name, event)
            assert payload is not None, f"{spec.name} from {event.type} was not built: {event.data}"
            assert_valid(spec.name, payload)
            sent.setdefault(spec.name, []).append(payload)
    assert {"BootNotification", "NetworkStatusNotification", "HardwareStatusNotification", "SecurityEventNotification",
            "chargePoint.dataTransferReceived", "ChargePointSyncConfigurationNotification",
            "AuthorizationNotification", "authorization.changed", "reservation.changed"} <= set(sent)
    assert [p["status"] for p in sent["reservation.changed"]] == ["active", "canceled"]
    [synced] = sent["ChargePointSyncConfigurationNotification"]
    assert synced["requestId"] == request_id and [c["key"] for c in synced["configuration"]] == ["HeartbeatInterval"]
    assert [p.get("evseId") for p in sent["HardwareStatusNotification"]] == [None, cp["evse_ids"][0]]
