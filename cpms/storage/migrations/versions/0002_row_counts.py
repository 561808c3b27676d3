"""row counts of the tables listed page-style (meta.total without a scan)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from cpms.storage import row_counts

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# the tables of the Public API's page-style listings (a test checks that none is missing)
COUNTED = ("charge_point_vendors", "charge_point_models", "charge_points", "evses", "locations", "user_groups",
           "users", "id_tags", "sessions", "authorizations", "reservations")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in COUNTED:
        for statement in row_counts.install(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in COUNTED:
        for statement in row_counts.uninstall(dialect, table):
            op.execute(statement)
