"""Domain events: facts about state that really changed, recorded in the outbox on commit.

Events are the spine's extension point. Webhooks, load management, roaming and the operator
dashboard listen to them instead of being called from the code that changes state. An event is
written in the same database transaction as its change (see `Tx.emit`), so it exists if and
only if the change does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cpms.clock import UTC


@dataclass
class Event:
    # Contract notification names where one exists ("chargePoint.changed", "SessionStartStop"...).
    type: str
    entity: str
    entity_id: int | str | None
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    id: int | None = None

    def row(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "entity": self.entity,
            "entity_id": None if self.entity_id is None else str(self.entity_id),
            "data": self.data,
            "created_at": self.at,
        }

    @classmethod
    def from_row(cls, row: Any) -> "Event":
        return cls(type=row.type, entity=row.entity, entity_id=row.entity_id, data=row.data or {},
                   at=row.created_at, id=row.id)
