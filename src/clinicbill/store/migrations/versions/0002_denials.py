"""denials: the follow-up call log (claimcall)

Denials and crossovers are ledger entries of new kinds (denial, crossover) in the existing
ledgerentry table; only the call log needs a table.

Revision ID: 0002_denials
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import clinicbill.store.types  # noqa: F401

revision = "0002_denials"
down_revision = "0002_clearinghouse"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claimcall",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("called_on", sa.Date(), nullable=False),
        sa.Column("representative", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("next_action_on", sa.Date(), nullable=True),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column(
            "created_at", clinicbill.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("claimcall", schema=None) as batch_op:
        batch_op.create_index(
            "ix_claimcall_claim_date", ["claim_id", "called_on", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("claimcall", schema=None) as batch_op:
        batch_op.drop_index("ix_claimcall_claim_date")
    op.drop_table("claimcall")
