"""Initial schema: the tables of cpms/storage/tables/ocpp.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('charger_reports',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('seq_no', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('data', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_charger_reports_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charger_reports')),
    info={'label': 'charger report'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charger_reports', schema=None) as batch_op:
        batch_op.create_index('ix_charger_reports_cp', ['charge_point_id', 'kind', 'request_id', 'id'], unique=False)
    op.create_table('data_transfers',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('vendor_id', sa.String(length=255), nullable=False),
    sa.Column('message_id', sa.String(length=50), nullable=True),
    sa.Column('data', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_data_transfers_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_transfers')),
    info={'label': 'data transfer'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('data_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_data_transfers_cp', ['charge_point_id', 'id'], unique=False)
    op.create_table('firmware_updates',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('location', sa.String(length=512), nullable=False),
    sa.Column('retrieve_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('signed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_firmware_updates_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firmware_updates')),
    info={'label': 'firmware update'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('firmware_updates', schema=None) as batch_op:
        batch_op.create_index('ix_firmware_updates_cp', ['charge_point_id', 'id'], unique=False)
    op.create_table('log_requests',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('log_type', sa.String(length=32), nullable=False),
    sa.Column('location', sa.String(length=512), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_log_requests_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_requests')),
    info={'label': 'log request'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('log_requests', schema=None) as batch_op:
        batch_op.create_index('ix_log_requests_cp', ['charge_point_id', 'log_type', 'id'], unique=False)
    op.create_table('network_status_logs',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_network_status_logs_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_status_logs')),
    info={'label': 'network status log'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('network_status_logs', schema=None) as batch_op:
        batch_op.create_index('ix_network_status_logs_cp', ['charge_point_id', 'id'], unique=False)
    op.create_table('hardware_status_logs',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('evse_id', cpms.storage.types.Id, nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('connector', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=False),
    sa.Column('info', sa.String(length=255), nullable=True),
    sa.Column('vendor_id', sa.String(length=255), nullable=True),
    sa.Column('vendor_error_code', sa.String(length=255), nullable=True),
    sa.Column('timestamp', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_hardware_status_logs_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evse_id'], ['evses.id'], name=op.f('fk_hardware_status_logs_evse_id_evses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hardware_status_logs')),
    info={'label': 'hardware status log'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('hardware_status_logs', schema=None) as batch_op:
        batch_op.create_index('ix_hardware_status_logs_cp', ['charge_point_id', 'unit', 'id'], unique=False)
        batch_op.create_index('ix_hardware_status_logs_evse', ['evse_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('hardware_status_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_hardware_status_logs_evse')
        batch_op.drop_index('ix_hardware_status_logs_cp')
    op.drop_table('hardware_status_logs')
    with op.batch_alter_table('network_status_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_network_status_logs_cp')
    op.drop_table('network_status_logs')
    with op.batch_alter_table('log_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_log_requests_cp')
    op.drop_table('log_requests')
    with op.batch_alter_table('firmware_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_firmware_updates_cp')
    op.drop_table('firmware_updates')
    with op.batch_alter_table('data_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_data_transfers_cp')
    op.drop_table('data_transfers')
    with op.batch_alter_table('charger_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_charger_reports_cp')
    op.drop_table('charger_reports')
