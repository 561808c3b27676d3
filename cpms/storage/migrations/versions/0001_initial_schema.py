"""initial schema

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa
import cpms.storage.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.Column('last_used_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.Column('revoked_at', cpms.storage.types.UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    sqlite_autoincrement=True
    )
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

    op.create_table('events',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('entity', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('data', cpms.storage.types.Json, nullable=False),
    sa.Column('created_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_entity', ['entity', 'entity_id'], unique=False)

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

    op.create_table('webhook_cursor',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('position', cpms.storage.types.Id, nullable=False),
    sa.Column('updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_webhook_cursor'))
    )
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

    op.create_table('webhook_subscriptions',
    sa.Column('id', cpms.storage.types.Id, autoincrement=True, nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('callback_url', sa.String(length=500), nullable=True),
    sa.Column('notifications', cpms.storage.types.Json, nullable=False),
    sa.Column('token_id', cpms.storage.types.Id, nullable=True),
    sa.Column('signing_key', sa.Text(), nullable=True),
    sa.Column('since_event_id', cpms.storage.types.Id, nullable=False),
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

    op.create_table('local_auth_lists',
    sa.Column('charge_point_id', cpms.storage.types.Id, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('entries', cpms.storage.types.Json, nullable=True),
    sa.Column('updated_at', cpms.storage.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], name=op.f('fk_local_auth_lists_charge_point_id_charge_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('charge_point_id', name=op.f('pk_local_auth_lists')),
    info={'label': 'local authorization list'}
    )
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
        batch_op.create_index(batch_op.f('ix_sessions_last_updated_at'), ['last_updated_at'], unique=False)
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
        batch_op.create_index('ix_meter_values_charger', ['charge_point_id', 'evse_network_id', 'timestamp'], unique=False)
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
        batch_op.drop_index('ix_meter_values_charger')

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
        batch_op.drop_index(batch_op.f('ix_sessions_last_updated_at'))
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
    with op.batch_alter_table('hardware_status_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_hardware_status_logs_evse')
        batch_op.drop_index('ix_hardware_status_logs_cp')

    op.drop_table('hardware_status_logs')
    with op.batch_alter_table('ev_charging_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_charging_needs_evse_id'))

    op.drop_table('ev_charging_needs')
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connectors_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_connectors_evse_id'))

    op.drop_table('connectors')
    with op.batch_alter_table('configuration_variables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_configuration_variables_request_id'))
        batch_op.drop_index('ix_configuration_variables_name')
        batch_op.drop_index(batch_op.f('ix_configuration_variables_last_updated_at'))

    op.drop_table('configuration_variables')
    with op.batch_alter_table('charging_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charging_profiles_evse_id'))
        batch_op.drop_index('ix_charging_profiles_cp')

    op.drop_table('charging_profiles')
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
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_index('ix_security_events_critical')
        batch_op.drop_index('ix_security_events_cp')

    op.drop_table('security_events')
    with op.batch_alter_table('network_status_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_network_status_logs_cp')

    op.drop_table('network_status_logs')
    with op.batch_alter_table('log_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_log_requests_cp')

    op.drop_table('log_requests')
    op.drop_table('local_auth_lists')
    with op.batch_alter_table('installed_certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_installed_certificates_cp')

    op.drop_table('installed_certificates')
    with op.batch_alter_table('firmware_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_firmware_updates_cp')

    op.drop_table('firmware_updates')
    with op.batch_alter_table('evses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evses_tariff_group_id'))
        batch_op.drop_index(batch_op.f('ix_evses_roaming_operator_id'))
        batch_op.drop_index(batch_op.f('ix_evses_physical_reference'))
        batch_op.drop_index(batch_op.f('ix_evses_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_evses_external_id'))
        batch_op.drop_index(batch_op.f('ix_evses_charge_point_id'))

    op.drop_table('evses')
    with op.batch_alter_table('device_events', schema=None) as batch_op:
        batch_op.drop_index('ix_device_events_cp')

    op.drop_table('device_events')
    with op.batch_alter_table('data_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_data_transfers_cp')

    op.drop_table('data_transfers')
    with op.batch_alter_table('configuration_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_configuration_requests_charge_point_id'))

    op.drop_table('configuration_requests')
    with op.batch_alter_table('charger_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_charger_reports_cp')

    op.drop_table('charger_reports')
    with op.batch_alter_table('charger_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charger_certificates_charge_point_id'))

    op.drop_table('charger_certificates')
    with op.batch_alter_table('charge_point_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_point_shares_user_id'))
        batch_op.drop_index(batch_op.f('ix_charge_point_shares_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_charge_point_shares_charge_point_id'))

    op.drop_table('charge_point_shares')
    op.drop_table('charge_point_shared_partners')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_queue')
        batch_op.drop_index('ix_webhook_deliveries_finished')
        batch_op.drop_index('ix_webhook_deliveries_chain')

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('id_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_id_tags_user_id'))
        batch_op.drop_index(batch_op.f('ix_id_tags_payment_method_id'))
        batch_op.drop_index(batch_op.f('ix_id_tags_partner_id'))
        batch_op.drop_index(batch_op.f('ix_id_tags_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_id_tags_external_id'))

    op.drop_table('id_tags')
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
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_subscriptions_token_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_subscriptions_last_updated_at'))

    op.drop_table('webhook_subscriptions')
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
    with op.batch_alter_table('charging_zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charging_zones_location_id'))
        batch_op.drop_index(batch_op.f('ix_charging_zones_last_updated_at'))

    op.drop_table('charging_zones')
    with op.batch_alter_table('charge_point_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_point_models_vendor_id'))
        batch_op.drop_index(batch_op.f('ix_charge_point_models_last_updated_at'))

    op.drop_table('charge_point_models')
    op.drop_table('webhook_cursor')
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
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locations_roaming_operator_id'))
        batch_op.drop_index(batch_op.f('ix_locations_partner_id'))
        batch_op.drop_index(batch_op.f('ix_locations_last_updated_at'))
        batch_op.drop_index(batch_op.f('ix_locations_external_id'))
        batch_op.drop_index(batch_op.f('ix_locations_country'))

    op.drop_table('locations')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_entity')

    op.drop_table('events')
    with op.batch_alter_table('charge_point_vendors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_point_vendors_last_updated_at'))

    op.drop_table('charge_point_vendors')
    op.drop_table('api_tokens')
