"""Charge point actions that are one command to the charger."""

from __future__ import annotations

from cpms.api.actions.charger import charger_action

charger_action("chargePointReset", "reset", args=lambda call, conn: {"kind": call.path["type"]})
