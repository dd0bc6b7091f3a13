"""family lines (issue #14): members of a line (guardian | viewer) and e-mail invitations; alerts become
per recipient (the owner and each guardian get their own row, read state and mail), and so are block links.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from data.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "line_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("lines.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("line_id", "user_id", name="uq_line_members_line_user"),
    )
    op.create_index("ix_line_members_user_id", "line_members", ["user_id"])
    op.create_table(
        "line_invitations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("lines.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("invited_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_line_invitations_line_id", "line_invitations", ["line_id"])
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("uq_alerts_line_rule", type_="unique")
        batch.create_unique_constraint("uq_alerts_line_rule", ["line_id", "rule_key", "user_id"])
    with op.batch_alter_table("block_links") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_block_links_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE")
    op.execute("UPDATE block_links SET user_id = (SELECT lines.user_id FROM lines WHERE lines.id = block_links.line_id)")


def downgrade() -> None:
    with op.batch_alter_table("block_links") as batch:
        batch.drop_constraint("fk_block_links_user_id_users", type_="foreignkey")
        batch.drop_column("user_id")
    op.execute("DELETE FROM alerts WHERE user_id <> (SELECT lines.user_id FROM lines WHERE lines.id = alerts.line_id)")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("uq_alerts_line_rule", type_="unique")
        batch.create_unique_constraint("uq_alerts_line_rule", ["line_id", "rule_key"])
    op.drop_table("line_invitations")
    op.drop_table("line_members")
