"""Notifications: the contract's webhook events, signed, durable and retried.

    domain change --Tx.emit--> events (outbox, same transaction)
        --fan-out--> webhook_deliveries (one row per event x notification x subscription)
        --lanes--> Transport (signed HTTP POST) --> receiver

See docs/WEBHOOKS.md for the design, the guarantees and the list of notifications.
"""
