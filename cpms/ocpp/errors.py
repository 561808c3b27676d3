"""OCPP errors, each carrying its wire code, translated once into a CALLERROR.

    OcppError                      a CALLERROR to send back (code chosen per version)
    ├── NotImplementedAction       unknown action                       NotImplemented
    ├── NotSupportedAction         known action this server does not do NotSupported
    ├── FormationViolation         not a valid OCPP-J frame / PDU       FormationViolation (1.6) / FormatViolation (2.0.1)
    ├── OccurrenceViolation        a required field is missing           Occur(r)enceConstraintViolation
    ├── TypeViolation              a field of the wrong type             TypeConstraintViolation
    ├── PropertyViolation          a field with a value out of bounds   PropertyConstraintViolation
    ├── ProtocolViolation          incomplete frame                      ProtocolError
    ├── MessageTypeNotSupported    unknown message type id               MessageTypeNotSupported (2.0.1) / FormationViolation (1.6)
    ├── SecurityViolation          not allowed in this state             SecurityError
    └── InternalFailure            our fault                             InternalError
"""

from __future__ import annotations

from typing import Any

from cpms.ocpp.versions import Version


class OcppError(Exception):
    code = "GenericError"

    def __init__(self, description: str = "", details: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.details = details or {}

    def wire_code(self, version: Version) -> str:
        return self.code


class NotImplementedAction(OcppError):
    code = "NotImplemented"


class NotSupportedAction(OcppError):
    code = "NotSupported"


class FormationViolation(OcppError):
    def wire_code(self, version: Version) -> str:
        return version.formation_violation


class OccurrenceViolation(OcppError):
    def wire_code(self, version: Version) -> str:
        return version.occurrence_violation


class TypeViolation(OcppError):
    code = "TypeConstraintViolation"


class PropertyViolation(OcppError):
    code = "PropertyConstraintViolation"


class ProtocolViolation(OcppError):
    code = "ProtocolError"


class MessageTypeNotSupported(OcppError):
    def wire_code(self, version: Version) -> str:
        return "MessageTypeNotSupported" if version.is_201 else version.formation_violation


class SecurityViolation(OcppError):
    code = "SecurityError"


class InternalFailure(OcppError):
    code = "InternalError"


class CallError(Exception):
    """The charger answered our CALL with a CALLERROR."""

    def __init__(self, code: str, description: str, details: Any = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details
