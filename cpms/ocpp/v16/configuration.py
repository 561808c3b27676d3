"""OCPP 1.6 configuration: GetConfiguration and ChangeConfiguration.

1.6 knows flat keys only; a component, variable instance or EVSE (OCPP 2.0.1's device model) has
no 1.6 meaning and is refused before anything is sent.
"""

from __future__ import annotations

from typing import Any

from cpms.domain.configuration import Variable
from cpms.errors import Invalid
from cpms.ocpp.commands import Outgoing, Result, read_status, translates
from cpms.ocpp.versions import V16

KEY_LENGTH = 50  # CiString50Type
VALUE_LENGTH = 500  # CiString500Type


@translates(V16, "read_configuration")
def get_configuration(keys: list[str] | None = None, request_id: int | None = None) -> Outgoing:
    errors = {f"keys.{n}": [f"An OCPP 1.6 key has at most {KEY_LENGTH} characters."]
              for n, key in enumerate(keys or ()) if len(key) > KEY_LENGTH}
    if errors:
        raise Invalid(errors)
    return Outgoing("GetConfiguration", {"key": list(keys)} if keys else {}, read=_configuration)


def _configuration(answer: dict[str, Any]) -> Result:
    """All of it at once: the read is complete with this answer."""
    variables = [Variable(name=item["key"], value=item.get("value"), readonly=item["readonly"])
                 for item in answer.get("configurationKey") or ()]
    return Result(accepted=True, status="Accepted",
                  data={"variables": variables, "unknownKeys": list(answer.get("unknownKey") or ()), "complete": True})


@translates(V16, "set_configuration")
def change_configuration(variable: str, value: str, instance: str | None = None, component_name: str | None = None,
                         evse_id: int | None = None) -> Outgoing:
    errors: dict[str, list[str]] = {}
    for field, given in (("instance", instance), ("componentName", component_name), ("evseId", evse_id)):
        if given is not None:
            errors[field] = [f"OCPP 1.6 configuration keys have no {field}."]
    if not variable or len(variable) > KEY_LENGTH:
        errors["name"] = [f"An OCPP 1.6 key has 1 to {KEY_LENGTH} characters."]
    if len(value) > VALUE_LENGTH:
        errors["value"] = [f"An OCPP 1.6 configuration value has at most {VALUE_LENGTH} characters."]
    if errors:
        raise Invalid(errors)
    return Outgoing("ChangeConfiguration", {"key": variable, "value": value}, read=_changed)


def _changed(answer: dict[str, Any]) -> Result:
    """RebootRequired: the setting has been changed, it takes effect when the charger restarts."""
    result = read_status(answer, accepted=("Accepted", "RebootRequired"))
    if result.status == "RebootRequired":
        result.message = "The charge point changed the setting; it takes effect after a reboot."
    elif result.status == "NotSupported":
        result.message = "The charge point does not know this configuration key (NotSupported)."
    elif result.status == "Rejected":
        result.message = "The charge point rejected the value (Rejected)."
    return result
