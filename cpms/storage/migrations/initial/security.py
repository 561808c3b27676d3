"""Initial schema: the tables of cpms/storage/tables/security.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('charger_certificates',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('serial_number', sa.String(length=40), nullable=False),
    sa.Column('certificate', sa.Text(), nullable=False),
    sa.Column('key_type', sa.String(length=16), nullable=False),
    sa.Column('certificate_type', sa.String(length=32), nullable=False),
    sa.Column('not_after', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_charger_certificates_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charger_certificates')),
    sa.UniqueConstraint('serial_number', name=op.f('uq_charger_certificates_serial_number')),
    info={'label': 'charger certificate'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('charger_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charger_certificates_charge_point_id'), ['charge_point_id'], unique=False)
    op.create_table('installed_certificates',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('certificate_type', sa.String(length=40), nullable=False),
    sa.Column('hash_algorithm', sa.String(length=8), nullable=False),
    sa.Column('issuer_name_hash', sa.String(length=128), nullable=False),
    sa.Column('issuer_key_hash', sa.String(length=128), nullable=False),
    sa.Column('serial_number', sa.String(length=40), nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_installed_certificates_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installed_certificates')),
    sa.UniqueConstraint('charge_point_id', 'hash_algorithm', 'issuer_name_hash', 'issuer_key_hash', 'serial_number', name=op.f('uq_installed_certificates_charge_point_id_hash_algorithm_issuer_name_hash_issuer_key_hash_serial_number')),
    info={'label': 'installed certificate'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('installed_certificates', schema=None) as batch_op:
        batch_op.create_index('ix_installed_certificates_cp', ['charge_point_id', 'certificate_type'], unique=False)
    op.create_table('security_events',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('type', sa.String(length=50), nullable=False),
    sa.Column('tech_info', sa.String(length=255), nullable=True),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('timestamp', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_security_events_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events')),
    info={'label': 'security event'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.create_index('ix_security_events_cp', ['charge_point_id', 'timestamp'], unique=False)
        batch_op.create_index('ix_security_events_critical', ['critical', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_index('ix_security_events_critical')
        batch_op.drop_index('ix_security_events_cp')
    op.drop_table('security_events')
    with op.batch_alter_table('installed_certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_installed_certificates_cp')
    op.drop_table('installed_certificates')
    with op.batch_alter_table('charger_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charger_certificates_charge_point_id'))
    op.drop_table('charger_certificates')
