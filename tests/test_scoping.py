"""The one scoping function, for every role."""
import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import Enterprise, Role
from crm.scoping import can_see_district, enterprise_scope, find_enterprise, scoped
from tests.factories import EnterpriseFactory, EnterpriseUserFactory, OfficerFactory, UserFactory


@pytest.fixture
def firms(app):
    return {
        "kaiping": EnterpriseFactory(district="440783"),
        "kaiping2": EnterpriseFactory(district="440783"),
        "heshan": EnterpriseFactory(district="440784"),
    }


def visible(user) -> set[int]:
    return set(db.session.scalars(scoped(select(Enterprise.id), user)))


def test_officer_sees_own_district_only(firms) -> None:
    officer = OfficerFactory(district_code="440783")
    assert visible(officer) == {firms["kaiping"].id, firms["kaiping2"].id}
    assert find_enterprise(officer, firms["heshan"].uscc) is None
    assert find_enterprise(officer, firms["kaiping"].uscc.lower()) == firms["kaiping"]


def test_enterprise_user_sees_own_firm_only(firms) -> None:
    user = EnterpriseUserFactory(enterprise=firms["kaiping"])
    assert visible(user) == {firms["kaiping"].id}
    assert find_enterprise(user, firms["kaiping2"].uscc) is None


@pytest.mark.parametrize("role", [Role.bureau, Role.admin])
def test_bureau_and_admin_see_all(firms, role: Role) -> None:
    assert visible(UserFactory(role=role)) == {f.id for f in firms.values()}


def test_inactive_or_anonymous_see_nothing(firms) -> None:
    officer = OfficerFactory(district_code="440783", active=False)
    assert visible(officer) == set()
    assert db.session.scalars(select(Enterprise.id).where(enterprise_scope(None))).all() == []


def test_district_permission(app) -> None:
    officer = OfficerFactory(district_code="440783")
    assert can_see_district(officer, "440783")
    assert not can_see_district(officer, "440784")
    assert can_see_district(UserFactory(role=Role.bureau), "440784")
    assert not can_see_district(EnterpriseUserFactory(), "440783")


def test_find_enterprise_takes_the_code_as_people_type_it(firms) -> None:
    bureau = UserFactory(role=Role.bureau)
    firm = firms["kaiping"]
    spaced = " ".join([firm.uscc[:6], firm.uscc[6:]]).lower()
    assert find_enterprise(bureau, spaced) == firm
    for junk in ("", "ABC", "\x00", firm.uscc[:-1] + ("0" if firm.uscc[-1] != "0" else "1")):
        assert find_enterprise(bureau, junk) is None
