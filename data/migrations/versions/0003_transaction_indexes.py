"""transaction indexes for the overview sums, grid sorting and category rules

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_index("ix_transactions_line_month")
        batch.create_index("ix_transactions_line_month_cover", ["line_id", "usage_month", "bucket", "status", "amount",
                                                                "refund", "cancels_id", "category", "occurred_at"])
        batch.create_index("ix_transactions_line_amount", ["line_id", "amount"])
        batch.create_index("ix_transactions_line_merchant", ["line_id", "merchant"])
        batch.create_index("ix_transactions_line_category", ["line_id", "category", "occurred_at"])
        batch.create_index("ix_transactions_line_merchant_key", ["line_id", "merchant_key"])


def downgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        for name in ("ix_transactions_line_merchant_key", "ix_transactions_line_category",
                     "ix_transactions_line_merchant", "ix_transactions_line_amount", "ix_transactions_line_month_cover"):
            batch.drop_index(name)
        batch.create_index("ix_transactions_line_month", ["line_id", "usage_month", "bucket", "status"])
