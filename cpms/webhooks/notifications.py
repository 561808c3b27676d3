"""Which contract notifications a domain event becomes, and how each payload is built.

One declaration per notification:

    notification("chargePoint.changed", on="chargePoint.changed", build=changed("chargePointId"))
    notification("BootNotification", on="chargePoint.booted", build=from_data())

`on` is the domain event type (`cpms.events.Event.type`); `build` turns the event into the
payload, exactly as the contract's callback schema for that name describes it (the
`notification` property is added here). A builder may read the database (full-object
notifications) and may return None to send nothing for this event. An event may feed several
notifications (chargePoint.changed feeds the v2 "chargePoint.changed" and the deprecated
full-object "ChargePointChangedNotification"); they are delivered in declaration order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.contract import load_contract
from cpms.contract.schema import merge_all_of
from cpms.events import Event

SUBSCRIBE_OPERATION = "notificationsSubscribe"


@dataclass
class BuildContext:
    """What a builder sees: a read connection, the event, and the notification it builds."""

    conn: AsyncConnection
    event: Event
    name: str

    @property
    def schema(self) -> dict[str, Any]:
        return callback_schema(self.name)

    def enum(self, prop: str) -> list[Any] | None:
        sub = (self.schema.get("properties") or {}).get(prop) or {}
        return merge_all_of(sub).get("enum")

    @property
    def action(self) -> str | None:
        return self.event.data.get("action")


Builder = Callable[[BuildContext], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class Notification:
    name: str  # the contract's notification name, as subscribers list it
    event: str  # the domain event type it is built from
    build: Builder


class Notifications:
    def __init__(self) -> None:
        self._by_event: dict[str, list[Notification]] = {}

    def add(self, name: str, *, on: str, build: Builder) -> Notification:
        if name not in callback_names():
            raise KeyError(f"{name} is not a notification of the contract")
        entry = Notification(name=name, event=on, build=build)
        current = self._by_event.setdefault(on, [])
        if any(n.name == name for n in current):
            raise ValueError(f"{name} is already built from {on}")
        current.append(entry)
        return entry

    def for_event(self, event_type: str) -> list[Notification]:
        return self._by_event.get(event_type, [])

    def event_types(self) -> set[str]:
        return set(self._by_event)

    def all(self) -> list[Notification]:
        return [n for entries in self._by_event.values() for n in entries]

    def sources(self, name: str) -> list[str]:
        """The domain events that produce notification `name`."""
        return [n.event for n in self.all() if n.name == name]


NOTIFICATIONS = Notifications()


def notification(name: str, *, on: str, build: Builder) -> Notification:
    """Declare that domain events of type `on` are sent as notification `name`."""
    return NOTIFICATIONS.add(name, on=on, build=build)


def _callbacks() -> dict[str, Any]:
    return load_contract()[SUBSCRIBE_OPERATION].callbacks


@cache
def callback_names() -> tuple[str, ...]:
    return tuple(_callbacks())


@cache
def subscribable_names() -> tuple[str, ...]:
    """The names a subscription may list (the request schema's enum)."""
    schema = load_contract()[SUBSCRIBE_OPERATION].body_schema or {}
    return tuple(schema["properties"]["notifications"]["items"]["enum"])


@cache
def callback_schema(name: str) -> dict[str, Any]:
    """The request body schema of the callback `name` (what a subscriber receives)."""
    for item in _callbacks()[name].values():
        for operation in item.values():
            return merge_all_of(operation["requestBody"]["content"]["application/json"]["schema"])
    raise KeyError(name)
