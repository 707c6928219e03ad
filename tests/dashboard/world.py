"""A small world whose indicators are counted by hand in the tests (as of AS_OF)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from crm.models import DesignationKind, PlatformKind, PlatformLevel, ReportStatus
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    PlatformFactory,
    TalentFactory,
)

AS_OF = date(2025, 6, 30)
KP, PJ = "440783", "440703"  # 开平市, 蓬江区


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    # High-tech certificates around the as-of date.
    w.on_day = EnterpriseFactory(district=KP)  # lapses ON as_of: still counts
    DesignationFactory(enterprise=w.on_day, kind=DesignationKind.hitech,
                       valid_from=date(2022, 7, 1), valid_to=AS_OF)
    w.day_before = EnterpriseFactory(district=KP)  # lapsed the day before: does not count
    DesignationFactory(enterprise=w.day_before, kind=DesignationKind.hitech,
                       valid_from=date(2022, 6, 30), valid_to=date(2025, 6, 29))
    w.future = EnterpriseFactory(district=KP)  # issued after as_of
    DesignationFactory(enterprise=w.future, kind=DesignationKind.hitech, valid_from=date(2025, 7, 1))
    w.hitech_sme = EnterpriseFactory(district=KP)
    DesignationFactory(enterprise=w.hitech_sme, kind=DesignationKind.hitech,
                       valid_from=date(2024, 1, 1), valid_to=date(2026, 12, 31))
    DesignationFactory(enterprise=w.hitech_sme, kind=DesignationKind.tech_sme, valid_from=date(2025, 1, 1))
    w.renewed = EnterpriseFactory(district=KP)  # two overlapping certificates: one firm
    DesignationFactory(enterprise=w.renewed, kind=DesignationKind.hitech,
                       valid_from=date(2022, 12, 1), valid_to=date(2025, 11, 30))
    DesignationFactory(enterprise=w.renewed, kind=DesignationKind.hitech, valid_from=date(2025, 6, 1))
    w.gazelle = EnterpriseFactory(district=PJ)
    for kind in (DesignationKind.tech_sme, DesignationKind.gazelle, DesignationKind.golden_seed):
        DesignationFactory(enterprise=w.gazelle, kind=kind, valid_from=date(2025, 1, 1))
    PlatformFactory(enterprise=w.gazelle, kind=PlatformKind.star_space, level=PlatformLevel.municipal)
    TalentFactory(enterprise=w.gazelle, high_end=True, year=2022)

    # Above-size industrial firms (a manufacturer's code: a firm of no recorded industry is
    # left out): R&D ratio (fiscal 2024) and R&D institution coverage.
    w.big_kp = EnterpriseFactory(district=KP, above_size=True, industry_code="C34")
    AnnualReportFactory(enterprise=w.big_kp, year=2024, status=ReportStatus.verified,
                        revenue=Decimal("1000"), rd_expense=Decimal("30"))
    AnnualReportFactory(enterprise=w.big_kp, year=2023, status=ReportStatus.verified,
                        revenue=Decimal("900"), rd_expense=Decimal("90"))
    PlatformFactory(enterprise=w.big_kp, kind=PlatformKind.engineering_center, level=PlatformLevel.municipal)
    TalentFactory(enterprise=w.big_kp, high_end=True, year=2026)  # not yet brought in
    TalentFactory(enterprise=w.big_kp, high_end=False, year=2020)  # not high-end
    w.big_pj = EnterpriseFactory(district=PJ, above_size=True, industry_code="C34")
    AnnualReportFactory(enterprise=w.big_pj, year=2024, status=ReportStatus.submitted,
                        revenue=Decimal("3000"), rd_expense=Decimal("60"))
    PlatformFactory(enterprise=w.big_pj, kind=PlatformKind.key_lab, level=PlatformLevel.municipal,
                    valid_to=date(2025, 6, 29))  # expired the day before
    w.big_draft = EnterpriseFactory(district=KP, above_size=True, industry_code="C34")
    AnnualReportFactory(enterprise=w.big_draft, year=2024, status=ReportStatus.draft,
                        revenue=Decimal("5000"), rd_expense=Decimal("500"))
    PlatformFactory(enterprise=w.big_draft, kind=PlatformKind.incubator, level=PlatformLevel.municipal)
    w.big_late = EnterpriseFactory(district=KP, above_size=True, industry_code="C34")
    AnnualReportFactory(enterprise=w.big_late, year=2025, status=ReportStatus.verified,
                        revenue=Decimal("100"), rd_expense=Decimal("50"))
    PlatformFactory(enterprise=w.big_late, kind=PlatformKind.key_lab, level=PlatformLevel.municipal,
                    valid_to=AS_OF)  # ends on as_of: still valid

    # Provincial-or-higher platforms.
    w.platforms = EnterpriseFactory(district=KP)
    PlatformFactory(enterprise=w.platforms, kind=PlatformKind.engineering_center, level=PlatformLevel.provincial)
    PlatformFactory(enterprise=w.platforms, kind=PlatformKind.key_lab, level=PlatformLevel.national)
    PlatformFactory(enterprise=w.platforms, kind=PlatformKind.incubator, level=PlatformLevel.provincial)
    PlatformFactory(enterprise=w.platforms, kind=PlatformKind.engineering_center, level=PlatformLevel.provincial,
                    recognized_on=date(2020, 1, 1), valid_to=date(2025, 6, 29))
    PlatformFactory(enterprise=w.platforms, kind=PlatformKind.enterprise_tech_center,
                    level=PlatformLevel.provincial, recognized_on=date(2025, 7, 1))  # not yet
    return w
