"""Charge point vendors and models, served at both path families of the contract."""

from __future__ import annotations

from cpms.api.registry import registry
from cpms.resources.resource import Resource
from cpms.resources.store import Store
from cpms.storage.tables.catalog import charge_point_models, charge_point_vendors

VENDOR = Resource(name="charge point vendor", store=Store(charge_point_vendors))
MODEL = Resource(name="charge point model", store=Store(charge_point_models))

for family in ("charge-point-vendors", "cp-vendors"):
    registry.bind(VENDOR, f"/public-api/resources/{family}/v1.0")
for family in ("charge-point-models", "cp-models"):
    registry.bind(MODEL, f"/public-api/resources/{family}/v1.0")
