"""Initial schema: the tables of cpms/storage/tables/locations.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('locations',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=True),
    sa.Column('region', sa.String(length=255), nullable=True),
    sa.Column('city', sa.String(length=255), nullable=True),
    sa.Column('post_code', sa.String(length=32), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('roaming_operator_id', sa.Integer(), nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    info={'label': 'location'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locations_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_locations_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_locations_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_locations_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_locations_roaming_operator_id'), ['roaming_operator_id'], unique=False)
    op.create_table('charging_zones',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('location_id', cpms.storage.types.Id, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_charging_zones_location_id_locations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charging_zones')),
    info={'label': 'charging zone'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charging_zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charging_zones_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_charging_zones_location_id'), ['location_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('charging_zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charging_zones_location_id'))
        batch_op.drop_index(batch_op.f('ix_charging_zones_last_updated_at'))
    op.drop_table('charging_zones')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locations_roaming_operator_id'))
        batch_op.drop_index(batch_op.f('ix_locations_partner_id'))
        batch_op.drop_index(batch_op.f('ix_locations_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_locations_external_id'))
        batch_op.drop_index(batch_op.f('ix_locations_country'))
    op.drop_table('locations')
