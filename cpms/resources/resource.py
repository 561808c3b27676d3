"""The declaration of a resource: everything particular to it, nothing generic.

    LOCATION = Resource(
        name="location",
        store=Store(tables.locations),
        event="location.changed",
        filters={"name": name_filter},
        includes={"chargingZones": load_zones},
        before_delete=...,
    )

The generic operations in `cpms.resources.crud` read these declarations; a resource never
writes its own list/read/create/update/delete.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.resources.query import FilterFn
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.storage.db import Tx


@dataclass
class WriteContext:
    """What a write hook may know: the time, the version spoken, the parents, the old document."""

    now: datetime
    view: View
    parents: dict[str, int]
    old: dict[str, Any] | None = None
    # hooks may leave values for later hooks (for instance a password to hash after insert)
    extras: dict[str, Any] = field(default_factory=dict)
    # the raw request body as the client sent it (before version mapping), for hooks that need it
    body: dict[str, Any] = field(default_factory=dict)


WriteHook = Callable[[Tx, dict[str, Any], WriteContext], Awaitable[None]]
AfterHook = Callable[[Tx, dict[str, Any], WriteContext], Awaitable[None]]
Loader = Callable[[AsyncConnection, list[dict[str, Any]]], Awaitable[None]]


@dataclass
class Secret:
    """A write-only document property kept only as a hash in `column` (passwords)."""

    path: str
    column: str
    hasher: Callable[[str], str]


@dataclass
class Resource:
    name: str  # for messages: "charge point"
    store: Store
    # Event type emitted on create/update/delete, with {"action": ...}; None for no event.
    event: str | None = None
    # A parent column when the event is about the parent, not this row: a connector's changes are
    # its EVSE's ("evse.changed" for evse_id), and the parent's lastUpdatedAt moves with them.
    event_subject: str | None = None
    filters: dict[str, FilterFn] = field(default_factory=dict)
    # Loaders for `include[]` names and for computed properties (`enrich`: always run).
    includes: dict[str, Loader] = field(default_factory=dict)
    enrich: list[Loader] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    secrets: list[Secret] = field(default_factory=list)
    before_create: list[WriteHook] = field(default_factory=list)
    before_update: list[WriteHook] = field(default_factory=list)
    before_delete: list[WriteHook] = field(default_factory=list)
    after_write: list[AfterHook] = field(default_factory=list)
    # Properties that cannot change after creation (silently kept) on update.
    immutable: tuple[str, ...] = ()

    @property
    def table(self) -> Any:
        return self.store.table

    @property
    def label(self) -> str:
        return self.name[:1].upper() + self.name[1:]
