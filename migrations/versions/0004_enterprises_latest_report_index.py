"""enterprises: covering index for the firm list's latest-year sort keys

Revision ID: 0004_enterprises
Revises: 0003_dashboard
Create Date: 2026-11-24 13:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_enterprises'
down_revision = '0003_dashboard'
branch_labels = None
depends_on = None


def upgrade():
    # The firm list sorts by each firm's latest reported revenue, R&D ratio and growth.
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.create_index(
            'ix_annual_report_latest', ['enterprise_id', 'year', 'status', 'revenue', 'rd_expense'], unique=False
        )


def downgrade():
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.drop_index('ix_annual_report_latest')
