"""OCPP 2.0.1 configuration: GetBaseReport, GetVariables and SetVariables for the intents 1.6's
GetConfiguration and ChangeConfiguration serve.

- A read of everything is a GetBaseReport (FullInventory) whose requestId is the read's: the
  station answers at once and reports in parts (NotifyReport, see `device_model.py`), which
  complete the read. EmptyResultSet is a complete read of nothing.
- A read of some keys is a GetVariables, answered at once. A 2.0.1 variable belongs to a
  component: a key is one of OCPP 1.6's standard keys (read from the 2.0.1 variable that holds it,
  `KEYS_16`) or `Component.Variable`. Variables the station does not know are the read's
  unknownKeys, in the caller's words, and are forgotten.
- A change is a SetVariables of the Actual value; Accepted and RebootRequired are success.
"""

from __future__ import annotations

from typing import Any

from cpms.domain.configuration import KEYS_16
from cpms.errors import Invalid
from cpms.ocpp.commands import Outgoing, Result, translates
from cpms.ocpp.v201.device_model import variable
from cpms.ocpp.versions import V201

NAME_LENGTH = 50  # identifierString of components and variables
VALUE_LENGTH = 1000  # attributeValue of SetVariableData
UNKNOWN = ("UnknownComponent", "UnknownVariable")


def component_variable(key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ComponentType and VariableType a key of the API names; ValueError when it names none."""
    if key in KEYS_16:
        component, name, instance = KEYS_16[key]
    else:
        component, _, name = key.partition(".")
        instance = None
        if not component or not name or "." in name or max(len(component), len(name)) > NAME_LENGTH:
            raise ValueError(key)
    return {"name": component}, {"name": name, **({"instance": instance} if instance else {})}


@translates(V201, "read_configuration")
def read_configuration(keys: list[str] | None = None, request_id: int | None = None) -> Outgoing:
    if not keys:
        return Outgoing("GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"}, read=_base_report)
    wanted: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    errors = {}
    for n, key in enumerate(keys):
        try:
            wanted[key] = component_variable(key)
        except ValueError:
            errors[f"keys.{n}"] = ["An OCPP 2.0.1 variable is named with its component (Component.Variable, "
                                   "each at most 50 characters), or is one of OCPP 1.6's standard keys."]
    if errors:
        raise Invalid(errors)
    data = [{"component": component, "variable": var} for component, var in wanted.values()]
    return Outgoing("GetVariables", {"getVariableData": data}, read=lambda answer: _variables(answer, wanted))


def _base_report(answer: dict[str, Any]) -> Result:
    status = answer["status"]
    if status == "EmptyResultSet":
        return Result(accepted=True, status=status, data={"variables": [], "unknownKeys": [], "complete": True})
    messages = {"Rejected": "The charging station cannot report its device model now (Rejected).",
                "NotSupported": "The charging station does not support this report (NotSupported)."}
    return Result(accepted=status == "Accepted", status=status, data={"complete": False},
                  message=messages.get(status))


def _variables(answer: dict[str, Any], wanted: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> Result:
    """The values read (readonly not said: what is known of the variable stays), the keys unknown."""
    by_address = {(c["name"], v["name"], v.get("instance")): key for key, (c, v) in wanted.items()}
    found, unknown, forgotten = [], [], []
    for item in answer.get("getVariableResult") or ():
        component, var = item["component"], item["variable"]
        key = by_address.get((component["name"], var["name"], var.get("instance")), var["name"])
        if item["attributeStatus"] == "Accepted":
            found.append(variable(component, var, item.get("attributeValue"), readonly=None))
        elif item["attributeStatus"] in UNKNOWN:
            unknown.append(key)
            forgotten.append(variable(component, var))
    return Result(accepted=True, status="Accepted", data={"variables": found, "unknownKeys": unknown,
                                                          "forgotten": forgotten, "complete": True})


@translates(V201, "set_configuration")
def set_variables(variable: str, value: str, instance: str | None = None, component_name: str | None = None,
                  evse_id: int | None = None) -> Outgoing:
    errors: dict[str, list[str]] = {}
    if component_name is None:
        errors["componentName"] = ["An OCPP 2.0.1 variable belongs to a component: give componentName "
                                   "(or read the configuration first, so the key names a known variable)."]
    elif not 0 < len(component_name) <= NAME_LENGTH:
        errors["componentName"] = [f"A component name has 1 to {NAME_LENGTH} characters."]
    if not 0 < len(variable) <= NAME_LENGTH:
        errors["name"] = [f"A variable name has 1 to {NAME_LENGTH} characters."]
    if instance is not None and not 0 < len(instance) <= NAME_LENGTH:
        errors["instance"] = [f"An instance has 1 to {NAME_LENGTH} characters."]
    if len(value) > VALUE_LENGTH:
        errors["value"] = [f"An OCPP 2.0.1 value has at most {VALUE_LENGTH} characters."]
    if evse_id is not None and evse_id < 1:
        errors["evseId"] = ["An OCPP 2.0.1 component's EVSE is numbered from 1."]
    if errors:
        raise Invalid(errors)
    component: dict[str, Any] = {"name": component_name}
    if evse_id is not None:
        component["evse"] = {"id": evse_id}
    var: dict[str, Any] = {"name": variable, **({"instance": instance} if instance is not None else {})}
    return Outgoing("SetVariables", {"setVariableData": [{"attributeValue": value, "component": component,
                                                          "variable": var}]}, read=_set)


def _set(answer: dict[str, Any]) -> Result:
    """The station's attributeStatus is the status; RebootRequired: changed, effective after a reboot."""
    [item] = answer["setVariableResult"][:1] or [{"attributeStatus": "Rejected"}]
    status = item["attributeStatus"]
    info = item.get("attributeStatusInfo") or {}
    messages = {"RebootRequired": "The charging station changed the setting; it takes effect after a reboot.",
                "Rejected": "The charging station rejected the value (Rejected).",
                "UnknownComponent": "The charging station has no such component (UnknownComponent).",
                "UnknownVariable": "The component has no such variable (UnknownVariable).",
                "NotSupportedAttributeType": "The variable cannot be set this way (NotSupportedAttributeType)."}
    message = messages.get(status)
    if message and info.get("reasonCode"):
        message = f"{message} {info['reasonCode']}: {info.get('additionalInfo') or ''}".strip(": ")
    return Result(accepted=status in ("Accepted", "RebootRequired"), status=status, data=answer, message=message)
