"""Initial schema: the tables of cpms/storage/tables/sessions.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('authorizations',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rejection_reason', sa.String(length=32), nullable=True),
    sa.Column('ocpp_status', sa.String(length=16), nullable=False),
    sa.Column('user_id', cpms.storage.types.Id, nullable=True),
    sa.Column('id_tag_uid', sa.String(length=255), nullable=True),
    sa.Column('id_tag_key', sa.String(length=255), nullable=True),
    sa.Column('id_tag_id', cpms.storage.types.Id, nullable=True),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=True),
    sa.Column('evse_id', cpms.storage.types.Id, nullable=True),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_authorizations_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evse_id'], ['evses.id'], name=op.f('fk_authorizations_evse_id_evses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['id_tag_id'], ['id_tags.id'], name=op.f('fk_authorizations_id_tag_id_id_tags'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_authorizations_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorizations')),
    info={'label': 'authorization'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('authorizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorizations_charge_point_id'), ['charge_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizations_evse_id'), ['evse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizations_id_tag_id'), ['id_tag_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizations_id_tag_key'), ['id_tag_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizations_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizations_method'), ['method'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizations_user_id'), ['user_id'], unique=False)
    op.create_table('sessions',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('evse_id', cpms.storage.types.Id, nullable=True),
    sa.Column('connector_id', cpms.storage.types.Id, nullable=True),
    sa.Column('evse_network_id', sa.String(length=64), nullable=True),
    sa.Column('transaction_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=48), nullable=True),
    sa.Column('user_id', cpms.storage.types.Id, nullable=True),
    sa.Column('authorization_id', cpms.storage.types.Id, nullable=True),
    sa.Column('id_tag', sa.String(length=255), nullable=True),
    sa.Column('id_tag_key', sa.String(length=255), nullable=True),
    sa.Column('id_tag_label', sa.String(length=255), nullable=True),
    sa.Column('start_id_tag_status', sa.String(length=16), nullable=True),
    sa.Column('started_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('stopped_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('meter_start', sa.Float(), nullable=True),
    sa.Column('meter_stop', sa.Float(), nullable=True),
    sa.Column('last_register', sa.Float(), nullable=True),
    sa.Column('last_reading_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('energy', sa.Float(), nullable=False),
    sa.Column('power_latest', sa.Float(), nullable=True),
    sa.Column('power_peak', sa.Float(), nullable=True),
    sa.Column('power_average', sa.Float(), nullable=True),
    sa.Column('soc_percent', sa.Float(), nullable=True),
    sa.Column('evse_physical_reference', sa.String(length=255), nullable=True),
    sa.Column('anomaly', sa.String(length=32), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('payment_type', sa.String(length=32), nullable=True),
    sa.Column('payment_method_id', sa.String(length=64), nullable=True),
    sa.Column('payment_status', sa.String(length=16), nullable=True),
    sa.Column('payment_status_updated_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('billing_status', sa.String(length=16), nullable=True),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('terminal_id', sa.Integer(), nullable=True),
    sa.Column('tax_id', sa.Integer(), nullable=True),
    sa.Column('sub_operator_id', sa.Integer(), nullable=True),
    sa.Column('roaming_operator_cpo_id', sa.Integer(), nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['authorization_id'], ['authorizations.id'], name=op.f('fk_sessions_authorization_id_authorizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_sessions_charge_point_id_charge_points'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['connector_id'], ['connectors.id'], name=op.f('fk_sessions_connector_id_connectors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evse_id'], ['evses.id'], name=op.f('fk_sessions_evse_id_evses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sessions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    info={'label': 'session'},
    postgresql_with={'fillfactor': 80},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_anomaly'), ['anomaly'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_authorization_id'), ['authorization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_billing_status'), ['billing_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_charge_point_id'), ['charge_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_connector_id'), ['connector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_evse_id'), ['evse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_evse_physical_reference'), ['evse_physical_reference'], unique=False)
        batch_op.create_index('ix_sessions_evse_status', ['evse_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_id_tag_key'), ['id_tag_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_payment_status'), ['payment_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_payment_status_updated_at'), ['payment_status_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_payment_type'), ['payment_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_reason'), ['reason'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_receipt_id'), ['receipt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_roaming_operator_cpo_id'), ['roaming_operator_cpo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_stopped_at'), ['stopped_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_sub_operator_id'), ['sub_operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_tax_id'), ['tax_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_terminal_id'), ['terminal_id'], unique=False)
        batch_op.create_index('ix_sessions_transaction', ['charge_point_id', 'transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_user_id'), ['user_id'], unique=False)
    op.create_table('charging_periods',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('session_id', cpms.storage.types.Id, nullable=False),
    sa.Column('started_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('stopped_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('energy_start', sa.Float(), nullable=True),
    sa.Column('energy', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('charging_state', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_charging_periods_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charging_periods')),
    info={'label': 'charging period'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charging_periods', schema=None) as batch_op:
        batch_op.create_index('ix_charging_periods_session', ['session_id', 'id'], unique=False)
    op.create_table('meter_values',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('session_id', cpms.storage.types.Id, nullable=True),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('evse_id', cpms.storage.types.Id, nullable=True),
    sa.Column('evse_network_id', sa.String(length=64), nullable=True),
    sa.Column('timestamp', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('context', sa.String(length=32), nullable=True),
    sa.Column('energy', sa.Float(), nullable=True),
    sa.Column('power', sa.Float(), nullable=True),
    sa.Column('soc', sa.Float(), nullable=True),
    sa.Column('current', sa.Float(), nullable=True),
    sa.Column('voltage', sa.Float(), nullable=True),
    sa.Column('samples', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('reading_key', sa.String(length=140), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_meter_values_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evse_id'], ['evses.id'], name=op.f('fk_meter_values_evse_id_evses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_meter_values_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_values')),
    sa.UniqueConstraint('charge_point_id', 'reading_key', 'timestamp', name='uq_meter_values_reading'),
    info={'label': 'meter value'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('meter_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_values_evse_id'), ['evse_id'], unique=False)
        batch_op.create_index('ix_meter_values_session', ['session_id', 'timestamp'], unique=False)
    op.create_table('reservations',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('evse_id', cpms.storage.types.Id, nullable=True),
    sa.Column('evse_network_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', cpms.storage.types.Id, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reserved_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('expires_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('duration', sa.Integer(), nullable=False),
    sa.Column('canceled_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('id_tag', sa.String(length=255), nullable=False),
    sa.Column('parent_id_tag', sa.String(length=255), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('session_id', cpms.storage.types.Id, nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_reservations_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evse_id'], ['evses.id'], name=op.f('fk_reservations_evse_id_evses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_reservations_session_id_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reservations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations')),
    info={'label': 'reservation'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservations_charge_point_id'), ['charge_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_evse_id'), ['evse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_reserved_at'), ['reserved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservations_user_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_status'))
        batch_op.drop_index(batch_op.f('ix_reservations_session_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_reserved_at'))
        batch_op.drop_index(batch_op.f('ix_reservations_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_reservations_expires_at'))
        batch_op.drop_index(batch_op.f('ix_reservations_evse_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_charge_point_id'))
    op.drop_table('reservations')
    with op.batch_alter_table('meter_values', schema=None) as batch_op:
        batch_op.drop_index('ix_meter_values_session')
        batch_op.drop_index(batch_op.f('ix_meter_values_evse_id'))
    op.drop_table('meter_values')
    with op.batch_alter_table('charging_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_charging_periods_session')
    op.drop_table('charging_periods')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_user_id'))
        batch_op.drop_index('ix_sessions_transaction')
        batch_op.drop_index(batch_op.f('ix_sessions_terminal_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_tax_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_sub_operator_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_stopped_at'))
        batch_op.drop_index(batch_op.f('ix_sessions_status'))
        batch_op.drop_index(batch_op.f('ix_sessions_started_at'))
        batch_op.drop_index(batch_op.f('ix_sessions_roaming_operator_cpo_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_receipt_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_reason'))
        batch_op.drop_index(batch_op.f('ix_sessions_payment_type'))
        batch_op.drop_index(batch_op.f('ix_sessions_payment_status_updated_at'))
        batch_op.drop_index(batch_op.f('ix_sessions_payment_status'))
        batch_op.drop_index(batch_op.f('ix_sessions_id_tag_key'))
        batch_op.drop_index('ix_sessions_evse_status')
        batch_op.drop_index(batch_op.f('ix_sessions_evse_physical_reference'))
        batch_op.drop_index(batch_op.f('ix_sessions_evse_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_connector_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_charge_point_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_booking_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_billing_status'))
        batch_op.drop_index(batch_op.f('ix_sessions_authorization_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_anomaly'))
    op.drop_table('sessions')
    with op.batch_alter_table('authorizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorizations_user_id'))
        batch_op.drop_index(batch_op.f('ix_authorizations_status'))
        batch_op.drop_index(batch_op.f('ix_authorizations_method'))
        batch_op.drop_index(batch_op.f('ix_authorizations_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_authorizations_id_tag_key'))
        batch_op.drop_index(batch_op.f('ix_authorizations_id_tag_id'))
        batch_op.drop_index(batch_op.f('ix_authorizations_evse_id'))
        batch_op.drop_index(batch_op.f('ix_authorizations_charge_point_id'))
    op.drop_table('authorizations')
