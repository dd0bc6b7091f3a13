"""accounts a thief cannot keep (issue #12): session lifetimes, token expiry, second factors

users: email confirmation, password change time, TOTP. Existing users count as confirmed (they
registered before confirmation existed). user_sessions: idle/absolute lifetime, device, last
second-factor entry; existing sessions get no expiry column value and are bounded by the idle rule.
api_tokens: expiry and revocation (existing tokens keep working until revoked). recovery_codes, passkeys.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from data.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_confirmed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("password_changed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET email_confirmed_at = created_at")
    with op.batch_alter_table("user_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("remember", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("ip", sa.String(45), nullable=True))
        batch.add_column(sa.Column("user_agent", sa.String(300), nullable=True))
        batch.add_column(sa.Column("second_factor_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE user_sessions SET last_seen_at = created_at")
    with op.batch_alter_table("user_sessions") as batch:
        batch.alter_column("last_seen_at", existing_type=UTCDateTime(), nullable=False)
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_at", UTCDateTime(), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("credential_id", sa.String(700), nullable=False, unique=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("transports", sa.String(200), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_passkeys_user_id", "passkeys", ["user_id"])


def downgrade() -> None:
    op.drop_table("passkeys")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
    with op.batch_alter_table("user_sessions") as batch:
        for column in ("second_factor_at", "user_agent", "ip", "remember", "expires_at", "last_seen_at"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        for column in ("totp_last_step", "totp_enabled_at", "totp_secret", "password_changed_at", "email_confirmed_at"):
            batch.drop_column(column)
