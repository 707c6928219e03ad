"""Ids handed out before a bulk insert: unique, after every existing row, and no clash with the
rows inserted the ordinary way afterwards (SQLite's max + 1; PostgreSQL's sequence)."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Enterprise
from importers.bulk import NewIds, insert_many
from tests.factories import EnterpriseFactory


def test_new_ids_follow_the_existing_rows_and_ordinary_inserts_follow_them(app) -> None:
    first = EnterpriseFactory()
    db.session.commit()
    conn = db.session.connection()
    ids = NewIds(conn)
    table = Enterprise.__table__
    taken = ids.take(table, 3) + ids.take(table, 2)
    assert taken == sorted(set(taken)) and len(taken) == 5 and taken[0] > first.id
    rows = [{"uscc": f"9144078300010{n:04d}X", "name": f"批量{n}", "name_initials": "pl", "district_code": "440783",
             "district_overridden": False, "above_size": False, "version_id": 1,
             "created_at": first.created_at, "updated_at": first.created_at} for n in range(3)]
    insert_many(conn, table, rows, ids=ids)
    assert [r["id"] for r in rows] == [taken[-1] + 1, taken[-1] + 2, taken[-1] + 3]
    db.session.commit()
    later = EnterpriseFactory()
    db.session.commit()
    assert later.id > max(r["id"] for r in rows)
    assert db.session.scalar(select(func.count(Enterprise.id))) == 5
