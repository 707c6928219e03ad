"""annual report: figures typed into a draft that could not be stored

Revision ID: 0006_report_draft_input
Revises: 0005_latest_figures
Create Date: 2026-12-01 09:06:25.262003

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_report_draft_input'
down_revision = '0005_latest_figures'
branch_labels = None
depends_on = None


def upgrade():
    # {field: text typed} for a draft's refused figures; NULL when there are none.
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_input', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.drop_column('draft_input')
