"""message intake: per-line intake tokens, every forwarded text message with its outcome, sender templates

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from data.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("lines.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_intake_tokens_line_id", "intake_tokens", ["line_id"])
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("lines.id", ondelete="CASCADE"), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("sender", sa.String(40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("transaction_id", sa.Integer(), sa.ForeignKey("transactions.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("merchant", sa.String(200), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("line_id", "fingerprint", name="uq_inbound_messages_line_fingerprint"),
    )
    op.create_index("ix_inbound_messages_line_received", "inbound_messages", ["line_id", "received_at"])
    op.create_index("ix_inbound_messages_line_outcome", "inbound_messages", ["line_id", "outcome"])
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sender", sa.String(40), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("bucket", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_message_templates_user_sender", "message_templates", ["user_id", "sender"])
    op.create_index("ix_transactions_line_message_occurred", "transactions", ["line_id", "occurred_at"],
                    sqlite_where=sa.text("source = 'message'"), postgresql_where=sa.text("source = 'message'"))


def downgrade() -> None:
    op.drop_index("ix_transactions_line_message_occurred", table_name="transactions")
    op.drop_table("message_templates")
    op.drop_table("inbound_messages")
    op.drop_table("intake_tokens")
