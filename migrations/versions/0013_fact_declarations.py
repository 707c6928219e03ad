"""facts a firm declares for the MIIT ladder (niche, leading product, digital level, quality,
IP grade), verified by its officer, with attachments as evidence

Revision ID: 0013_fact_declarations
Revises: 0012_miit_figures
Create Date: 2026-12-06 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_fact_declarations'
down_revision = '0012_miit_figures'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fact_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('declared_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'verified', 'returned', name='reportstatus', native_enum=False, length=32, create_constraint=False), nullable=False),
    sa.Column('niche_since', sa.Integer(), nullable=True),
    sa.Column('leading_product', sa.String(length=200), nullable=True),
    sa.Column('product_field', sa.Enum('strategic_gap', 'six_basics', 'time_honoured', 'chain_supplier', 'other', name='productfield', native_enum=False, length=32, create_constraint=False), nullable=True),
    sa.Column('digital_level', sa.Integer(), nullable=True),
    sa.Column('quality_award', sa.Boolean(), nullable=False),
    sa.Column('quality_certified', sa.Boolean(), nullable=False),
    sa.Column('own_brand', sa.Boolean(), nullable=False),
    sa.Column('standards', sa.Boolean(), nullable=False),
    sa.Column('strategic_emerging', sa.Boolean(), nullable=True),
    sa.Column('ip_grade', sa.Enum('high_value', 'own', 'plain', name='ipgrade', native_enum=False, length=32, create_constraint=False), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('digital_level IS NULL OR digital_level BETWEEN 1 AND 3', name=op.f('ck_fact_declaration_digital_level_range')),
    sa.CheckConstraint('niche_since IS NULL OR niche_since BETWEEN 1900 AND 2100', name=op.f('ck_fact_declaration_niche_since_plausible')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_fact_declaration_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_fact_declaration_updated_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user.id'], name=op.f('fk_fact_declaration_verified_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_declaration'))
    )
    with op.batch_alter_table('fact_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fact_declaration_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fact_declaration_status'), ['status'], unique=False)

    # attachment is referenced by no table, so copying it (SQLite's way to add a foreign key) is safe.
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declaration_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachment_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachment_declaration_id_fact_declaration'), 'fact_declaration', ['declaration_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachment_declaration_id_fact_declaration'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachment_declaration_id'))
        batch_op.drop_column('declaration_id')

    with op.batch_alter_table('fact_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fact_declaration_status'))
        batch_op.drop_index(batch_op.f('ix_fact_declaration_enterprise_id'))

    op.drop_table('fact_declaration')
