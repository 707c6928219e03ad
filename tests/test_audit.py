"""Every create/update/delete lands in the audit trail with who and before -> after."""
from decimal import Decimal

from crm.audit import acting_as
from crm.extensions import db
from crm.models import AuditAction, AuditLog
from tests.factories import AnnualReportFactory, EnterpriseFactory, UserFactory


def entries(entity: str) -> list[AuditLog]:
    return db.session.query(AuditLog).filter_by(entity=entity).order_by(AuditLog.id).all()


def test_create_update_delete_are_recorded(app) -> None:
    report = AnnualReportFactory(revenue=Decimal("100"))
    (created,) = entries("annual_report")
    assert created.action is AuditAction.create
    assert created.changes["revenue"] == [None, "100"]
    assert created.enterprise_id == report.enterprise_id

    report.revenue = Decimal("120.5")
    db.session.commit()
    updated = entries("annual_report")[-1]
    assert updated.action is AuditAction.update
    assert updated.changes == {"revenue": ["100", "120.5"]}

    db.session.delete(report)
    db.session.commit()
    deleted = entries("annual_report")[-1]
    assert deleted.action is AuditAction.delete
    assert deleted.changes["revenue"] == ["120.5", None]


def test_actor_and_batch_are_recorded(app) -> None:
    user = UserFactory(username="importer")
    with acting_as("import", user=user):
        firm = EnterpriseFactory()
    entry = entries("enterprise")[-1]
    assert (entry.actor, entry.user_id, entry.enterprise_id) == ("import", user.id, firm.id)


def test_saving_without_change_writes_nothing(app) -> None:
    firm = EnterpriseFactory()
    before = db.session.query(AuditLog).count()
    firm.name = firm.name
    db.session.commit()
    assert db.session.query(AuditLog).count() == before


def test_passwords_never_reach_the_trail(app) -> None:
    user = UserFactory()
    user.set_password("another-secret-1")
    db.session.commit()
    assert all("password_hash" not in e.changes for e in entries("user"))


def test_failed_write_leaves_no_audit_rows(app) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    firm = EnterpriseFactory()
    before = db.session.query(AuditLog).count()
    firm.name = "新名字"
    db.session.add(AnnualReportFactory.build(enterprise=firm, employees=1, tech_staff=5))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.query(AuditLog).count() == before


def test_contact_notes_are_in_the_firms_trail(app) -> None:
    from tests.factories import ContactNoteFactory

    note = ContactNoteFactory()
    entry = entries("contact_note")[-1]
    assert entry.enterprise_id == note.enterprise_id
    assert entry.changes["note"] == [None, "走访了解研发投入情况"]


def test_api_tokens_issued_and_revoked_are_recorded_without_the_secret(app) -> None:
    from crm.clock import utcnow
    from crm.models import ApiToken

    user = UserFactory(username="city")
    token, secret = ApiToken.issue(user, "报表脚本")
    db.session.add(token)
    db.session.commit()
    token.last_used_at = utcnow()  # using a token is not a change anyone needs to read
    db.session.commit()
    token.revoked_at = utcnow()
    db.session.commit()
    created, revoked = entries("api_token")
    assert created.action is AuditAction.create and created.changes["name"] == [None, "报表脚本"]
    assert created.changes["user_id"] == [None, user.id]
    assert revoked.action is AuditAction.update and set(revoked.changes) == {"revoked_at"}
    trail = str([created.changes, revoked.changes])
    assert token.token_hash not in trail and secret not in trail
