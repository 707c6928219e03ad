"""plans and their periods: the plan in force on a day decides the targets compared against

Revision ID: 0016_plans
Revises: 0015_flows
Create Date: 2026-12-06 08:03:56.995648

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_plans'
down_revision = '0015_flows'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('jurisdiction', sa.String(length=10), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('first_year <= last_year', name=op.f('ck_plan_plan_period')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_plan_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan')),
    sa.UniqueConstraint('code', name=op.f('uq_plan_code'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_jurisdiction'), ['jurisdiction'], unique=False)

    _plans_of_existing_targets()


# The 14th five-year plans shipped in crm/reference/plan_targets.csv (also crm/reference/plans.csv,
# which fills a new database); 江门创造2025 runs from its 2015 baseline to 2025.
PLANS = (
    ('000', '江门市科技创新“十四五”规划', 'city', 2021, 2025),
    ('001', '开平市科技创新“十四五”规划', '440783', 2021, 2025),
    ('002', '鹤山市科技创新“十四五”规划', '440784', 2021, 2025),
    ('003', '江门高新区（江海区）“十四五”规划', '440704', 2021, 2025),
    ('004', '江门创造2025', 'city', 2016, 2025),
)


def _plans_of_existing_targets():
    """A database that already holds these plans' targets gets their periods. A plan an
    administrator added gets none: its period is unknown, and without one the dashboard treats
    its targets as before (later years beside the 2025 targets) until the plan is entered."""
    from datetime import datetime, timezone

    bind = op.get_bind()
    present = {row[0] for row in bind.execute(sa.text('SELECT DISTINCT plan FROM plan_target'))}
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [
        {'code': code, 'name': name, 'jurisdiction': where, 'first_year': first, 'last_year': last,
         'created_at': now, 'updated_at': now}
        for code, name, where, first, last in PLANS if code in present
    ]
    if rows:
        plan = sa.table('plan', sa.column('code', sa.String), sa.column('name', sa.String),
                        sa.column('jurisdiction', sa.String), sa.column('first_year', sa.Integer),
                        sa.column('last_year', sa.Integer), sa.column('created_at', sa.DateTime),
                        sa.column('updated_at', sa.DateTime))
        op.bulk_insert(plan, rows)


def downgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_jurisdiction'))

    op.drop_table('plan')
