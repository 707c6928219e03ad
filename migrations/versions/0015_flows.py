"""flows of the ladder: district moves (filled from the audit trail) and the day a firm closed

Revision ID: 0015_flows
Revises: 0014_innovation_points
Create Date: 2026-12-06 07:38:15.577595

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_flows'
down_revision = '0014_innovation_points'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('district_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('moved_on', sa.Date(), nullable=False),
    sa.Column('from_district', sa.String(length=6), nullable=False),
    sa.Column('to_district', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_district_move_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district_move'))
    )
    with op.batch_alter_table('district_move', schema=None) as batch_op:
        batch_op.create_index('ix_district_move_firm', ['enterprise_id', 'moved_on'], unique=False)

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))

    _moves_from_audit_trail()


def _moves_from_audit_trail():
    """Every district change the audit trail holds becomes a move on its local day (the trail
    keeps {"district_code": [before, after]} for a form's change and an import's alike)."""
    import json
    from datetime import timedelta

    bind = op.get_bind()
    audit = sa.table('audit_log', sa.column('entity', sa.String), sa.column('action', sa.String),
                     sa.column('entity_id', sa.Integer), sa.column('at', sa.DateTime), sa.column('changes', sa.JSON))
    firms = {row[0] for row in bind.execute(sa.text('SELECT id FROM enterprise'))}
    rows = bind.execute(
        sa.select(audit.c.entity_id, audit.c.at, audit.c.changes)
        .where(audit.c.entity == 'enterprise', audit.c.action == 'update',
               sa.cast(audit.c.changes, sa.Text).like('%district_code%'))
        .order_by(audit.c.at)
    )
    moves = []
    for entity_id, at, changes in rows:
        if isinstance(changes, str):
            changes = json.loads(changes)
        before, after = (changes or {}).get('district_code', [None, None])
        if before and after and entity_id in firms:
            # Jiangmen time (UTC+8, no daylight saving): the day people saw the move.
            moves.append({'enterprise_id': entity_id, 'moved_on': (at + timedelta(hours=8)).date(),
                          'from_district': before, 'to_district': after})
    if moves:
        op.bulk_insert(sa.table('district_move', sa.column('enterprise_id', sa.Integer),
                                sa.column('moved_on', sa.Date), sa.column('from_district', sa.String),
                                sa.column('to_district', sa.String)), moves)
    print(f"district_move: {len(moves)} moves from the audit trail")



def downgrade():
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('closed_on')

    with op.batch_alter_table('district_move', schema=None) as batch_op:
        batch_op.drop_index('ix_district_move_firm')

    op.drop_table('district_move')
