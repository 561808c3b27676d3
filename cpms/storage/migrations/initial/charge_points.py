"""Initial schema: the tables of cpms/storage/tables/charge_points.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('charge_points',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('location_id', cpms.storage.types.Id, nullable=True),
    sa.Column('charging_zone_id', cpms.storage.types.Id, nullable=True),
    sa.Column('model_id', cpms.storage.types.Id, nullable=True),
    sa.Column('user_id', cpms.storage.types.Id, nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('network_id', sa.String(length=255), nullable=True),
    sa.Column('network_protocol', sa.String(length=32), nullable=True),
    sa.Column('network_password_hash', sa.String(length=255), nullable=True),
    sa.Column('managed_by_operator', sa.Boolean(), nullable=False),
    sa.Column('sharing_code', sa.String(length=64), nullable=True),
    sa.Column('network_status', sa.String(length=32), nullable=False),
    sa.Column('hardware_status', sa.String(length=32), nullable=True),
    sa.Column('vendor_error_code', sa.String(length=255), nullable=True),
    sa.Column('last_boot_notification', cpms.storage.types.Json, nullable=True),
    sa.Column('first_contact_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('security_profile', sa.Integer(), nullable=False),
    sa.Column('roaming_operator_id', sa.Integer(), nullable=True),
    sa.Column('desired_security_profile', sa.Integer(), nullable=True),
    sa.Column('desired_security_profile_status', sa.String(length=16), nullable=True),
    sa.Column('utility_id', sa.Integer(), nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charging_zone_id'], ['charging_zones.id'], name=op.f('fk_charge_points_charging_zone_id_charging_zones'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_charge_points_location_id_locations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['model_id'], ['charge_point_models.id'], name=op.f('fk_charge_points_model_id_charge_point_models'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_charge_points_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge_points')),
    sa.UniqueConstraint('network_id', name=op.f('uq_charge_points_network_id')),
    info={'label': 'charge point'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charge_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charge_points_charging_zone_id'), ['charging_zone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_desired_security_profile_status'), ['desired_security_profile_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_model_id'), ['model_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_roaming_operator_id'), ['roaming_operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_sharing_code'), ['sharing_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_type'), ['type'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_points_utility_id'), ['utility_id'], unique=False)
    op.create_table('charge_point_shared_partners',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_charge_point_shared_partners_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge_point_shared_partners')),
    sa.UniqueConstraint('charge_point_id', 'partner_id', name=op.f('uq_charge_point_shared_partners_charge_point_id_partner_id')),
    info={'label': 'shared partner'},
    sqlite_autoincrement=True
    )
    op.create_table('charge_point_shares',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('user_id', cpms.storage.types.Id, nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_charge_point_shares_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_charge_point_shares_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge_point_shares')),
    sa.UniqueConstraint('charge_point_id', 'user_id', name=op.f('uq_charge_point_shares_charge_point_id_user_id')),
    info={'label': 'charge point share'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charge_point_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charge_point_shares_charge_point_id'), ['charge_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_point_shares_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_point_shares_user_id'), ['user_id'], unique=False)
    op.create_table('evses',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('network_id', sa.String(length=64), nullable=False),
    sa.Column('physical_reference', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('current_type', sa.String(length=8), nullable=True),
    sa.Column('hardware_status', sa.String(length=32), nullable=True),
    sa.Column('tariff_group_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('roaming_operator_id', sa.Integer(), nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_evses_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evses')),
    sa.UniqueConstraint('charge_point_id', 'network_id', name=op.f('uq_evses_charge_point_id_network_id')),
    info={'label': 'EVSE'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('evses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evses_charge_point_id'), ['charge_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evses_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evses_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_evses_physical_reference'), ['physical_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_evses_roaming_operator_id'), ['roaming_operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evses_tariff_group_id'), ['tariff_group_id'], unique=False)
    op.create_table('connectors',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('evse_id', cpms.storage.types.Id, nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evse_id'], ['evses.id'], name=op.f('fk_connectors_evse_id_evses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connectors')),
    sa.UniqueConstraint('evse_id', 'number', name=op.f('uq_connectors_evse_id_number')),
    info={'label': 'connector'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connectors_evse_id'), ['evse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_connectors_last_updated_at'), ['last_updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connectors_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_connectors_evse_id'))
    op.drop_table('connectors')
    with op.batch_alter_table('evses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evses_tariff_group_id'))
        batch_op.drop_index(batch_op.f('ix_evses_roaming_operator_id'))
        batch_op.drop_index(batch_op.f('ix_evses_physical_reference'))
        batch_op.drop_index(batch_op.f('ix_evses_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_evses_external_id'))
        batch_op.drop_index(batch_op.f('ix_evses_charge_point_id'))
    op.drop_table('evses')
    with op.batch_alter_table('charge_point_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_point_shares_user_id'))
        batch_op.drop_index(batch_op.f('ix_charge_point_shares_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_charge_point_shares_charge_point_id'))
    op.drop_table('charge_point_shares')
    op.drop_table('charge_point_shared_partners')
    with op.batch_alter_table('charge_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_points_utility_id'))
        batch_op.drop_index(batch_op.f('ix_charge_points_user_id'))
        batch_op.drop_index(batch_op.f('ix_charge_points_type'))
        batch_op.drop_index(batch_op.f('ix_charge_points_sharing_code'))
        batch_op.drop_index(batch_op.f('ix_charge_points_roaming_operator_id'))
        batch_op.drop_index(batch_op.f('ix_charge_points_partner_id'))
        batch_op.drop_index(batch_op.f('ix_charge_points_model_id'))
        batch_op.drop_index(batch_op.f('ix_charge_points_location_id'))
        batch_op.drop_index(batch_op.f('ix_charge_points_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_charge_points_external_id'))
        batch_op.drop_index(batch_op.f('ix_charge_points_desired_security_profile_status'))
        batch_op.drop_index(batch_op.f('ix_charge_points_charging_zone_id'))
    op.drop_table('charge_points')
