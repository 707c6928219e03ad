"""enterprise latest-year figures

Revision ID: 0005_latest_figures
Revises: 0004_enterprises
Create Date: 2026-11-23 20:10:28.810623

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_latest_figures'
down_revision = '0004_enterprises'
branch_labels = None
depends_on = None


LATEST = (
    "SELECT {column} FROM annual_report r WHERE r.enterprise_id = enterprise.id "
    "AND r.status <> 'draft' ORDER BY r.year DESC LIMIT 1"
)
BACKFILL = (
    "UPDATE enterprise SET "
    f"latest_year = ({LATEST.format(column='r.year')}), "
    f"latest_revenue = ({LATEST.format(column='r.revenue')}), "
    f"latest_rd_ratio = ({LATEST.format(column='CAST(r.rd_expense AS FLOAT) / NULLIF(CAST(r.revenue AS FLOAT), 0)')}), "
    "revenue_growth = (SELECT CAST(c.revenue AS FLOAT) / NULLIF(CAST(p.revenue AS FLOAT), 0) - 1 "
    "FROM annual_report c LEFT JOIN annual_report p ON p.enterprise_id = c.enterprise_id "
    "AND p.year = c.year - 1 AND p.status <> 'draft' "
    "WHERE c.enterprise_id = enterprise.id AND c.status <> 'draft' ORDER BY c.year DESC LIMIT 1)"
)


def upgrade():
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('latest_revenue', sa.Numeric(precision=16, scale=4), nullable=True))
        batch_op.add_column(sa.Column('latest_rd_ratio', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('revenue_growth', sa.Float(), nullable=True))
        batch_op.create_index('ix_enterprise_latest_rd_ratio', ['latest_rd_ratio'], unique=False)
        batch_op.create_index('ix_enterprise_latest_revenue', ['latest_revenue'], unique=False)
        batch_op.create_index('ix_enterprise_revenue_growth', ['revenue_growth'], unique=False)

    # Backfill from the reports (the app keeps them current from now on).
    op.execute(BACKFILL)



def downgrade():
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprise_revenue_growth')
        batch_op.drop_index('ix_enterprise_latest_revenue')
        batch_op.drop_index('ix_enterprise_latest_rd_ratio')
        batch_op.drop_column('revenue_growth')
        batch_op.drop_column('latest_rd_ratio')
        batch_op.drop_column('latest_revenue')
        batch_op.drop_column('latest_year')

