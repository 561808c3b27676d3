"""The notification declarations, one module per domain; importing this package registers them all."""

from cpms.webhooks.payloads import network, users  # noqa: F401
