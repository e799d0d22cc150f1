"""injury cases: the injury_case and abn tables and encounter.case_id

Revision ID: 0002_cases
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import clinicbill.store.types

revision = "0002_cases"
down_revision = "0002_denials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "injury_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("kind", text(), nullable=False),
        sa.Column("injury_date", sa.Date(), nullable=False),
        sa.Column("onset_date", sa.Date(), nullable=True),
        sa.Column("state", text(), nullable=True),
        sa.Column("employer", text(), nullable=True),
        sa.Column("claim_number", text(), nullable=True),
        sa.Column("adjuster", text(), nullable=True),
        sa.Column("adjuster_phone", text(), nullable=True),
        sa.Column("attorney", text(), nullable=True),
        sa.Column("pip_limit_cents", sa.Integer(), nullable=True),
        sa.Column("status", text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at", clinicbill.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["policy_id"], ["policy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("injury_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_injury_case_patient_status", ["patient_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_injury_case_policy_id"), ["policy_id"], unique=False)
    op.create_table(
        "abn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("codes", text(), nullable=False),
        sa.Column("reason", text(), nullable=False),
        sa.Column("estimated_cost_cents", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column(
            "created_at", clinicbill.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_abn_patient_id", "abn", ["patient_id"], unique=False)
    # SQLite adds a nullable column with its REFERENCES clause in place; a batch copy of
    # encounter would drop a table that other tables' foreign keys point at.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE encounter ADD COLUMN case_id INTEGER REFERENCES injury_case (id)")
    else:
        op.add_column("encounter", sa.Column("case_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_encounter_case_id_injury_case", "encounter", "injury_case", ["case_id"], ["id"]
        )
    op.create_index("ix_encounter_case_id", "encounter", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_encounter_case_id", table_name="encounter")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE encounter DROP COLUMN case_id")
    else:
        op.drop_constraint("fk_encounter_case_id_injury_case", "encounter", type_="foreignkey")
        op.drop_column("encounter", "case_id")
    op.drop_index("ix_abn_patient_id", table_name="abn")
    op.drop_table("abn")
    with op.batch_alter_table("injury_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_case_policy_id"))
        batch_op.drop_index("ix_injury_case_patient_status")
    op.drop_table("injury_case")
