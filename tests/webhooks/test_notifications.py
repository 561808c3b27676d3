"""Domain events -> contract notifications: the mapping, and every payload against its callback schema."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

import cpms.webhooks.payloads  # noqa: F401  (registers the declarations)
from cpms.events import Event

from cpms.webhooks.notifications import NOTIFICATIONS, BuildContext, Notifications, callback_names, subscribable_names
from cpms.webhooks.payloads.builders import changed, conform, from_data
from tests.webhooks.conftest import assert_valid, build, change, subscribe

AT = datetime(2024, 5, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)
CPS = "/public-api/resources/charge-points/v2.0"
LOCATIONS = "/public-api/resources/locations/v2.0"
USERS = "/public-api/resources/users/v1.0"
TAGS = "/public-api/resources/id-tags/v2.0"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "WEBHOOKS.md"
# the domain events the resources emit when the API changes them
RESOURCE_EVENTS = {"chargePoint.changed", "evse.changed", "location.changed", "user.changed", "idTag.changed",
                   "user.invoiceDetails.changed", "user.paymentMethod.changed"}


def test_every_declared_notification_is_one_the_contract_knows_and_lets_subscribe() -> None:
    for entry in NOTIFICATIONS.all():
        assert entry.name in callback_names()
        assert entry.name in subscribable_names()


def test_domain_events_map_to_their_notifications_in_declaration_order() -> None:
    names = {t: [n.name for n in NOTIFICATIONS.for_event(t)] for t in NOTIFICATIONS.event_types()}
    assert names["chargePoint.changed"] == ["chargePoint.changed", "ChargePointChangedNotification"]
    assert names["evse.changed"] == ["evse.changed"]
    assert names["location.changed"] == ["LocationChangedNotification"]
    assert names["user.changed"] == ["UserChangedNotification"]
    assert names["idTag.changed"] == ["idTag.changed"]
    assert names["user.invoiceDetails.changed"] == ["user.invoiceDetails.changed"]
    assert names["user.paymentMethod.changed"] == ["user.paymentMethod.changed"]
    assert NOTIFICATIONS.for_event("userGroup.changed") == []  # the contract has no notification for it


def test_declaring_an_unknown_or_duplicate_notification_is_refused() -> None:
    registry = Notifications()
    with pytest.raises(KeyError):
        registry.add("NoSuchNotification", on="x.changed", build=from_data())
    registry.add("BootNotification", on="chargePoint.boot", build=from_data("bootNotification"))
    with pytest.raises(ValueError):
        registry.add("BootNotification", on="chargePoint.boot", build=from_data())


def test_the_docs_table_lists_every_callback_and_what_cpms_emits() -> None:
    text = DOCS.read_text()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([^`]+)` \|([^\n]*)$", text, re.M)}
    for name in callback_names():
        assert name in rows, f"{name} is missing from docs/WEBHOOKS.md"
        sources = NOTIFICATIONS.sources(name)
        for source in sources:
            assert source in rows[name], f"docs/WEBHOOKS.md does not say {name} comes from {source}"
        assert ("yes" in rows[name].lower()) == bool(sources), f"docs/WEBHOOKS.md is wrong about {name}"


@pytest.mark.parametrize("event_type,name,entity,data,expected", [
    ("chargePoint.changed", "chargePoint.changed", "chargePoint", {"action": "updated"}, {"chargePointId": 7}),
    ("evse.changed", "evse.changed", "evse", {"action": "deleted", "chargePointId": 3}, {"evseId": 7}),
    ("idTag.changed", "idTag.changed", "idTag", {"action": "created"}, {"idTagsId": 7}),
    ("user.invoiceDetails.changed", "user.invoiceDetails.changed", "invoiceDetails",
     {"action": "updated", "userId": 7}, {"userId": 7}),
    ("user.paymentMethod.changed", "user.paymentMethod.changed", "paymentMethod",
     {"action": "created", "userId": 4}, {"paymentMethodId": "7", "userId": 4}),
])
async def test_slim_change_payloads(server, event_type, name, entity, data, expected) -> None:
    event = Event(type=event_type, entity=entity, entity_id="7", data=data, at=AT, id=1)  # as read back from the outbox
    payload = await build(server, name, event)
    assert payload == {**expected, "action": data["action"], "lastUpdatedAt": "2024-05-01T08:30:15.123456Z"}
    assert_valid(name, payload)


async def test_an_action_the_callback_cannot_express_is_not_sent(server) -> None:
    event = Event(type="user.invoiceDetails.changed", entity="invoiceDetails", entity_id=7,
                  data={"action": "deleted", "userId": 7}, at=AT)
    assert await build(server, "user.invoiceDetails.changed", event) is None


async def test_charge_point_full_object_from_the_current_row(api, server) -> None:
    cp = (await api.post(CPS, json={"name": "Depot", "type": "public", "status": "enabled",
                                    "network": {"id": "CP-1", "protocol": "ocpp 1.6"}})).json()["data"]
    await api.post(f"{CPS}/{cp['id']}/evses", json={"networkId": "1", "currentType": "ac", "status": "enabled",
                                                    "physicalReference": "A1"})
    event = Event(type="chargePoint.changed", entity="chargePoint", entity_id=cp["id"],
                  data={"action": "updated"}, at=AT)
    payload = await build(server, "ChargePointChangedNotification", event)
    assert payload is not None
    assert payload["chargePoint"]["id"] == cp["id"] and payload["chargePoint"]["name"] == "Depot"
    assert payload["chargePoint"]["networkId"] == "CP-1" and len(payload["chargePoint"]["evses"]) == 1
    assert payload["charge-point"] == payload["chargePoint"]  # the schema requires this spelling too
    assert payload["action"] == "updated"
    assert_valid("ChargePointChangedNotification", payload)


async def test_a_deleted_charge_point_is_sent_with_what_is_known(server) -> None:
    event = Event(type="chargePoint.changed", entity="chargePoint", entity_id=99,
                  data={"action": "deleted"}, at=AT)
    payload = await build(server, "ChargePointChangedNotification", event)
    assert payload is not None and payload["chargePoint"]["id"] == 99 and payload["action"] == "deleted"
    assert_valid("ChargePointChangedNotification", payload)


async def test_location_full_object_in_the_v1_shape(api, server) -> None:
    body = {"name": [{"locale": "en", "translation": "Mall"}], "address": [{"locale": "en", "translation": "1 Main"}],
            "country": "BG", "city": "Sofia", "postCode": "1000",
            "geoposition": {"latitude": 42.69, "longitude": 23.32}}
    location = (await api.post(LOCATIONS, json=body)).json()["data"]
    event = Event(type="location.changed", entity="location", entity_id=location["id"],
                  data={"action": "created"}, at=AT)
    payload = await build(server, "LocationChangedNotification", event)
    assert payload is not None
    assert payload["location"]["id"] == location["id"] and payload["location"]["name"] == {"en": "Mall"}
    assert payload["location"]["post_code"] == "1000"
    assert_valid("LocationChangedNotification", payload)
    deleted = await build(server, "LocationChangedNotification",
                          Event(type="location.changed", entity="location", entity_id=5, data={"action": "deleted"},
                                at=AT))
    assert deleted is not None and deleted["location"] == {"id": 5}
    assert_valid("LocationChangedNotification", deleted)


async def test_user_full_object(api, server, monkeypatch) -> None:
    from cpms.security import passwords

    monkeypatch.setattr(passwords, "N", 2**8)
    user = (await api.post(USERS, json={"email": "ann@example.com", "password": "s3cret-Pa55",
                                        "firstName": "Ann"})).json()["data"]
    for action in ("created", "updated"):
        event = Event(type="user.changed", entity="user", entity_id=int(user["id"]), data={"action": action}, at=AT)
        payload = await build(server, "UserChangedNotification", event)
        assert payload is not None and payload["user"]["email"] == "ann@example.com"
        assert payload["user"]["id"] == str(user["id"]) and "password" not in payload["user"]
        assert_valid("UserChangedNotification", payload)
    gone = await build(server, "UserChangedNotification",
                       Event(type="user.changed", entity="user", entity_id=42, data={"action": "deleted"}, at=AT))
    assert gone == {"user": {"id": "42"}, "action": "deleted", "lastUpdatedAt": "2024-05-01T08:30:15.123456Z"}
    assert_valid("UserChangedNotification", gone)


async def test_resource_changes_made_through_the_api_produce_valid_payloads(api, server, receiver,
                                                                          monkeypatch) -> None:
    """Every notification of a resource change, from real changes, as delivered, validates."""
    from cpms.security import passwords

    monkeypatch.setattr(passwords, "N", 2**8)
    names = sorted({n.name for n in NOTIFICATIONS.all() if n.event in RESOURCE_EVENTS})
    await subscribe(api, receiver.url(), *names)
    cp = (await api.post(CPS, json={"name": "A", "type": "public", "status": "enabled"})).json()["data"]
    evse = (await api.post(f"{CPS}/{cp['id']}/evses", json={"networkId": "1", "currentType": "ac", "status": "enabled",
                                                            "physicalReference": "A1"})).json()["data"]
    await api.delete(f"{CPS}/{cp['id']}/evses/{evse['id']}")
    location = (await api.post(LOCATIONS, json={
        "name": [{"locale": "en", "translation": "L"}], "address": [{"locale": "en", "translation": "A"}],
        "country": "BG", "geoposition": {"latitude": 1, "longitude": 2}})).json()["data"]
    await api.delete(f"{LOCATIONS}/{location['id']}")
    user = (await api.post(USERS, json={"email": "bo@example.com", "password": "s3cret-Pa55"})).json()["data"]
    await api.post(TAGS, json={"idTagUid": "AB12", "status": "enabled", "type": "rfid",
                                "userId": int(user["id"])})
    await api.post(f"{USERS}/{user['id']}/payment-methods", json={"type": "bank_transfer",
                                                                   "bankTransferType": "sepa"})
    await api.post(f"{USERS}/{user['id']}/invoice-details", json={"requireInvoice": False,
                                                                  "invoiceType": None})
    await api.delete(f"{CPS}/{cp['id']}")
    await receiver.wait_for(lambda got: {r.header("x-webhook-type") for r in got} >= set(names))
    for request in receiver.acknowledged:
        name = request.header("x-webhook-type")
        body = request.json
        assert body["notification"] == name
        assert_valid(name, {k: v for k, v in body.items() if k != "notification"})


async def test_an_event_handed_over_by_the_fast_path_is_not_sent_again_by_the_scan(api, server, receiver) -> None:
    await subscribe(api, receiver.url(), "chargePoint.changed")
    worker = server.rt.component("webhooks")
    await change(server, 1, "created")
    await receiver.wait_for(lambda got: len(got) == 1)
    for _ in range(3):
        await worker._scan()  # the outbox reader looks at the same event again
    await change(server, 1, "deleted")  # same entity, so any duplicate would arrive before it
    await receiver.wait_for(lambda got: len(got) >= 2)
    assert [r.json["action"] for r in receiver.acknowledged] == ["created", "deleted"]


def test_conform_fixes_what_the_source_cannot_say() -> None:
    schema = {"type": "object", "required": ["kind", "size"],
              "properties": {"kind": {"type": "string", "enum": ["a", "b"]}, "size": {"type": "integer"},
                             "label": {"type": "string"}, "mode": {"type": "string", "enum": ["x"], "nullable": True}}}
    assert conform({"kind": "z", "label": 5, "mode": "y"}, schema, {"kind": "a", "size": 0}) == \
        {"kind": "a", "size": 0, "label": "5", "mode": None}


async def test_from_data_and_changed_builders_skip_what_they_cannot_build(server) -> None:
    async with server.rt.db.read() as conn:
        event = Event(type="x", entity="paymentMethod", entity_id=3, data={"action": "created"}, at=AT)
        assert await changed("paymentMethodId", also={"userId": "userId"})(
            BuildContext(conn, event, "user.paymentMethod.changed")) is None
        assert await from_data("missing")(BuildContext(conn, event, "BootNotification")) is None
