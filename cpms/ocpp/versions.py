"""What differs between OCPP versions at the framing level: names, schemas and error codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ocpp

OCPP_PACKAGE = Path(ocpp.__file__).resolve().parent


@dataclass(frozen=True)
class Version:
    subprotocol: str  # as negotiated on the WebSocket
    label: str  # as in charge point network.protocol
    schema_dir: Path
    request_suffix: str  # 2.0.1 names request schemas "<Action>Request.json"
    formation_violation: str
    occurrence_violation: str
    # Codes a receiver may use; anything else a charger sends is reported as-is.
    served_as: str | None = None  # the subprotocol whose handlers and commands serve this one
    # the key of this version's handlers and command translations (`routing.on`, `commands.translates`),
    # looked up on every frame: set once here
    routing: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "routing", self.served_as or self.subprotocol)

    def request_schema(self, action: str) -> Path:
        return self.schema_dir / f"{action}{self.request_suffix}.json"

    def response_schema(self, action: str) -> Path:
        return self.schema_dir / f"{action}Response.json"

    @property
    def is_201(self) -> bool:
        return self.subprotocol != "ocpp1.6"


V16 = Version("ocpp1.6", "ocpp 1.6", OCPP_PACKAGE / "v16" / "schemas", "", "FormationViolation",
              "OccurenceConstraintViolation")
V201 = Version("ocpp2.0.1", "ocpp 2.0.1", OCPP_PACKAGE / "v201" / "schemas", "Request", "FormatViolation",
               "OccurrenceConstraintViolation")
# Experimental (CPMS_OCPP21): frames are checked against 2.1's schemas, but 2.1 stations are served by
# 2.0.1's handlers and commands, the messages 2.1 kept from 2.0.1; accepting the subprotocol with no
# handlers would admit a station whose every message, BootNotification first, is NotSupported.
V21 = Version("ocpp2.1", "ocpp 2.1", OCPP_PACKAGE / "v21" / "schemas", "Request", "FormatViolation",
              "OccurrenceConstraintViolation", served_as=V201.subprotocol)

BY_SUBPROTOCOL = {v.subprotocol: v for v in (V16, V201, V21)}
BY_LABEL = {v.label: v for v in (V16, V201, V21)}
