"""OCPP 2.0.1: the same domain as 1.6, reached through 2.0.1's messages, by functional block."""
