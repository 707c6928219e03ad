"""dashboard: covering index for firms and above-size firms per district

Revision ID: 0003_dashboard
Revises: 0002_eligibility
Create Date: 2026-11-24 12:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003_dashboard'
down_revision = '0002_eligibility'
branch_labels = None
depends_on = None


def upgrade():
    # The plan dashboard counts firms and above-size firms per district on every view.
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.create_index('ix_enterprise_district_above_size', ['district_code', 'above_size'], unique=False)


def downgrade():
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprise_district_above_size')
