"""OCPP 1.6 translations of the commands cpms sends to chargers."""

from __future__ import annotations

from cpms.ocpp.commands import Outgoing, translates
from cpms.ocpp.versions import V16


@translates(V16, "reset")
def reset(kind: str) -> Outgoing:
    return Outgoing("Reset", {"type": "Hard" if kind == "hard" else "Soft"})
