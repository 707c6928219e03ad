"""A small cohort for the portrait's tests, worked by hand (tests/innovation/test_portrait.py,
tests/browser/test_innovation_portrait.py).

Five firms of 成长期 (founded 2015, revenue 3,000 万元) alike but for their R&D expense in the
fiscal year — 100, 200, 300, 400 and 500 万元, all up from 100 — so only 研发费用总额 (8 points
for 成长期), 研发费用占营业收入比例 (10) and 研发费用增长率 (6) tell them apart: on each, the
n-th firm beats n - 1 of the 4 others and gets weight × (n - 1) / 4; every other indicator ties
at 0. Firm A's net profit of the year before is negative, so its 净利润增长率 is not computable.
A sixth firm filed no report for the fiscal year and is not scored.

    firm   rd_expense  rd_ratio  rd_growth  score  rank
    A      0.00        0.00      0.00        0.00  5
    B      2.00        2.50      1.50        6.00  4
    C      4.00        5.00      3.00       12.00  3
    D      6.00        7.50      4.50       18.00  2
    E      8.00       10.00      6.00       24.00  1 (三星: the top 20% of 5 firms is 1 firm)

Cohort medians of those points 4.00, 5.00, 3.00 (score 12.00); top deciles (the best firm of
5) 8.00, 10.00, 6.00 (score 24.00).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from crm.extensions import db
from crm.innovation.services import publish_round, run_round
from crm.models import Enterprise, InnovationRound, Role, User
from tests.factories import AnnualReportFactory, EnterpriseFactory, UserFactory

AS_OF = date(2026, 3, 1)
FISCAL_YEAR = AS_OF.year - 1
RD_EXPENSE = {"A": 100, "B": 200, "C": 300, "D": 400, "E": 500}


@dataclass
class Cohort:
    firms: dict[str, Enterprise]   # "A".."E" scored, "F" not
    publisher: User


def build_cohort(district: str = "440783") -> Cohort:
    """The six firms of the module docstring, in ``district``; no round yet."""
    firms: dict[str, Enterprise] = {}
    for letter, rd in RD_EXPENSE.items():
        firm = EnterpriseFactory(district=district, name=f"江门画像{letter}科技有限公司", founded_on=date(2015, 3, 1))
        AnnualReportFactory(enterprise=firm, year=FISCAL_YEAR - 1, rd_expense=Decimal(100),
                            net_profit=Decimal(-50) if letter == "A" else Decimal(200))
        AnnualReportFactory(enterprise=firm, year=FISCAL_YEAR, rd_expense=Decimal(rd))
        firms[letter] = firm
    unscored = EnterpriseFactory(district=district, name="江门画像F科技有限公司", founded_on=date(2015, 3, 1))
    AnnualReportFactory(enterprise=unscored, year=FISCAL_YEAR - 1)
    firms["F"] = unscored
    publisher = UserFactory(username="publisher", role=Role.bureau)
    return Cohort(firms, publisher)


def scored_round(cohort: Cohort, publish: bool = False) -> InnovationRound:
    """A round of the cohort as of AS_OF, published if asked."""
    round_ = run_round(AS_OF, "test")
    if publish:
        publish_round(round_, cohort.publisher)
        db.session.commit()
    return round_
