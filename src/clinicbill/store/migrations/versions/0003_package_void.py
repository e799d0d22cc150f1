"""package_void: a voided package is kept for the record (when and why), never drawn

Revision ID: 0003_package_void
Revises: 0002_selfpay
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import clinicbill.store.types  # noqa: F401

revision = "0003_package_void"
down_revision = "0002_selfpay"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("package", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("voided_at", clinicbill.store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("void_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("package", schema=None) as batch_op:
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_at")
