"""user: a password chosen by someone else must be changed at the next sign-in

Revision ID: 0007_password_change_required
Revises: 0006_report_draft_input
Create Date: 2026-12-01 10:19:25.824113

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_password_change_required'
down_revision = '0006_report_draft_input'
branch_labels = None
depends_on = None


def upgrade():
    # Existing users chose their own passwords as far as anyone knows: false.
    # sa.false(), not text('0'): PostgreSQL refuses an integer default on a boolean.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('password_change_required', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('password_change_required')
