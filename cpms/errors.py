"""The exception tree of the domain, shared by every boundary.

    CpmsError                       something the caller asked for cannot be done
    ├── NotFound                    an id that does not exist (HTTP 404)
    ├── Invalid                     input breaks a rule; carries {field: [messages]} (HTTP 422)
    ├── Conflict                    the state forbids it, e.g. deleting a used location (HTTP 409)
    ├── Forbidden                   the credentials may not do this (HTTP 403)
    ├── FeatureDisabled             this server does not offer the feature (HTTP 400)
    ├── NotImplementedYet           the contract has it, cpms does not yet (HTTP 501)
    └── ChargerUnavailable          the charger is offline or did not answer in time (HTTP 502/504)

Domain code raises these; the HTTP edge translates them once (cpms.api.responses), the OCPP edge
translates its own tree (cpms.ocpp.errors).
"""

from __future__ import annotations


class CpmsError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CpmsError):
    status = 404


class Invalid(CpmsError):
    status = 422

    def __init__(self, errors: dict[str, list[str]] | str, message: str | None = None) -> None:
        if isinstance(errors, str):
            errors = {"body": [errors]}
        self.errors = errors
        from cpms.contract.schema import summary_message

        super().__init__(message or summary_message(errors))

    @classmethod
    def field(cls, name: str, message: str) -> "Invalid":
        return cls({name: [message]})


class Conflict(CpmsError):
    status = 409


class Forbidden(CpmsError):
    status = 403


class Unauthenticated(CpmsError):
    status = 401

    def __init__(self, message: str = "Unauthenticated.") -> None:
        super().__init__(message)


class FeatureDisabled(CpmsError):
    status = 400


class NotImplementedYet(CpmsError):
    status = 501


class ChargerUnavailable(CpmsError):
    """The charger is not connected, or it did not answer within the configured timeout."""

    status = 502


class ChargerTimeout(ChargerUnavailable):
    status = 504
