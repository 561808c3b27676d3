"""Domain services: plain functions on a transaction, knowing nothing of HTTP or OCPP framing."""
