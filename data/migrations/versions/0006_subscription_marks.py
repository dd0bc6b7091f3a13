"""subscriptions: why a recurring charge was marked, and a merchant's charges by time

recurring_exclusions.reason: "cancelled" (the forecast leaves it out, as before) or "not_subscription"
(the subscriptions page and its alerts leave it alone). ix_transactions_line_merchant_occurred: the
subscription alerts read a merchant's latest charges on every approved charge (LIMIT, newest first).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recurring_exclusions") as batch:
        batch.add_column(sa.Column("reason", sa.String(20), nullable=False, server_default="cancelled"))
    op.create_index("ix_transactions_line_merchant_occurred", "transactions", ["line_id", "merchant", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_transactions_line_merchant_occurred", table_name="transactions")
    with op.batch_alter_table("recurring_exclusions") as batch:
        batch.drop_column("reason")
