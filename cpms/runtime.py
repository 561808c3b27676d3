"""The running server's shared services, handed to every handler and worker.

Components that arrive later (the OCPP gateway, webhook delivery, load management) register
themselves here instead of being imported by the code that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cpms.bus import Bus, InProcessBus
from cpms.clock import Clock
from cpms.config import Settings
from cpms.storage.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=Clock)
    bus: Bus = field(default_factory=InProcessBus)
    components: dict[str, Any] = field(default_factory=dict)

    def component(self, name: str) -> Any:
        return self.components.get(name)
