"""Initial schema: the tables of cpms/storage/tables/catalog.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('charge_point_vendors',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge_point_vendors')),
    sa.UniqueConstraint('name', name=op.f('uq_charge_point_vendors_name')),
    info={'label': 'charge point vendor'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charge_point_vendors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charge_point_vendors_last_updated_at'), ['last_updated_at'], unique=False)
    op.create_table('charge_point_models',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('vendor_id', cpms.storage.types.Id, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['vendor_id'], ['charge_point_vendors.id'], name=op.f('fk_charge_point_models_vendor_id_charge_point_vendors'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge_point_models')),
    info={'label': 'charge point model'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charge_point_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charge_point_models_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_point_models_vendor_id'), ['vendor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('charge_point_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_point_models_vendor_id'))
        batch_op.drop_index(batch_op.f('ix_charge_point_models_last_updated_at'))
    op.drop_table('charge_point_models')
    with op.batch_alter_table('charge_point_vendors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_point_vendors_last_updated_at'))
    op.drop_table('charge_point_vendors')
