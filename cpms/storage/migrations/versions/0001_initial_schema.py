"""initial schema

Revision ID: 0001
Revises: 
"""

from cpms.storage.migrations.initial import (
    core,
    catalog,
    locations,
    users,
    webhooks,
    charge_points,
    security,
    ocpp,
    configuration,
    sessions,
)

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    core.upgrade()
    catalog.upgrade()
    locations.upgrade()
    users.upgrade()
    webhooks.upgrade()
    charge_points.upgrade()
    security.upgrade()
    ocpp.upgrade()
    configuration.upgrade()
    sessions.upgrade()


def downgrade() -> None:
    sessions.downgrade()
    ocpp.downgrade()
    configuration.downgrade()
    charge_points.downgrade()
    security.downgrade()
    webhooks.downgrade()
    users.downgrade()
    locations.downgrade()
    catalog.downgrade()
    core.downgrade()
