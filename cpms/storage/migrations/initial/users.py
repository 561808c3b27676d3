"""Initial schema: the tables of cpms/storage/tables/users.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('user_groups',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_groups')),
    info={'label': 'user group'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('user_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_groups_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_groups_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_groups_partner_id'), ['partner_id'], unique=False)
    op.create_table('users',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    info={'label': 'user'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_partner_id'), ['partner_id'], unique=False)
    op.create_table('payment_methods',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', cpms.storage.types.Id, nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('bank_transfer_type', sa.String(length=16), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payment_methods_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_methods')),
    sa.UniqueConstraint('user_id', 'type', 'bank_transfer_type', name=op.f('uq_payment_methods_user_id_type_bank_transfer_type')),
    info={'label': 'payment method'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('payment_methods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_methods_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_methods_user_id'), ['user_id'], unique=False)
    op.create_table('user_group_members',
    sa.Column('user_group_id', cpms.storage.types.Id, nullable=False),
    sa.Column('user_id', cpms.storage.types.Id, nullable=False),
    sa.ForeignKeyConstraint(['user_group_id'], ['user_groups.id'], name=op.f('fk_user_group_members_user_group_id_user_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_group_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_group_id', 'user_id', name=op.f('pk_user_group_members')),
    info={'label': 'user group membership'}
    )
    with op.batch_alter_table('user_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_group_members_user_id'), ['user_id'], unique=False)
    op.create_table('user_invoice_details',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('user_id', cpms.storage.types.Id, nullable=False),
    sa.Column('flavour', sa.String(length=16), nullable=False),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_invoice_details_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_invoice_details')),
    sa.UniqueConstraint('user_id', name=op.f('uq_user_invoice_details_user_id')),
    info={'label': 'invoice details'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('user_invoice_details', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_invoice_details_last_updated_at'), ['last_updated_at'], unique=False)
    op.create_table('id_tags',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('expire_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('user_id', cpms.storage.types.Id, nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('payment_method_id', cpms.storage.types.Id, nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['payment_method_id'], ['payment_methods.id'], name=op.f('fk_id_tags_payment_method_id_payment_methods'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_id_tags_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_id_tags')),
    sa.UniqueConstraint('uid', name=op.f('uq_id_tags_uid')),
    info={'label': 'id tag'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('id_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_id_tags_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_id_tags_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_id_tags_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_id_tags_payment_method_id'), ['payment_method_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_id_tags_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('id_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_id_tags_user_id'))
        batch_op.drop_index(batch_op.f('ix_id_tags_payment_method_id'))
        batch_op.drop_index(batch_op.f('ix_id_tags_partner_id'))
        batch_op.drop_index(batch_op.f('ix_id_tags_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_id_tags_external_id'))
    op.drop_table('id_tags')
    with op.batch_alter_table('user_invoice_details', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_invoice_details_last_updated_at'))
    op.drop_table('user_invoice_details')
    with op.batch_alter_table('user_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_group_members_user_id'))
    op.drop_table('user_group_members')
    with op.batch_alter_table('payment_methods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_methods_user_id'))
        batch_op.drop_index(batch_op.f('ix_payment_methods_last_updated_at'))
    op.drop_table('payment_methods')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_partner_id'))
        batch_op.drop_index(batch_op.f('ix_users_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_users_external_id'))
    op.drop_table('users')
    with op.batch_alter_table('user_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_groups_partner_id'))
        batch_op.drop_index(batch_op.f('ix_user_groups_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_user_groups_external_id'))
    op.drop_table('user_groups')
