"""All tables, one module per domain; importing this package registers them on `metadata`."""

from cpms.storage.tables.base import metadata  # noqa: F401
from cpms.storage.tables import catalog, charge_points, core, locations, ocpp, users  # noqa: F401
from cpms.storage.tables import webhooks  # noqa: F401
from cpms.storage.tables import sessions  # noqa: F401
from cpms.storage.tables import configuration  # noqa: F401
from cpms.storage.tables import security  # noqa: F401

__all__ = ["metadata"]
