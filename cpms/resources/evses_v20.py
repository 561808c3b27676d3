"""The deprecated /evses/v2.0 wire shape of an EVSE, a view over the canonical v2.1 document.

What differs from v2.1:
- `type` (ac/dc) for currentType, `active` for the enabled status;
- power options are flat: `maxPowerKw` in kW for powerOptions.maxPower in W, `maxVoltage`,
  `maxAmperage`, `phases` (no split_phase: shown as single_phase, which it is to the grid),
  `phaseRotation` in lower case;
- connectors are always shown, `active` for enabled, and one `catarc` (GB/T) for v2.1's
  gb-t-ac / gb-t-dc (told apart by the EVSE's current type);
- hardwareStatus in OCPP 1.6 words: OCPP 2.0.1's `occupied` is shown as `charging`.
"""

from __future__ import annotations

from typing import Any

from cpms.api.registry import registry
from cpms.resources.evses import EVSE, load_connectors, no_charging_profile
from cpms.resources.view import View

ROTATIONS = ("RST", "RTS", "SRT", "STR", "TRS", "TSR")
GBT = {"ac": "gb-t-ac", "dc": "gb-t-dc"}
# v2.0 requires a voltage on every EVSE, where v2.1 may have none: 230 V, the IEC nominal low voltage
FALLBACKS = {"maxVoltage": "230"}


def from_v20(doc: dict[str, Any]) -> dict[str, Any]:
    if "maxPowerKw" in doc:
        kw = doc.pop("maxPowerKw")
        power = doc.setdefault("powerOptions", {})
        power["maxPower"] = None if kw is None else round(kw * 1000)
    items = doc.get("connectors")
    if isinstance(items, list):
        doc["connectors"] = [_connector_from_v20(item, doc.get("type")) for item in items if isinstance(item, dict)]
    return doc


def _connector_from_v20(item: dict[str, Any], current_type: Any) -> dict[str, Any]:
    item = dict(item)
    if item.get("status") == "active":
        item["status"] = "enabled"
    if item.get("type") == "catarc":
        item["type"] = GBT.get(current_type, GBT["ac"])
    return item


def to_v20(doc: dict[str, Any]) -> dict[str, Any]:
    power = doc.get("powerOptions") if isinstance(doc.get("powerOptions"), dict) else {}
    if power.get("maxPower") is not None:
        doc["maxPowerKw"] = power["maxPower"] / 1000
    if doc.get("phases") == "split_phase":
        doc["phases"] = "single_phase"
    if doc.get("hardwareStatus") == "occupied":
        doc["hardwareStatus"] = "charging"
    for item in doc.get("connectors") or ():
        if item.get("status") == "enabled":
            item["status"] = "active"
        if item.get("type") in GBT.values():
            item["type"] = "catarc"
    for name, value in FALLBACKS.items():
        if doc.get(name) is None:
            doc[name] = value
    return doc


V20 = View(
    renames={"type": "currentType", "maxVoltage": "powerOptions.maxVoltage", "maxAmperage": "powerOptions.maxAmperage",
             "phases": "powerOptions.phases", "phaseRotation": "powerOptions.phaseRotation"},
    values={"status": {"active": "enabled"}, "phaseRotation": {r.lower(): r for r in ROTATIONS}},
    from_wire_hook=from_v20,
    to_wire_hook=to_v20,
    enrich=[load_connectors, no_charging_profile],
)

registry.bind(EVSE, "/public-api/resources/evses/v2.0", view=V20)
