"""OCPP 1.6J: translation of charger messages into domain calls, by functional block."""
