"""factory-boy factories for every model tests build worlds from."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from crm.clock import today
from crm.extensions import db
from crm.models import (
    AnnualReport,
    ApiToken,
    ChangeRequest,
    ChangeRequestStatus,
    ContactNote,
    ContactKind,
    Designation,
    DesignationKind,
    DesignationSource,
    Enterprise,
    Flag,
    Honour,
    HonourKind,
    ImportBatch,
    JobRun,
    JobStatus,
    Notification,
    Platform,
    PlatformKind,
    PlatformLevel,
    ReportStatus,
    Role,
    SupportKind,
    SupportRecord,
    Talent,
    TalentCategory,
    TalentProgramme,
    User,
)
from crm.models.designation import default_valid_to
from crm.uscc import make_uscc

DEFAULT_PASSWORD = "correct-horse-9"


def uscc_for(district_code: str, n: int) -> str:
    """A valid code whose region (characters 3-8) is `district_code`."""
    return make_uscc(f"91{district_code}{n:09d}")


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class EnterpriseFactory(BaseFactory):
    class Meta:
        model = Enterprise

    class Params:
        district = "440783"

    district_code = factory.SelfAttribute("district")
    uscc = factory.LazyAttributeSequence(lambda o, n: uscc_for(o.district, 100000 + n))
    name = factory.Sequence(lambda n: f"江门测试科技有限公司{n:05d}")
    founded_on = date(2015, 3, 1)
    above_size = False


class DesignationFactory(BaseFactory):
    class Meta:
        model = Designation

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = DesignationKind.hitech
    # Issued a year ago, so the default designation is valid whatever day the suite runs.
    valid_from = factory.LazyFunction(lambda: today().replace(month=1, day=1) - timedelta(days=365))
    valid_to = factory.LazyAttribute(lambda o: default_valid_to(o.kind, o.valid_from))
    certificate_no = factory.Sequence(lambda n: f"GR2023440{n:05d}")
    source = DesignationSource.officer


class AnnualReportFactory(BaseFactory):
    class Meta:
        model = AnnualReport

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    status = ReportStatus.verified
    revenue = Decimal("3000")
    total_revenue = Decimal("3100")
    rd_expense = Decimal("180")
    rd_expense_domestic = factory.LazyAttribute(lambda o: o.rd_expense)
    hitech_revenue = Decimal("2200")
    total_assets = Decimal("5000")
    net_assets = Decimal("2500")
    net_profit = Decimal("300")
    total_costs = Decimal("2600")
    employees = 120
    tech_staff = 25
    rd_staff = 18
    ip_class1 = 2
    ip_class2 = 6


class PlatformFactory(BaseFactory):
    class Meta:
        model = Platform

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = PlatformKind.engineering_center
    level = PlatformLevel.municipal
    name = factory.Sequence(lambda n: f"江门市测试工程技术研究中心{n}")
    recognized_on = date(2021, 6, 1)


class TalentFactory(BaseFactory):
    class Meta:
        model = Talent

    enterprise = factory.SubFactory(EnterpriseFactory)
    category = TalentCategory.innovation_team
    is_team = True
    name = factory.Sequence(lambda n: f"创新团队{n}")
    programme = TalentProgramme.qiaodu
    year = 2022
    high_end = True


class SupportRecordFactory(BaseFactory):
    class Meta:
        model = SupportRecord

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = SupportKind.subsidy
    programme = "研发费用后补助"
    amount = Decimal("50")
    granted_on = date(2024, 9, 1)


class HonourFactory(BaseFactory):
    class Meta:
        model = Honour

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = HonourKind.provincial_science_award
    title = "广东省科学技术奖"
    year = 2023


class ContactNoteFactory(BaseFactory):
    class Meta:
        model = ContactNote

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = ContactKind.visit
    happened_on = date(2025, 3, 1)
    note = "走访了解研发投入情况"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    role = Role.bureau
    password_hash = factory.LazyFunction(lambda: _hash(DEFAULT_PASSWORD))


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    # Cheap hashing keeps the suite fast; production uses werkzeug's default (scrypt).
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


class OfficerFactory(UserFactory):
    role = Role.officer
    district_code = "440783"


class EnterpriseUserFactory(UserFactory):
    role = Role.enterprise
    enterprise = factory.SubFactory(EnterpriseFactory)


class FlagFactory(BaseFactory):
    class Meta:
        model = Flag

    enterprise = factory.SubFactory(EnterpriseFactory)
    rule = "hitech_candidate"
    raised_on = date(2026, 1, 2)
    reasons = factory.LazyFunction(lambda: ["满足高新技术企业认定的各项量化条件"])
    gaps = factory.LazyFunction(dict)


def issue_token(user: User) -> str:
    """A fresh API token secret for `user`."""
    token, secret = ApiToken.issue(user, "test")
    db.session.add(token)
    db.session.commit()
    return secret


class ChangeRequestFactory(BaseFactory):
    class Meta:
        model = ChangeRequest

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = "profile"
    payload = factory.LazyFunction(lambda: {"changes": {"town": ["", "司前镇"]}})
    status = ChangeRequestStatus.pending


class NotificationFactory(BaseFactory):
    class Meta:
        model = Notification

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    kind = "flag_raised"
    title = factory.Sequence(lambda n: f"提醒{n}")
    body = ""


class ImportBatchFactory(BaseFactory):
    class Meta:
        model = ImportBatch

    filename = factory.Sequence(lambda n: f"开平市2025年度科技型企业统计表{n}.xlsx")
    file_sha256 = factory.Sequence(lambda n: f"{n:064x}")
    source_district = "440783"
    year = 2025
    counts = factory.LazyFunction(lambda: {"rows": 10, "created": 6, "updated": 3, "unchanged": 0, "rejected": 1,
                                           "skipped": 2})


class JobRunFactory(BaseFactory):
    class Meta:
        model = JobRun

    job = "eligibility"
    as_of = date(2026, 1, 2)
    trigger = "schedule"
    status = JobStatus.succeeded
    counts = factory.LazyFunction(lambda: {"evaluated": 100, "raised": 5, "cleared": 1})
