"""Commands to chargers, said once in domain terms and translated per OCPP version.

The API and the domain ask for intents ("reset", kind="hard"); each version declares how an
intent becomes an OCPP CALL and how the charger's answer reads back:

    @translates(V16, "reset")
    def reset_16(kind: str) -> Outgoing:
        return Outgoing("Reset", {"type": kind.capitalize()})

`Outgoing.read` turns the answer into a `Result` (accepted or not, the charger's own status,
extra data); by default it reads the answer's `status` field and accepts "Accepted".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cpms.ocpp.versions import Version


@dataclass
class Result:
    accepted: bool
    status: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


def read_status(answer: dict[str, Any], accepted: tuple[str, ...] = ("Accepted",)) -> Result:
    status = answer.get("status")
    info = answer.get("statusInfo") or {}
    message = None
    if isinstance(info, dict) and info.get("reasonCode"):
        message = f"{info.get('reasonCode')}: {info.get('additionalInfo') or ''}".strip(": ")
    return Result(accepted=status in accepted, status=status, data=answer, message=message)


@dataclass
class Outgoing:
    action: str
    payload: dict[str, Any]
    read: Callable[[dict[str, Any]], Result] = read_status


Translator = Callable[..., Outgoing]
TRANSLATORS: dict[tuple[str, str], Translator] = {}


class Unsupported(Exception):
    """The charger's protocol version has no way to do this."""


def translates(version: Version | tuple[Version, ...], name: str) -> Callable[[Translator], Translator]:
    versions = version if isinstance(version, tuple) else (version,)

    def decorate(fn: Translator) -> Translator:
        for v in versions:
            key = (v.subprotocol, name)
            if key in TRANSLATORS:
                raise ValueError(f"two translations of {name} for {v.subprotocol}")
            TRANSLATORS[key] = fn
        return fn

    return decorate


def outgoing(version: Version, name: str, args: dict[str, Any]) -> Outgoing:
    fn = TRANSLATORS.get((version.routing, name))
    if fn is None:
        raise Unsupported(f"{name} is not available for {version.subprotocol} chargers")
    return fn(**args)
