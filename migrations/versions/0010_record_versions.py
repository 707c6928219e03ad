"""a version on every record an officer edits (designations, platforms, talents, support,
honours, contact notes), so two saves at once cannot both win

Revision ID: 0010_record_versions
Revises: 0009_sessions
Create Date: 2026-12-06 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_record_versions'
down_revision = '0009_sessions'
branch_labels = None
depends_on = None

TABLES = ('contact_note', 'designation', 'platform', 'support_record', 'honour', 'talent')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # Existing rows start at 1, as new ones do (VersionedMixin).
            batch_op.add_column(sa.Column('version_id', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version_id')
