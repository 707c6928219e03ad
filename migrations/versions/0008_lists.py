"""lists: former names, talent leaders, and the kind and options of an import batch

Revision ID: 0008_lists
Revises: 0007_password_change_required
Create Date: 2026-12-06 03:01:29.665333

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_lists'
down_revision = '0007_password_change_required'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('former_name',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_former_name_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_former_name_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_former_name')),
    sa.UniqueConstraint('enterprise_id', 'name', name='uq_former_name_enterprise_name')
    )
    with op.batch_alter_table('former_name', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_former_name_name'), ['name'], unique=False)

    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='figures', nullable=False))
        # Batches imported before lists existed were county figure sheets, run without options.
        batch_op.add_column(sa.Column('options', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('notices', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))

    with op.batch_alter_table('talent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leader', sa.String(length=50), nullable=True))



def downgrade():
    with op.batch_alter_table('talent', schema=None) as batch_op:
        batch_op.drop_column('leader')

    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('notices')
        batch_op.drop_column('options')
        batch_op.drop_column('kind')

    with op.batch_alter_table('former_name', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_former_name_name'))

    op.drop_table('former_name')
