"""A 2.0.1 test station with a device model: it answers the configuration, smart charging and
remote control commands, records them, and reports its device model in parts after a
GetBaseReport (NotifyReport), as a real station does.

Payloads the `ocpp` package hands to handlers and takes from them are snake_case.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ocpp.routing import after, on
from ocpp.v201 import call, call_result

from tests.support.chargers import TestCharger201, connect201

GENERATED_AT = "2026-01-01T00:00:00Z"

# (component, evse, variable, instance) -> (value, mutability)
DEVICE_MODEL: dict[tuple[str, int | None, str, str | None], tuple[str, str]] = {
    ("OCPPCommCtrlr", None, "HeartbeatInterval", None): ("300", "ReadWrite"),
    ("OCPPCommCtrlr", None, "MessageAttempts", "TransactionEvent"): ("3", "ReadWrite"),
    ("SampledDataCtrlr", None, "TxUpdatedInterval", None): ("60", "ReadWrite"),
    ("AuthCtrlr", None, "AuthorizeRemoteStart", None): ("true", "ReadWrite"),
    ("EVSE", 1, "AvailabilityState", None): ("Available", "ReadOnly"),
}


def report_item(key: tuple[str, int | None, str, str | None], value: str, mutability: str) -> dict[str, Any]:
    component, evse, name, instance = key
    comp: dict[str, Any] = {"name": component, **({"evse": {"id": evse}} if evse else {})}
    var: dict[str, Any] = {"name": name, **({"instance": instance} if instance else {})}
    return {"component": comp, "variable": var,
            "variable_attribute": [{"type": "Actual", "value": value, "mutability": mutability}],
            "variable_characteristics": {"data_type": "string", "supports_monitoring": False}}


def reports(request_id: int, model: dict[Any, tuple[str, str]], per_part: int) -> list[call.NotifyReport]:
    """The model as NotifyReport parts of `per_part` variables, tbc on all but the last."""
    items = [report_item(key, *value) for key, value in model.items()]
    chunks = [items[n:n + per_part] for n in range(0, len(items), per_part)] or [[]]
    return [call.NotifyReport(request_id=request_id, generated_at=GENERATED_AT, seq_no=n, report_data=chunk or None,
                              tbc=n < len(chunks) - 1) for n, chunk in enumerate(chunks)]


class DeviceStation201(TestCharger201):
    """Answers as `answers[action]` says, else as a station with `model` would; `report_parts` sets
    how many variables each NotifyReport part carries (0: the station does not report by itself)."""

    def __init__(self, identity: str, connection: Any) -> None:
        super().__init__(identity, connection)
        self.model = dict(DEVICE_MODEL)
        self.report_parts = 2
        self.reported = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.local_list_version = 0

    def _answer(self, action: str, default: Any, payload: dict[str, Any]) -> Any:
        self._record(action, **payload)
        return self.answers.get(action) or default

    def _find(self, component: dict[str, Any], variable: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
        """The model's key for a component and variable, and Accepted or why the station cannot find it."""
        key = (component["name"], (component.get("evse") or {}).get("id"), variable["name"], variable.get("instance"))
        if key in self.model:
            return key, "Accepted"
        return key, "UnknownVariable" if any(k[0] == key[0] for k in self.model) else "UnknownComponent"

    @on("GetBaseReport")
    def on_get_base_report(self, **payload: Any) -> Any:
        return self._answer("GetBaseReport", call_result.GetBaseReport(status="Accepted"), payload)

    @after("GetBaseReport")
    def after_get_base_report(self, **payload: Any) -> None:
        if self.report_parts and (self.answers.get("GetBaseReport") is None
                                  or self.answers["GetBaseReport"].status == "Accepted"):
            task = asyncio.get_running_loop().create_task(self._report(payload["request_id"]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _report(self, request_id: int) -> None:
        for part in reports(request_id, self.model, self.report_parts):
            await self.call(part)
        self.reported.set()

    @on("GetVariables")
    def on_get_variables(self, **payload: Any) -> Any:
        results = []
        for item in payload["get_variable_data"]:
            key, status = self._find(item["component"], item["variable"])
            results.append({"attribute_status": status, "component": item["component"], "variable": item["variable"],
                            **({"attribute_value": self.model[key][0]} if status == "Accepted" else {})})
        return self._answer("GetVariables", call_result.GetVariables(get_variable_result=results), payload)

    @on("SetVariables")
    def on_set_variables(self, **payload: Any) -> Any:
        results = []
        for item in payload["set_variable_data"]:
            key, status = self._find(item["component"], item["variable"])
            if status == "Accepted" and self.model[key][1] == "ReadOnly":
                status = "Rejected"
            results.append({"attribute_status": status, "component": item["component"], "variable": item["variable"]})
        answer = self._answer("SetVariables", call_result.SetVariables(set_variable_result=results), payload)
        for item, result in zip(payload["set_variable_data"], answer.set_variable_result):
            key, found = self._find(item["component"], item["variable"])
            if found == "Accepted" and result["attribute_status"] in ("Accepted", "RebootRequired"):
                self.model[key] = (item["attribute_value"], self.model[key][1])
        return answer

    @on("SetChargingProfile")
    def on_set_charging_profile(self, **payload: Any) -> Any:
        return self._answer("SetChargingProfile", call_result.SetChargingProfile(status="Accepted"), payload)

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **payload: Any) -> Any:
        return self._answer("ClearChargingProfile", call_result.ClearChargingProfile(status="Accepted"), payload)

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(self, **payload: Any) -> Any:
        return self._answer("GetCompositeSchedule", call_result.GetCompositeSchedule(status="Rejected"), payload)

    @on("ChangeAvailability")
    def on_change_availability(self, **payload: Any) -> Any:
        return self._answer("ChangeAvailability", call_result.ChangeAvailability(status="Accepted"), payload)

    @on("UnlockConnector")
    def on_unlock_connector(self, **payload: Any) -> Any:
        return self._answer("UnlockConnector", call_result.UnlockConnector(status="Unlocked"), payload)

    @on("TriggerMessage")
    def on_trigger_message(self, **payload: Any) -> Any:
        return self._answer("TriggerMessage", call_result.TriggerMessage(status="Accepted"), payload)

    @on("DataTransfer")
    def on_data_transfer(self, **payload: Any) -> Any:
        return self._answer("DataTransfer", call_result.DataTransfer(status="UnknownVendorId"), payload)

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **payload: Any) -> Any:
        return self._answer("GetLocalListVersion",
                            call_result.GetLocalListVersion(version_number=self.local_list_version), payload)

    @on("SendLocalList")
    def on_send_local_list(self, **payload: Any) -> Any:
        answer = self._answer("SendLocalList", call_result.SendLocalList(status="Accepted"), payload)
        if answer.status == "Accepted":
            self.local_list_version = payload["version_number"]
        return answer

    @on("ClearCache")
    def on_clear_cache(self, **payload: Any) -> Any:
        return self._answer("ClearCache", call_result.ClearCache(status="Accepted"), payload)


@asynccontextmanager
async def station(ws_base: str, identity: str) -> AsyncIterator[DeviceStation201]:
    async with connect201(ws_base, identity, charger_class=DeviceStation201) as charger:
        yield charger  # type: ignore[misc]
