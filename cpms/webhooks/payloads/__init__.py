"""The notification declarations, one module per domain; importing this package registers them all."""

from cpms.webhooks.payloads import chargers, network, sessions, users  # noqa: F401
