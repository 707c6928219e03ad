"""notifications follow scope (issue 18, decision 4): notification.district_code, the district
a message concerns, filled for the messages already stored

Revision ID: 0020_notification_district
Revises: 0019_pinyin_readings
Create Date: 2026-12-07 12:00:00

"""
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020_notification_district'
down_revision = '0019_pinyin_readings'
branch_labels = None
depends_on = None

CHUNK = 5000

notification = sa.table('notification', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
                        sa.column('enterprise_id', sa.Integer), sa.column('title', sa.String),
                        sa.column('link', sa.String), sa.column('district_code', sa.String))
enterprise = sa.table('enterprise', sa.column('id', sa.Integer), sa.column('district_code', sa.String))
user = sa.table('user', sa.column('id', sa.Integer), sa.column('district_code', sa.String))


def upgrade():
    # A plain column added in place: no copy of the table on SQLite.
    op.add_column('notification', sa.Column('district_code', sa.String(length=6), nullable=True))
    counts = _fill()
    print("0020: the district of stored notifications: {firm} from their firm, {link} from a digest's link,"
          " {title} from a digest's title, {recipient} from the recipient's district today"
          " (nothing else names it), {none} about no district".format(**counts))


def downgrade():
    # notification has no child tables, so SQLite's batch copy loses nothing.
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('district_code')


def _fill():
    """Set each stored message's district: a message about a firm takes the firm's district (where
    it is now; where it was then is not kept); a digest of several firms the district its link
    (?district=) or else its title names; failing both, the recipient's own district today."""
    from crm.districts import DISTRICTS

    bind = op.get_bind()
    firm_district = (sa.select(enterprise.c.district_code)
                     .where(enterprise.c.id == notification.c.enterprise_id).scalar_subquery())
    firm = bind.execute(notification.update().where(notification.c.enterprise_id.is_not(None))
                        .values(district_code=firm_district)).rowcount or 0

    counts = {'firm': firm, 'link': 0, 'title': 0, 'recipient': 0, 'none': 0}
    by_name = sorted(((name, code) for code, name in DISTRICTS.items()), key=lambda pair: -len(pair[0]))
    changes = []
    rows = bind.execute(
        sa.select(notification.c.id, notification.c.link, notification.c.title, user.c.district_code)
        .select_from(notification.outerjoin(user, user.c.id == notification.c.user_id))
        .where(notification.c.enterprise_id.is_(None))
    ).all()
    for message_id, link, title, recipient_district in rows:
        code, source = _from_link(link, DISTRICTS), 'link'
        if code is None:
            code, source = next((c for name, c in by_name if name in (title or '')), None), 'title'
        if code is None:
            code, source = recipient_district, 'recipient'
        if code is None:
            counts['none'] += 1
            continue
        counts[source] += 1
        changes.append({'message_id': message_id, 'code': code})
    update = (notification.update().where(notification.c.id == sa.bindparam('message_id'))
              .values(district_code=sa.bindparam('code')))
    for start in range(0, len(changes), CHUNK):
        bind.execute(update, changes[start:start + CHUNK])
    return counts


def _from_link(link, districts):
    """The district a digest's link filters on (…?rule=…&district=440783), if a known one."""
    if not link:
        return None
    code = (parse_qs(urlsplit(link).query).get('district') or [None])[0]
    return code if code in districts else None
