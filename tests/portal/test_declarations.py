"""Facts a firm declares for the MIIT ladder: the standing page names the one fact missing for
专精特新; the firm declares it with evidence; its officer verifies (or returns) it; the next
run flags the firm. Scoped like everything else: another firm's declaration is not reachable."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from crm.clock import today
from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import Attachment, AuditLog, DesignationKind, FactDeclaration, Flag, PlatformKind, PlatformLevel
from crm.models.annual_report import ReportStatus
from crm.models.declaration import IpGrade, ProductField
from tests.conftest import csrf_token, login
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    OfficerFactory,
    PlatformFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def almost_srdi(enterprise_user: str = "firm"):  # noqa: ANN201
    """A firm holding 创新型 that passes 专精特新 on every figure; its verified declaration gives
    everything but the year it entered its niche market."""
    user = EnterpriseUserFactory(username=enterprise_user)
    firm = user.enterprise
    latest = today().year - 1
    for year, main in ((latest - 2, 800), (latest - 1, 880), (latest, 968)):
        AnnualReportFactory(enterprise=firm, year=year, status=ReportStatus.verified, revenue=Decimal(1000),
                            main_revenue=Decimal(main), rd_expense=Decimal(100), net_profit=Decimal(100),
                            total_assets=Decimal(1000), total_liabilities=Decimal(500), employees=100, rd_staff=20,
                            tech_staff=25, ip_class1=2, ip_class2=1)
    DesignationFactory(enterprise=firm, kind=DesignationKind.innovative_sme, valid_from=date(latest - 1, 9, 1),
                       valid_to=date(latest + 2, 8, 31))
    PlatformFactory(enterprise=firm, kind=PlatformKind.engineering_center, level=PlatformLevel.provincial)
    db.session.add(FactDeclaration(enterprise_id=firm.id, declared_on=date(latest, 1, 1), status=ReportStatus.verified,
                                   product_field=ProductField.strategic_gap, digital_level=3, quality_certified=True,
                                   own_brand=True, quality_award=False, standards=False, strategic_emerging=True,
                                   ip_grade=IpGrade.own))
    db.session.commit()
    return firm


def test_the_one_missing_fact_from_standing_page_to_flag(app, client) -> None:
    firm = almost_srdi()
    OfficerFactory(username="kp", district_code=firm.district_code)
    db.session.commit()
    run_eligibility(today())
    assert db.session.scalar(select(Flag).where(Flag.rule == "srdi_sme_candidate")) is None

    login(client, "firm")
    page = client.get("/portal/standing").get_data(as_text=True)
    section = page[page.index('data-rule="srdi_sme_candidate"'):]
    section = section[:section.index("</section>")]
    assert section.count('class="table-light"') == 1  # exactly one condition undecided...
    assert "未申报从事特定细分市场的起始年份" in section  # ...the fact to declare
    assert "table-danger" not in section

    # The firm declares it, with a certificate as evidence, and submits.
    upload = client.post("/portal/declaration/attachments", data={
        "csrf_token": csrf_token(client, "/portal/declaration"), "file": (io.BytesIO(PDF), "细分市场证明.pdf")},
        content_type="multipart/form-data")
    assert upload.status_code == 302
    page = client.get("/portal/declaration").get_data(as_text=True)
    assert "细分市场证明.pdf" in page
    version = re.search(r'name="version_id"[^>]*value="([^"]*)"', page).group(1)
    response = client.post("/portal/declaration", data={
        "csrf_token": csrf_token(client, "/portal/declaration"), "version_id": version, "action": "submit",
        "declared_on": today().isoformat(), "niche_since": str(today().year - 5), "leading_product": "精密轴承",
        "product_field": "strategic_gap", "digital_level": "3", "quality_certified": "y", "own_brand": "y",
        "strategic_emerging": "True", "ip_grade": "own"})
    assert response.status_code == 302
    submitted = db.session.scalars(select(FactDeclaration).where(FactDeclaration.status == ReportStatus.submitted)).one()
    assert submitted.niche_since == today().year - 5 and submitted.product_field is ProductField.strategic_gap
    assert db.session.scalars(select(Attachment.declaration_id)).all() == [submitted.id]
    run_eligibility(today())
    assert db.session.scalar(select(Flag).where(Flag.rule == "srdi_sme_candidate")) is None  # not verified yet

    # The officer verifies it; the next run flags the firm.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(client, "kp")
    review = f"/enterprises/declarations/{submitted.id}/review"
    assert "细分市场证明.pdf" in client.get(review).get_data(as_text=True)
    response = client.post(review, data={"csrf_token": csrf_token(client, review), "decision": "verify",
                                         "version_id": str(submitted.version_id), "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FactDeclaration, submitted.id).status is ReportStatus.verified
    run_eligibility(today())
    flag = db.session.scalar(select(Flag).where(Flag.rule == "srdi_sme_candidate", Flag.enterprise_id == firm.id))
    assert flag is not None and flag.cleared_on is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "fact_declaration",
                                                     AuditLog.entity_id == submitted.id)) is not None


def test_a_returned_declaration_comes_back_to_the_firm_with_the_reason(app, client) -> None:
    firm = almost_srdi()
    OfficerFactory(username="kp", district_code=firm.district_code)
    declared = FactDeclaration(enterprise_id=firm.id, declared_on=today(), status=ReportStatus.submitted,
                               niche_since=2000, quality_award=True, quality_certified=False, own_brand=False,
                               standards=False)
    db.session.add(declared)
    db.session.commit()
    login(client, "kp")
    review = f"/enterprises/declarations/{declared.id}/review"
    refused = client.post(review, data={"csrf_token": csrf_token(client, review), "decision": "return",
                                        "version_id": str(declared.version_id), "reason": ""})
    assert refused.status_code == 422 and "退回时请填写退回原因" in refused.get_data(as_text=True)
    client.post(review, data={"csrf_token": csrf_token(client, review), "decision": "return",
                              "version_id": str(declared.version_id), "reason": "缺少质量奖证书"})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(client, "firm")
    page = client.get("/portal/declaration").get_data(as_text=True)
    assert "缺少质量奖证书" in page and 'data-status="returned"' in page


def test_an_officer_enters_facts_that_count_at_once_and_only_for_firms_in_scope(app, client) -> None:
    firm = EnterpriseFactory(district="440783")
    other = EnterpriseFactory(district="440703")
    OfficerFactory(username="kp", district_code="440783")
    db.session.commit()
    login(client, "kp")
    url = f"/enterprises/{firm.uscc}/declarations/new"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "declared_on": "2026-01-05",
                                      "niche_since": "2018", "digital_level": "2", "product_field": "",
                                      "strategic_emerging": "", "ip_grade": ""})
    assert response.status_code == 302
    declared = db.session.scalars(select(FactDeclaration)).one()
    assert declared.status is ReportStatus.verified and declared.digital_level == 2 and declared.product_field is None
    assert declared.strategic_emerging is None
    assert client.get(f"/enterprises/{other.uscc}/declarations/new").status_code == 404


def test_a_firm_cannot_reach_another_firms_declaration(app, client) -> None:
    almost_srdi("firm")
    theirs = almost_srdi("other")
    declared = db.session.scalars(select(FactDeclaration).where(FactDeclaration.enterprise_id == theirs.id)).one()
    declared.leading_product = "他厂的主导产品"
    db.session.commit()
    login(client, "firm")
    assert client.get(f"/enterprises/declarations/{declared.id}/review").status_code == 404
    assert "他厂的主导产品" not in client.get("/portal/declaration").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(client, "other")
    assert "他厂的主导产品" in client.get("/portal/declaration").get_data(as_text=True)


def test_submitted_declarations_wait_in_the_officers_queue_of_their_district_only(app, client) -> None:
    firm = almost_srdi()
    elsewhere = EnterpriseFactory(district="440703", name="蓬江某科技有限公司")
    for owner in (firm, elsewhere):
        db.session.add(FactDeclaration(enterprise_id=owner.id, declared_on=today(), status=ReportStatus.submitted,
                                       quality_award=False, quality_certified=False, own_brand=False, standards=False,
                                       submitted_at=None))
    OfficerFactory(username="kp", district_code=firm.district_code)
    db.session.commit()
    login(client, "kp")
    page = client.get("/enterprises/verification").get_data(as_text=True)
    queue = page[page.index('id="declaration-queue"'):]
    assert firm.name in queue and "蓬江某科技有限公司" not in queue
