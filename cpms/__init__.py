"""cpms: a Charge Point Management System (OCPP 1.6J/2.0.1 gateway and the Public API)."""

__version__ = "0.1.0"
