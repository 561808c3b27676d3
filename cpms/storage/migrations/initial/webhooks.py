"""Initial schema: the tables of cpms/storage/tables/webhooks.py. Generated: scripts/split_initial_migration.py."""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types  # noqa: F401


def upgrade() -> None:
    op.create_table('webhook_cursor',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('position', cpms.storage.types.Id, nullable=False),
    sa.Column('updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_webhook_cursor'))
    )
    op.create_table('webhook_subscriptions',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('callback_url', sa.String(length=500), nullable=True),
    sa.Column('notifications', cpms.storage.types.Json, nullable=False),
    sa.Column('token_id', cpms.storage.types.Id, nullable=True),
    sa.Column('signing_key', sa.Text(), nullable=True),
    sa.Column('since_event_id', cpms.storage.types.Id, nullable=False),
    sa.Column('position', cpms.storage.types.Id, nullable=True),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('claimed_until', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_error_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('attrs', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_webhook_subscriptions_token_id_api_tokens'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions')),
    info={'label': 'notification subscription'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_subscriptions_last_updated_at'), ['last_updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_subscriptions_token_id'), ['token_id'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('subscription_id', cpms.storage.types.Id, nullable=False),
    sa.Column('event_id', cpms.storage.types.Id, nullable=False),
    sa.Column('notification', sa.String(length=100), nullable=False),
    sa.Column('entity_key', sa.String(length=140), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('finished_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], name=op.f('fk_webhook_deliveries_subscription_id_webhook_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('subscription_id', 'event_id', 'notification', name=op.f('uq_webhook_deliveries_subscription_id_event_id_notification')),
    info={'label': 'notification delivery'},
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_chain', ['subscription_id', 'entity_key', 'status', 'event_id'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_finished', ['status', 'finished_at'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_queue', ['subscription_id', 'status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_queue')
        batch_op.drop_index('ix_webhook_deliveries_finished')
        batch_op.drop_index('ix_webhook_deliveries_chain')
    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_subscriptions_token_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_subscriptions_last_updated_at'))
    op.drop_table('webhook_subscriptions')
    op.drop_table('webhook_cursor')
