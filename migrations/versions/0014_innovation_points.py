"""innovation points (企业创新积分): scheme versions, rounds, each firm's score in a round

Revision ID: 0014_innovation_points
Revises: 0013_fact_declarations
Create Date: 2026-12-06 07:08:26.002691

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_innovation_points'
down_revision = '0013_fact_declarations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('innovation_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_innovation_scheme_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_innovation_scheme')),
    sa.UniqueConstraint('version', name=op.f('uq_innovation_scheme_version'))
    )
    op.create_table('innovation_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cohorts', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_innovation_round_published_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scheme_id'], ['innovation_scheme.id'], name=op.f('fk_innovation_round_scheme_id_innovation_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_innovation_round'))
    )
    with op.batch_alter_table('innovation_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_innovation_round_fiscal_year'), ['fiscal_year'], unique=False)

    op.create_table('innovation_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=True),
    sa.Column('cohort', sa.String(length=60), nullable=True),
    sa.Column('cohort_size', sa.Integer(), nullable=True),
    sa.Column('score', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_innovation_score_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['innovation_round.id'], name=op.f('fk_innovation_score_round_id_innovation_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_innovation_score'))
    )
    with op.batch_alter_table('innovation_score', schema=None) as batch_op:
        batch_op.create_index('ix_innovation_score_firm', ['enterprise_id', 'round_id'], unique=True)
        batch_op.create_index('ix_innovation_score_round_rank', ['round_id', 'district_code', 'cohort', 'rank'], unique=False)
        batch_op.create_index('ix_innovation_score_round_stars', ['round_id', 'stars', 'district_code', 'enterprise_id', 'score'], unique=False)



def downgrade():
    with op.batch_alter_table('innovation_score', schema=None) as batch_op:
        batch_op.drop_index('ix_innovation_score_round_stars')
        batch_op.drop_index('ix_innovation_score_round_rank')
        batch_op.drop_index('ix_innovation_score_firm')

    op.drop_table('innovation_score')
    with op.batch_alter_table('innovation_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_innovation_round_fiscal_year'))

    op.drop_table('innovation_round')
    op.drop_table('innovation_scheme')
