"""indexes for the flows' and the forecast's fingerprint of the records: the latest designation
change, closures and cleared flags read from an index instead of a scan

Revision ID: 0018_state_indexes
Revises: 0017_stored_files
Create Date: 2026-12-06 17:12:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_state_indexes'
down_revision = '0017_stored_files'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('designation', schema=None) as batch_op:
        batch_op.create_index('ix_designation_updated_at', ['updated_at'], unique=False)
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_closed_on'), ['closed_on'], unique=False)
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index('ix_flag_cleared_on', ['cleared_on'], unique=False)


def downgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index('ix_flag_cleared_on')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_closed_on'))
    with op.batch_alter_table('designation', schema=None) as batch_op:
        batch_op.drop_index('ix_designation_updated_at')
