"""search initials hold every reading of a name's polyphonic characters (issue 18, decision 7):
enterprise.name_initials widens to 1,000 characters and is recomputed for every firm

Revision ID: 0019_pinyin_readings
Revises: 0018_state_indexes
Create Date: 2026-12-07 10:00:00

"""
import time

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_pinyin_readings'
down_revision = '0018_state_indexes'
branch_labels = None
depends_on = None

WIDE, NARROW = 1000, 200
INDEX = 'ix_enterprise_name_initials'
CHUNK = 5000

enterprise = sa.table('enterprise', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('name_initials', sa.String))


def upgrade():
    from crm.pinyin import name_initials

    _resize(WIDE)
    started = time.perf_counter()
    firms, written = _recompute(name_initials)
    print(f"0019: recomputed the search initials of {firms} firms ({written} rows written)"
          f" in {time.perf_counter() - started:.1f} s")


def downgrade():
    # The most common reading alone, as one string of initials was before.
    _recompute(lambda _name, stored: stored.split(' ', 1)[0][:NARROW], with_stored=True)
    _resize(NARROW, keep=True)


def _resize(length, keep=False):
    """Declare name_initials VARCHAR(length). On SQLite a batch copy of the table would drop
    the old one, and with foreign keys on that deletes every firm's reports, designations and
    flags (ON DELETE CASCADE); so the column is replaced in place instead (SQLite 3.35+)."""
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('enterprise', 'name_initials', type_=sa.String(length=length),
                        existing_type=sa.String(length=WIDE if length == NARROW else NARROW),
                        existing_nullable=False)
        return
    op.drop_index(INDEX, table_name='enterprise')
    op.execute(f"ALTER TABLE enterprise ADD COLUMN name_initials_resized VARCHAR({length}) NOT NULL DEFAULT ''")
    if keep:
        op.execute('UPDATE enterprise SET name_initials_resized = name_initials')
    op.execute('ALTER TABLE enterprise DROP COLUMN name_initials')
    op.execute('ALTER TABLE enterprise RENAME COLUMN name_initials_resized TO name_initials')
    op.create_index(INDEX, 'enterprise', ['name_initials'], unique=False)


def _recompute(compute, with_stored=False):
    """Set every firm's initials to compute(name) (or compute(name, stored)), writing only
    the rows that change, CHUNK at a time; (firms, rows written)."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(enterprise.c.id, enterprise.c.name, enterprise.c.name_initials)).all()
    changes = []
    for firm_id, name, stored in rows:
        value = compute(name, stored or '') if with_stored else compute(name)
        if value != stored:
            changes.append({'firm_id': firm_id, 'value': value})
    update = (enterprise.update().where(enterprise.c.id == sa.bindparam('firm_id'))
              .values(name_initials=sa.bindparam('value')))
    for start in range(0, len(changes), CHUNK):
        bind.execute(update, changes[start:start + CHUNK])
    return len(rows), len(changes)
