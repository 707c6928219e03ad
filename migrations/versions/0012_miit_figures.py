"""annual reports: main-business revenue and total liabilities (the MIIT ladder's figures)

Revision ID: 0012_miit_figures
Revises: 0011_import_issues
Create Date: 2026-12-06 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_miit_figures'
down_revision = '0011_import_issues'
branch_labels = None
depends_on = None

COLUMNS = ('main_revenue', 'total_liabilities')


def upgrade():
    # Added in place (ALTER TABLE … ADD COLUMN), never by copying the table: attachments
    # reference annual_report, and dropping the old copy with foreign keys on would cascade.
    for name in COLUMNS:
        op.add_column('annual_report', sa.Column(name, sa.Numeric(precision=16, scale=4), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        # SQLite cannot add a CHECK constraint in place; there the forms and the importer
        # refuse negative figures (as they do everywhere).
        for name in COLUMNS:
            op.create_check_constraint(op.f(f'ck_annual_report_{name}_non_negative'), 'annual_report',
                                       f'{name} IS NULL OR {name} >= 0')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name in COLUMNS:
            op.drop_constraint(op.f(f'ck_annual_report_{name}_non_negative'), 'annual_report', type_='check')
    for name in COLUMNS:
        op.drop_column('annual_report', name)
