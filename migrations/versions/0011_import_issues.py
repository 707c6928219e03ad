"""an import batch's rejected rows, notices and skipped rows in a table of their own, so no
page reads a big batch's issues to show the batch

Revision ID: 0011_import_issues
Revises: 0010_record_versions
Create Date: 2026-12-06 06:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_import_issues'
down_revision = '0010_record_versions'
branch_labels = None
depends_on = None

ISSUE_COLUMNS = (('errors', 'error'), ('notices', 'notice'), ('skipped', 'skipped'))


def _issue_table():
    return sa.table('import_issue', sa.column('batch_id', sa.Integer), sa.column('kind', sa.String),
                    sa.column('sheet', sa.String), sa.column('row', sa.Integer), sa.column('column', sa.String),
                    sa.column('column_index', sa.Integer), sa.column('message', sa.Text))


def _loaded(value):
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def upgrade():
    op.create_table('import_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('error', 'notice', 'skipped', name='issuekind', native_enum=False, length=32, create_constraint=False), nullable=False),
    sa.Column('sheet', sa.String(length=255), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=255), nullable=True),
    sa.Column('column_index', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_issue_batch_id_import_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_issue'))
    )
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.create_index('ix_import_issue_batch_kind', ['batch_id', 'kind', 'id'], unique=False)
        batch_op.create_index('ix_import_issue_batch_sheet_row', ['batch_id', 'kind', 'sheet', 'row'], unique=False)

    # Existing batches' issues move into rows; their counts gain the two numbers pages show.
    # Read first, then the columns dropped in place (ALTER TABLE … DROP COLUMN, SQLite 3.35+):
    # batch mode would copy import_batch and drop the old table, and with foreign keys on
    # that drop would empty the new table's issues (CASCADE) and the audit trail's batch ids
    # (SET NULL), which rolling a batch back needs.
    connection = op.get_bind()
    batches = sa.table('import_batch', sa.column('id', sa.Integer), sa.column('counts', sa.JSON),
                       *(sa.column(name, sa.JSON) for name, _kind in ISSUE_COLUMNS))
    found = connection.execute(sa.select(batches.c.id, batches.c.counts,
                                         *(batches.c[name] for name, _kind in ISSUE_COLUMNS))).all()
    for name, _kind in ISSUE_COLUMNS:
        op.execute(f'ALTER TABLE import_batch DROP COLUMN {name}')
    issues = _issue_table()
    for batch_id, counts, *lists in found:
        rows = []
        for (_name, kind), entries in zip(ISSUE_COLUMNS, lists):
            for entry in _loaded(entries):
                rows.append({'batch_id': batch_id, 'kind': kind, 'sheet': str(entry.get('sheet') or '')[:255],
                             'row': int(entry.get('row') or 0), 'column': (entry.get('column') or None),
                             'column_index': entry.get('column_index'),
                             'message': str(entry.get('message') or entry.get('reason') or '')})
        if rows:
            connection.execute(issues.insert(), rows)
        counts = dict(_loaded(counts) or {})
        counts['errors'] = sum(1 for r in rows if r['kind'] == 'error')
        counts['notices'] = sum(1 for r in rows if r['kind'] == 'notice')
        connection.execute(sa.table('import_batch', sa.column('id', sa.Integer), sa.column('counts', sa.JSON))
                           .update().where(sa.column('id') == batch_id).values(counts=counts))


def downgrade():
    for name, _kind in ISSUE_COLUMNS:
        op.add_column('import_batch', sa.Column(name, sa.JSON(), nullable=True))
    connection = op.get_bind()
    batches = sa.table('import_batch', sa.column('id', sa.Integer),
                       *(sa.column(name, sa.JSON) for name, _kind in ISSUE_COLUMNS))
    issues = _issue_table()
    for (batch_id,) in connection.execute(sa.select(batches.c.id)).all():
        values = {}
        for name, kind in ISSUE_COLUMNS:
            found = connection.execute(sa.select(issues).where(issues.c.batch_id == batch_id, issues.c.kind == kind)
                                       .order_by(sa.text('id'))).mappings().all()
            if kind == 'skipped':
                values[name] = [{'sheet': r['sheet'], 'row': r['row'], 'reason': r['message']} for r in found]
            else:
                values[name] = [{'sheet': r['sheet'], 'row': r['row'], 'column': r['column'] or '',
                                 'message': r['message'], 'column_index': r['column_index']} for r in found]
        connection.execute(batches.update().where(batches.c.id == batch_id).values(**values))
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.drop_index('ix_import_issue_batch_sheet_row')
        batch_op.drop_index('ix_import_issue_batch_kind')
    op.drop_table('import_issue')
