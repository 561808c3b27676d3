"""Every module that registers operations, imported once so the registry is complete."""

from __future__ import annotations

import importlib

from cpms.api.registry import Registry, registry

MODULES: tuple[str, ...] = (
    "cpms.api.actions.charge_point",
    "cpms.api.actions.maintenance",
    "cpms.api.actions.security",
    "cpms.api.actions.configuration",
    "cpms.api.actions.remote",
    "cpms.api.actions.smart_charging",
    "cpms.resources.configurations",
    "cpms.resources.catalog",
    "cpms.resources.charge_point_shares",
    "cpms.resources.charge_points",
    "cpms.resources.charge_points_v1",
    "cpms.resources.connectors",
    "cpms.resources.evses",
    "cpms.resources.evses_v20",
    "cpms.resources.locations",
    "cpms.resources.user_groups",
    "cpms.resources.users",
    "cpms.resources.users_payment_methods",
    "cpms.resources.users_invoice_details",
    "cpms.resources.id_tags",
    "cpms.resources.status_logs",
    "cpms.resources.security_events",
    "cpms.webhooks.subscriptions",
    "cpms.api.actions.sessions",
    "cpms.api.actions.reservations",
    "cpms.resources.sessions",
    "cpms.resources.authorizations",
    "cpms.resources.reservations",
)


def load() -> Registry:
    for name in MODULES:
        importlib.import_module(name)
    return registry
