"""Candidate lists: scope, filters, follow-up, export; the runs page; rule parameters admin page."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import AuditLog, DesignationKind, Flag, HandledStatus, Role, RuleParameter
from tests.conftest import csrf_token, login
from tests.eligibility.helpers import AS_OF, candidate
from tests.factories import DesignationFactory, EnterpriseUserFactory, OfficerFactory, UserFactory


def world():
    kaiping = candidate("440783", name="=开平公式科技有限公司")
    heshan = candidate("440784", name="鹤山候选科技有限公司")
    run_eligibility(AS_OF)
    return kaiping, heshan


def test_officer_sees_only_own_district(client) -> None:
    world()
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    page = client.get("/eligibility/?rule=hitech_candidate").get_data(as_text=True)
    assert "=开平公式科技有限公司" in page
    assert "鹤山候选科技有限公司" not in page
    assert "研发费用占销售收入比例" in page and "6.00%" in page  # deciding figures
    assert client.get("/eligibility/?rule=hitech_candidate&district=440784").status_code == 404


def test_bureau_filters_by_district_and_stage(client) -> None:
    kaiping, heshan = world()
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    page = client.get("/eligibility/?rule=tech_sme_candidate&district=440784").get_data(as_text=True)
    assert "鹤山候选科技有限公司" in page and "开平公式" not in page
    page = client.get("/eligibility/?rule=hitech_candidate&stage=hitech").get_data(as_text=True)
    assert "暂无符合条件的企业" in page
    page = client.get("/eligibility/?rule=hitech_candidate&stage=none").get_data(as_text=True)
    assert "鹤山候选科技有限公司" in page


def test_enterprise_users_cannot_open_candidate_lists(client) -> None:
    kaiping, _ = world()
    EnterpriseUserFactory(username="firm", enterprise=kaiping)
    login(client, "firm")
    assert client.get("/eligibility/").status_code == 404


def test_mark_handled_through_the_page(client) -> None:
    kaiping, heshan = world()
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    flag = db.session.scalar(select(Flag).where(Flag.enterprise_id == kaiping.id, Flag.rule == "hitech_candidate"))
    other = db.session.scalar(select(Flag).where(Flag.enterprise_id == heshan.id, Flag.rule == "hitech_candidate"))
    token = csrf_token(client, "/eligibility/")
    response = client.post(f"/eligibility/flags/{flag.id}/handle",
                           data={"csrf_token": token, "status": "applied", "note": "已提交申报材料",
                                 "next": "/eligibility/?rule=hitech_candidate"})
    assert response.status_code == 302 and response.location.endswith("/eligibility/?rule=hitech_candidate")
    db.session.expire_all()
    flag = db.session.get(Flag, flag.id)
    assert flag.handled_status is HandledStatus.applied and flag.handled_note == "已提交申报材料"
    [entry] = [e for e in db.session.scalars(select(AuditLog).where(AuditLog.entity == "flag",
                                                                     AuditLog.entity_id == flag.id))
               if "handled_status" in e.changes]
    assert entry.actor == "kp" and entry.changes["handled_status"] == [None, "applied"]
    # Another district's flag is not found; an unknown status is refused with a message.
    assert client.post(f"/eligibility/flags/{other.id}/handle",
                       data={"csrf_token": token, "status": "applied"}).status_code == 404
    client.post(f"/eligibility/flags/{flag.id}/handle", data={"csrf_token": token, "status": "bogus"})
    page = client.get("/eligibility/?rule=hitech_candidate").get_data(as_text=True)
    assert "处理状态" in page
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).handled_status is HandledStatus.applied


def test_export_has_reasons_and_no_formulas(client) -> None:
    world()
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    response = client.get("/eligibility/export.xlsx?rule=hitech_candidate")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "企业名称" and rows[0][6] == "依据年度" and rows[0][8] == "原因"
    assert len(rows) == 2  # only the officer's district
    name_cell = sheet.cell(row=2, column=2)
    assert name_cell.value == "=开平公式科技有限公司" and name_cell.data_type == "s"
    assert "研发费用占销售收入比例 6.00%" in rows[1][8]
    assert "6.00%（要求 5%）" in rows[1][7]
    assert rows[1][6] == "2025年度"


def test_runs_page_lists_runs(client) -> None:
    world()
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    page = client.get("/eligibility/runs").get_data(as_text=True)
    assert "培育对象评估" in page and 'data-status="succeeded"' in page
    assert "成功" in page and "命令行" in page and "评估企业 2，新列入" in page
    from crm.models import JobRun

    run = db.session.scalar(select(JobRun))
    detail = client.get(f"/eligibility/runs/{run.id}").get_data(as_text=True)
    assert "成功" in detail and "评估企业 2" in detail and "succeeded，" not in detail


def test_history_shows_cleared_periods(client) -> None:
    kaiping, _ = world()
    DesignationFactory(enterprise=kaiping, kind=DesignationKind.hitech, valid_from=date(2026, 6, 20))
    run_eligibility(date(2026, 12, 20))
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    page = client.get(f"/eligibility/history/{kaiping.uscc}").get_data(as_text=True)
    assert "2026-12-20" in page and "2026-06-15" in page


def test_admin_parameters_page(client) -> None:
    UserFactory(username="root", role=Role.admin)
    OfficerFactory(username="kp")
    login(client, "kp")
    assert client.get("/admin/parameters").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "root")
    page = client.get("/admin/parameters").get_data(as_text=True)
    assert "第一档研发费用占销售收入比例" in page and "rd_band1_min_ratio" in page
    assert client.get("/admin/").status_code == 200
    token = csrf_token(client, "/admin/parameters")
    bad = client.post("/admin/parameters", data={"csrf_token": token, "rule": "hitech_candidate",
                                                 "name": "rd_band1_min_ratio", "value": "五", "effective_year": "2026"})
    assert bad.status_code == 422 and "参数值" in bad.get_data(as_text=True)
    assert db.session.scalar(select(RuleParameter)) is None
    good = client.post("/admin/parameters", data={"csrf_token": token, "rule": "hitech_candidate",
                                                  "name": "rd_band1_min_ratio", "value": "0.06",
                                                  "effective_year": "2027"})
    assert good.status_code == 302
    row = db.session.scalar(select(RuleParameter))
    assert (row.value, row.effective_year) == ("0.06", 2027)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.entity == "rule_parameter"))
    assert audit is not None and audit.actor == "root"


def test_run_errors_show_only_firms_in_the_officers_district(client) -> None:
    from crm.models import JobRun, JobStatus

    kaiping, heshan = world()
    run = JobRun(job="eligibility", as_of=AS_OF, trigger="cli", status=JobStatus.succeeded, counts={"failed": 2},
                 errors=[{"enterprise": kaiping.uscc, "message": "ValueError: kaiping-broken"},
                         {"enterprise": heshan.uscc, "message": "ValueError: heshan-broken"},
                         {"enterprise": None, "message": "RuntimeError: whole-run"}])
    db.session.add(run)
    db.session.commit()
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    page = client.get(f"/eligibility/runs/{run.id}").get_data(as_text=True)
    assert "kaiping-broken" in page and kaiping.uscc in page and "whole-run" in page
    assert "heshan-broken" not in page and heshan.uscc not in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    page = client.get(f"/eligibility/runs/{run.id}").get_data(as_text=True)
    assert "kaiping-broken" in page and "heshan-broken" in page


def test_hitech_candidates_show_the_innovation_estimate_on_the_page_history_and_export(client) -> None:
    from decimal import Decimal

    from tests.factories import AnnualReportFactory, EnterpriseFactory

    firm = EnterpriseFactory(district="440783", name="成长科技有限公司")
    for year, net_assets in ((2023, "1000"), (2024, "1400"), (2025, "1960")):   # +40% a year: 9–10 points
        AnnualReportFactory(enterprise=firm, year=year, net_assets=Decimal(net_assets))  # flat sales: 1–2
    run_eligibility(AS_OF)
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    expected = ["成长性 10–12/20 分：净资产增长率 40.00%（9–10 分），销售收入增长率 0.00%（1–2 分）",
                "知识产权数量 7–8/8 分"]
    page = client.get("/eligibility/?rule=hitech_candidate").get_data(as_text=True)
    assert "创新能力估算（仅供参考，不作为认定条件）" in page
    assert all(line in page for line in expected)
    history = client.get(f"/eligibility/history/{firm.uscc}").get_data(as_text=True)
    assert all(line in history for line in expected)
    # Other rules' lists have no estimate.
    assert "创新能力估算" not in client.get("/eligibility/?rule=tech_sme_candidate").get_data(as_text=True)
    rows = list(load_workbook(BytesIO(client.get("/eligibility/export.xlsx?rule=hitech_candidate").data))
                .active.iter_rows(values_only=True))
    assert rows[0][-1] == "创新能力估算（仅供参考）"
    assert rows[1][-1] == "\n".join(expected)


def test_mark_handled_never_redirects_to_another_site(client) -> None:
    kaiping, _ = world()
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    flag = db.session.scalar(select(Flag).where(Flag.enterprise_id == kaiping.id, Flag.rule == "hitech_candidate"))
    token = csrf_token(client, "/eligibility/")
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/"):
        response = client.post(f"/eligibility/flags/{flag.id}/handle",
                               data={"csrf_token": token, "status": "contacted", "next": target})
        assert response.status_code == 302
        assert response.location.endswith("/eligibility/?rule=hitech_candidate"), target


def test_firm_page_trail_shows_the_flags_the_run_raised_in_words(client) -> None:
    kaiping, _ = world()
    OfficerFactory(username="kp_trail", district_code="440783")
    login(client, "kp_trail")
    page = client.get(f"/enterprises/{kaiping.uscc}").get_data(as_text=True)
    trail = page.split('id="audit-table"', 1)[1]
    # Who acted, in words: the nightly evaluation, not its code.
    assert "培育提示" in trail and "培育对象评估（定时任务）" in trail and "job:eligibility" not in trail
    assert "高新技术企业认定候选" in trail and "列入日期" in trail and "2026-06-15" in trail


def test_candidate_row_leads_to_the_firm_page_and_its_history(client) -> None:
    kaiping, _ = world()
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    page = client.get("/eligibility/?rule=hitech_candidate").get_data(as_text=True)
    row = page[page.index(f'data-uscc="{kaiping.uscc}"'):]
    row = row[:row.index("</tr>")]
    assert f'href="/enterprises/{kaiping.uscc}"' in row and f'href="/eligibility/history/{kaiping.uscc}"' in row
    history = client.get(f"/eligibility/history/{kaiping.uscc}").get_data(as_text=True)
    assert f'href="/enterprises/{kaiping.uscc}"' in history and 'href="/eligibility/"' in history


def test_follow_up_of_an_unhandled_flag_starts_unchosen_and_must_be_chosen(client) -> None:
    kaiping, _ = world()
    OfficerFactory(username="kp_choose", district_code="440783")
    login(client, "kp_choose")
    flag = db.session.scalar(select(Flag).where(Flag.enterprise_id == kaiping.id, Flag.rule == "hitech_candidate"))
    page = client.get("/eligibility/?rule=hitech_candidate").get_data(as_text=True)
    select_html = page.split(f'id="status-{flag.id}"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>（选择处理情况）</option>' in select_html
    assert " selected>已联系" not in select_html
    token = csrf_token(client, "/eligibility/")
    client.post(f"/eligibility/flags/{flag.id}/handle", data={"csrf_token": token, "status": "", "note": "x"})
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).handled_status is None
    assert "请选择" in client.get("/eligibility/?rule=hitech_candidate").get_data(as_text=True)


def _cells(page: str, uscc: str) -> tuple[str, str]:
    """The 关键指标 and 原因 cells of a firm's row on a candidate list, as text."""
    import re

    row = page[page.index(f'data-uscc="{uscc}"'):]
    row = row[:row.index("</tr>")]
    cells = re.findall(r'<td class="small col-wide">(.*?)</td>', row, re.S)
    return tuple(re.sub(r"<[^>]+>", " ", cell) for cell in cells[:2])  # type: ignore[return-value]


def test_key_figures_word_a_limit_as_a_limit_and_an_age_as_an_age(client) -> None:
    """Issue 18, decision 8: a maximum reads "上限 500 人", the founding condition "成立满 1 年",
    in the 关键指标 column and in the reasons alike (one formatter, crm.rules._format.requirement)."""
    kaiping, _ = world()
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    figures, reasons = _cells(client.get("/eligibility/?rule=tech_sme_candidate").get_data(as_text=True), kaiping.uscc)
    assert "职工总数不超过上限：" in figures and "人（上限 500 人）" in figures
    assert "万元（上限 20,000 万元）" in figures and "要求 500" not in figures
    assert "未超过上限 500 人" in reasons
    figures, reasons = _cells(client.get("/eligibility/?rule=hitech_candidate").get_data(as_text=True), kaiping.uscc)
    assert "（成立满 1 年）" in figures and "要求 1 年" not in figures
    assert "已成立满 1 年" in reasons
    assert "（要求 5%）" in figures  # a minimum keeps its wording, with the reasons' number (not 5.00%)
    rows = list(load_workbook(BytesIO(client.get("/eligibility/export.xlsx?rule=tech_sme_candidate").data))
                .active.iter_rows(values_only=True))
    assert "（上限 500 人）" in rows[1][7] and "未超过上限 500 人" in rows[1][8]
