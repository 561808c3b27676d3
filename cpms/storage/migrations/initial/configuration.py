"""Initial schema: the tables of cpms/storage/tables/configuration.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('configuration_requests',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('requested_keys', cpms.storage.types.Json, nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=255), nullable=True),
    sa.Column('parts', cpms.storage.types.Json, nullable=True),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('completed_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_configuration_requests_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_configuration_requests')),
    info={'label': 'configuration request'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('configuration_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_configuration_requests_charge_point_id'), ['charge_point_id'], unique=False)
    op.create_table('device_events',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('timestamp', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('notification_type', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('component_name', sa.String(length=50), nullable=False),
    sa.Column('variable_name', sa.String(length=50), nullable=False),
    sa.Column('actual_value', sa.Text(), nullable=True),
    sa.Column('cleared', sa.Boolean(), nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_device_events_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_events')),
    sa.UniqueConstraint('charge_point_id', 'event_id', 'timestamp', name=op.f('uq_device_events_charge_point_id_event_id_timestamp')),
    info={'label': 'device event'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('device_events', schema=None) as batch_op:
        batch_op.create_index('ix_device_events_cp', ['charge_point_id', 'id'], unique=False)
    op.create_table('local_auth_lists',
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('entries', cpms.storage.types.Json, nullable=True),
    sa.Column('updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_local_auth_lists_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('charge_point_id', name=op.f('pk_local_auth_lists')),
    info={'label': 'local authorization list'}
    )
    op.create_table('charging_profiles',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('evse_id', cpms.storage.types.Id, nullable=True),
    sa.Column('evse_network_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('stack_level', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('transaction_id', sa.String(length=64), nullable=True),
    sa.Column('valid_from', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('valid_to', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('applied_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('profile', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_charging_profiles_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evse_id'], ['evses.id'], name=op.f('fk_charging_profiles_evse_id_evses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charging_profiles')),
    info={'label': 'charging profile'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charging_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_charging_profiles_cp', ['charge_point_id', 'evse_network_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_charging_profiles_evse_id'), ['evse_id'], unique=False)
    op.create_table('configuration_variables',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('component_name', sa.String(length=50), nullable=True),
    sa.Column('component_instance', sa.String(length=50), nullable=True),
    sa.Column('evse_id', sa.Integer(), nullable=True),
    sa.Column('connector_id', sa.Integer(), nullable=True),
    sa.Column('variable_name', sa.String(length=50), nullable=False),
    sa.Column('variable_instance', sa.String(length=50), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('readonly', sa.Boolean(), nullable=False),
    sa.Column('timestamp', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('request_id', cpms.storage.types.Id, nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_configuration_variables_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['configuration_requests.id'], name=op.f('fk_configuration_variables_request_id_configuration_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_configuration_variables')),
    sa.UniqueConstraint('charge_point_id', 'address', name=op.f('uq_configuration_variables_charge_point_id_address')),
    info={'label': 'configuration key'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('configuration_variables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_configuration_variables_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index('ix_configuration_variables_name', ['charge_point_id', 'variable_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_configuration_variables_request_id'), ['request_id'], unique=False)
    op.create_table('ev_charging_needs',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('evse_id', cpms.storage.types.Id, nullable=False),
    sa.Column('requested_energy_transfer', sa.String(length=32), nullable=True),
    sa.Column('departure_time', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('needs', cpms.storage.types.Json, nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('ev_schedule', cpms.storage.types.Json, nullable=True),
    sa.Column('ev_schedule_status', sa.String(length=16), nullable=True),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_ev_charging_needs_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evse_id'], ['evses.id'], name=op.f('fk_ev_charging_needs_evse_id_evses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_charging_needs')),
    sa.UniqueConstraint('charge_point_id', 'evse_id', name=op.f('uq_ev_charging_needs_charge_point_id_evse_id')),
    info={'label': 'EV charging needs'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('ev_charging_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_charging_needs_evse_id'), ['evse_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ev_charging_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_charging_needs_evse_id'))
    op.drop_table('ev_charging_needs')
    with op.batch_alter_table('configuration_variables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_configuration_variables_request_id'))
        batch_op.drop_index('ix_configuration_variables_name')
        batch_op.drop_index(batch_op.f('ix_configuration_variables_last_updated_at'))
    op.drop_table('configuration_variables')
    with op.batch_alter_table('charging_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charging_profiles_evse_id'))
        batch_op.drop_index('ix_charging_profiles_cp')
    op.drop_table('charging_profiles')
    op.drop_table('local_auth_lists')
    with op.batch_alter_table('device_events', schema=None) as batch_op:
        batch_op.drop_index('ix_device_events_cp')
    op.drop_table('device_events')
    with op.batch_alter_table('configuration_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_configuration_requests_charge_point_id'))
    op.drop_table('configuration_requests')
