"""What must never be stored is refused by the database itself."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from crm.extensions import db
from crm.models import AnnualReport, Designation, DesignationKind, Enterprise, Role, User
from crm.uscc import InvalidUSCC, make_uscc
from tests.factories import AnnualReportFactory, EnterpriseFactory


@pytest.mark.parametrize(
    "figures",
    [
        {"revenue": Decimal("-1")},
        {"rd_expense": Decimal("-0.0001")},
        {"employees": -1},
        {"ip_class1": -2},
        {"employees": 10, "tech_staff": 11},
        {"employees": 10, "rd_staff": 11},
        {"rd_expense": Decimal("10"), "rd_expense_domestic": Decimal("10.5")},
        {"year": 1900},
    ],
)
def test_annual_report_check_constraints(app, figures: dict) -> None:
    firm = EnterpriseFactory()
    values = {"enterprise_id": firm.id, "year": 2025, **figures}
    db.session.add(AnnualReport(**values))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.query(AnnualReport).count() == 0


def test_negative_net_profit_is_allowed(app) -> None:
    report = AnnualReportFactory(net_profit=Decimal("-120.5"), net_assets=Decimal("-3"))
    db.session.expire_all()
    assert db.session.get(AnnualReport, report.id).net_profit == Decimal("-120.5")


def test_one_report_per_firm_and_year(app) -> None:
    report = AnnualReportFactory(year=2024)
    db.session.add(AnnualReport(enterprise_id=report.enterprise_id, year=2024))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_money_keeps_four_decimals(app) -> None:
    report = AnnualReportFactory(revenue=Decimal("12345.6789"))
    db.session.expire_all()
    assert db.session.get(AnnualReport, report.id).revenue == Decimal("12345.6789")


def test_uscc_is_unique_and_normalised(app) -> None:
    code = make_uscc("91440783MA4X00001")
    db.session.add(Enterprise(uscc=code.lower(), name="甲", district_code="440783"))
    db.session.commit()
    assert db.session.query(Enterprise).one().uscc == code
    db.session.add(Enterprise(uscc=code, name="乙", district_code="440783"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_invalid_uscc_refused_by_model(app) -> None:
    with pytest.raises(InvalidUSCC):
        Enterprise(uscc="91440783MA4X000010", name="甲", district_code="440783")


def test_unknown_district_refused(app) -> None:
    db.session.add(Enterprise(uscc=make_uscc("91440783MA4X00002"), name="甲", district_code="999999"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_designation_period_must_not_end_before_it_starts(app) -> None:
    firm = EnterpriseFactory()
    db.session.add(
        Designation(enterprise_id=firm.id, kind=DesignationKind.hitech, valid_from=date(2024, 1, 2), valid_to=date(2024, 1, 1))
    )
    with pytest.raises(IntegrityError):
        db.session.commit()


@pytest.mark.parametrize(("role", "field"), [(Role.officer, "district_code"), (Role.enterprise, "enterprise_id")])
def test_scoped_roles_need_their_scope(app, role: Role, field: str) -> None:
    db.session.add(User(username="x", role=role, password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_concurrent_edit_raises_stale_data(app) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    firm = EnterpriseFactory()
    # Another session (another officer) saves first.
    with db.engine.begin() as conn:
        conn.execute(
            Enterprise.__table__.update()
            .where(Enterprise.__table__.c.id == firm.id)
            .values(name="别人改的", version_id=firm.version_id + 1)
        )
    firm.name = "我改的"
    with pytest.raises(StaleDataError):
        db.session.commit()
