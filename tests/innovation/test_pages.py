"""Staff pages of innovation points: rounds, the ranked list and its filters in each user's scope,
firms not scored, the .xlsx export, the printable announcement, running and publishing, and new
versions of the scheme (a round keeps the version it was scored with)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.extensions import db
from crm.innovation.forms import scheme_form_data
from crm.innovation.scheme import DEFAULT_SCHEME
from crm.innovation.services import publish_round, run_round
from crm.models import Enterprise, InnovationRound, InnovationScheme, InnovationScore, ReportStatus, Role
from tests.conftest import csrf_token, login
from tests.factories import AnnualReportFactory, EnterpriseFactory, EnterpriseUserFactory, OfficerFactory, UserFactory

AS_OF = date(2026, 3, 1)
KAIPING, HESHAN = "440783", "440784"
ROW = re.compile(r'<tr data-uscc="(\w+)" data-rank="(\d+)" data-stars="(\d?)">')


def world() -> dict[str, Enterprise]:
    """Twenty 成长期 firms alike but for R&D (firm 01 the most, so the best), alternating 开平 and 鹤山;
    three 初创期 firms with the least R&D (too few to rank alone: merged into 成长期, tied last);
    one firm without a 2025 report and one whose 2025 report is a draft. Keyed by name."""
    firms: dict[str, Enterprise] = {}

    def firm(name: str, district: str, rd: int | None, founded: date = date(2015, 3, 1),
             status: ReportStatus = ReportStatus.verified) -> None:
        made = EnterpriseFactory(district=district, name=name, founded_on=founded)
        AnnualReportFactory(enterprise=made, year=2024, rd_expense=Decimal(100))
        if rd is not None:
            AnnualReportFactory(enterprise=made, year=2025, rd_expense=Decimal(rd), status=status)
        firms[name] = made

    for n in range(1, 21):
        name = "=甲01公式科技有限公司" if n == 1 else f"创新{n:02d}科技有限公司"
        firm(name, KAIPING if n % 2 else HESHAN, 500 - 10 * n)
    for n in range(1, 4):
        firm(f"初创{n}科技有限公司", KAIPING, 50, founded=date(2024, 5, 1))
    firm("未报科技有限公司", KAIPING, None)
    firm("草稿科技有限公司", HESHAN, 300, status=ReportStatus.draft)
    return firms


def ranked(page: str) -> list[tuple[str, int, int | None]]:
    return [(uscc, int(rank), int(stars) if stars else None) for uscc, rank, stars in ROW.findall(page)]


def names(firms: dict[str, Enterprise], rows: list[tuple[str, int, int | None]]) -> list[str]:
    by_uscc = {f.uscc: name for name, f in firms.items()}
    return [by_uscc[uscc] for uscc, _rank, _stars in rows]


def test_ranked_list_orders_firms_with_ranks_ties_stars_and_the_merge_note(client) -> None:
    firms = world()
    round_ = run_round(AS_OF, "test")
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    page = client.get(f"/innovation/rounds/{round_.id}").get_data(as_text=True)
    rows = ranked(page)
    assert names(firms, rows)[:4] == ["=甲01公式科技有限公司", "创新02科技有限公司", "创新03科技有限公司",
                                      "创新04科技有限公司"]
    assert [r[1] for r in rows] == [*range(1, 21), 21, 21, 21]       # the three start-ups tie last
    # 23 firms: 五星 floor(1.15) = 1, 四星 to rank floor(2.3) = 2, 三星 to floor(4.6) = 4.
    assert [r[2] for r in rows[:6]] == [5, 4, 3, 3, None, None]
    assert "★★★★★" in page and "1 / 23" in page and "21 / 23" in page
    assert "初创期仅 3 家，不足 10 家，与成长期合并排名" in page
    assert "前 5%" in page and "其后 10%" in page and "向下取整" in page
    assert "方案第 1 版" in page and "开平市" in page and "鹤山市" in page
    assert f'href="/enterprises/{firms["创新02科技有限公司"].uscc}"' in page
    assert "未报科技有限公司" not in page  # not scored: on its own tab


def test_filters_by_district_cohort_and_stars(client) -> None:
    firms = world()
    round_ = run_round(AS_OF, "test")
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    base = f"/innovation/rounds/{round_.id}"
    heshan = names(firms, ranked(client.get(f"{base}?district={HESHAN}").get_data(as_text=True)))
    assert heshan == [f"创新{n:02d}科技有限公司" for n in range(2, 21, 2)]
    three = ranked(client.get(f"{base}?stars=3").get_data(as_text=True))
    assert names(firms, three) == ["创新03科技有限公司", "创新04科技有限公司"]
    [cohort] = round_.cohorts
    assert cohort["key"] == "startup+growth"
    assert len(ranked(client.get(base, query_string={"cohort": cohort["key"]}).get_data(as_text=True))) == 23
    assert client.get(f"{base}?cohort=nonesuch").status_code == 404
    assert client.get(f"{base}?stars=6").status_code == 404
    assert client.get(f"{base}?district=999999").status_code == 404
    assert client.get("/innovation/rounds/999").status_code == 404


def test_the_ranked_list_is_paged(client, monkeypatch) -> None:
    from crm.innovation import views

    world()
    round_ = run_round(AS_OF, "test")
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    monkeypatch.setattr(views, "PER_PAGE", 10)
    first = ranked(client.get(f"/innovation/rounds/{round_.id}").get_data(as_text=True))
    third = client.get(f"/innovation/rounds/{round_.id}?page=3").get_data(as_text=True)
    assert [r[1] for r in first] == list(range(1, 11))
    assert [r[1] for r in ranked(third)] == [21, 21, 21] and "共 23 家企业" in third
    assert client.get(f"/innovation/rounds/{round_.id}?page=99999999999999999999").status_code == 200


def test_an_officer_sees_only_firms_now_in_the_district(client) -> None:
    firms = world()
    round_ = run_round(AS_OF, "test")
    # After the round, one 鹤山 firm moves to 开平 and one 开平 firm to 鹤山: scope follows today's
    # district, the page shows the district as scored.
    firms["创新02科技有限公司"].district_code = KAIPING
    firms["创新03科技有限公司"].district_code = HESHAN
    db.session.commit()
    OfficerFactory(username="kp", district_code=KAIPING)
    login(client, "kp")
    page = client.get(f"/innovation/rounds/{round_.id}").get_data(as_text=True)
    shown = names(firms, ranked(page))
    assert "创新02科技有限公司" in shown and "创新03科技有限公司" not in shown
    assert all(firms[n].district_code == KAIPING for n in shown)
    assert [r[1] for r in ranked(page)][:2] == [1, 2]  # ranks as scored city-wide, not renumbered
    assert client.get(f"/innovation/rounds/{round_.id}?district={HESHAN}").status_code == 404
    own = names(firms, ranked(client.get(f"/innovation/rounds/{round_.id}?district={KAIPING}").get_data(as_text=True)))
    assert "创新02科技有限公司" not in own  # scored in 鹤山
    unscored = client.get(f"/innovation/rounds/{round_.id}/unscored").get_data(as_text=True)
    assert "未报科技有限公司" in unscored and "草稿科技有限公司" not in unscored
    assert client.get(f"/innovation/rounds/{round_.id}/unscored?district={HESHAN}").status_code == 404


def test_not_scored_firms_are_listed_with_why(client) -> None:
    world()
    round_ = run_round(AS_OF, "test")
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    page = client.get(f"/innovation/rounds/{round_.id}/unscored").get_data(as_text=True)
    reasons = re.findall(r"<td data-reason>([^<]*)</td>", page)
    assert sorted(reasons) == sorted(["2025年度报表为“草稿”，尚未提交", "没有2025年度报表"])
    assert "草稿科技有限公司" in page and "未报科技有限公司" in page
    assert "创新02科技有限公司" not in page
    ranking = client.get(f"/innovation/rounds/{round_.id}").get_data(as_text=True)
    assert f'href="/innovation/rounds/{round_.id}/unscored"' in ranking


def test_enterprise_users_never_reach_the_pages(client) -> None:
    firms = world()
    round_ = run_round(AS_OF, "test")
    publish_round(round_, UserFactory(role=Role.bureau))
    db.session.commit()
    EnterpriseUserFactory(username="firm", enterprise=firms["创新02科技有限公司"])
    login(client, "firm")
    for path in ("/innovation/", f"/innovation/rounds/{round_.id}", f"/innovation/rounds/{round_.id}/export.xlsx",
                 f"/innovation/rounds/{round_.id}/announcement", "/innovation/scheme"):
        assert client.get(path).status_code == 404, path


def test_export_has_every_indicator_and_no_formulas(client) -> None:
    firms = world()
    round_ = run_round(AS_OF, "test")
    OfficerFactory(username="kp", district_code=KAIPING)
    login(client, "kp")
    response = client.get(f"/innovation/rounds/{round_.id}/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:12] == ("排名", "队列家数", "星级", "统一社会信用代码", "企业名称", "所属区（市）（评分时）", "发展阶段",
                           "排名队列", "总分", "技术创新得分", "成长经营得分", "辅助得分")
    assert len(header) == 12 + 2 * len(DEFAULT_SCHEME.enabled)
    assert "研发费用总额（数值，万元）" in header and "研发费用总额（得分）" in header
    kaiping = [n for n, f in firms.items() if f.district_code == KAIPING and not n.startswith(("未报", "草稿"))]
    assert len(rows) == 1 + len(kaiping)                     # the officer's district only
    assert {r[4] for r in rows[1:]} == set(kaiping)
    best = rows[1]
    assert best[0] == 1 and best[1] == 23 and best[2] == "五星" and best[4] == "=甲01公式科技有限公司"
    name_cell = sheet.cell(row=2, column=5)
    assert name_cell.data_type == "s"                        # a string, never a formula
    score = db.session.scalar(select(InnovationScore).where(InnovationScore.enterprise_id
                                                            == firms["=甲01公式科技有限公司"].id))
    assert Decimal(str(best[8])) == score.score
    assert Decimal(str(best[9])) + Decimal(str(best[10])) + Decimal(str(best[11])) == score.score
    rd = header.index("研发费用总额（数值，万元）")
    assert best[rd] == 490 and Decimal(str(best[rd + 1])) == Decimal(score.indicators["rd_expense"][1])
    # A filter narrows the file as it narrows the page.
    starred = load_workbook(BytesIO(client.get(f"/innovation/rounds/{round_.id}/export.xlsx?stars=5").data)).active
    assert [r[4] for r in list(starred.iter_rows(values_only=True))[1:]] == ["=甲01公式科技有限公司"]
    assert client.get(f"/innovation/rounds/{round_.id}/export.xlsx?district={HESHAN}").status_code == 404


def test_announcement_of_a_published_round_shows_names_districts_and_stars_only(client) -> None:
    world()
    round_ = run_round(AS_OF, "test")
    UserFactory(username="city", role=Role.bureau)
    OfficerFactory(username="kp", district_code=KAIPING)
    login(client, "city")
    assert client.get(f"/innovation/rounds/{round_.id}/announcement").status_code == 404   # not published
    index = client.get("/innovation/").get_data(as_text=True)
    assert f"/innovation/rounds/{round_.id}/announcement" not in index
    publish_round(round_, UserFactory(role=Role.bureau))
    db.session.commit()
    page = client.get(f"/innovation/rounds/{round_.id}/announcement").get_data(as_text=True)
    assert "江门市2025年度企业创新积分评价结果公告" in page and "@media print" in page and "data-print" in page
    sections = dict(re.findall(r'<section data-stars="(\d)">(.*?)</section>', page, re.S))
    assert re.findall(r"<td>([^<]*有限公司)</td>", sections["5"]) == ["=甲01公式科技有限公司"]
    assert re.findall(r"<td>([^<]*有限公司)</td>", sections["4"]) == ["创新02科技有限公司"]
    assert re.findall(r"<td>([^<]*有限公司)</td>", sections["3"]) == ["创新03科技有限公司", "创新04科技有限公司"]
    assert "<td>鹤山市</td>" in sections["4"] and "★★★★" in sections["4"]
    assert "创新05科技有限公司" not in page                   # no stars, not announced
    score = db.session.scalar(select(InnovationScore.score).where(InnovationScore.rank == 1))
    assert str(score) not in page and "总分" not in page and "名次" not in page   # no scores, no ranks
    # An officer's announcement is their district's.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(client, "kp")
    page = client.get(f"/innovation/rounds/{round_.id}/announcement").get_data(as_text=True)
    assert "开平市2025年度企业创新积分评价结果公告" in page
    assert "=甲01公式科技有限公司" in page and "创新03科技有限公司" in page and "创新02科技有限公司" not in page
    assert client.get(f"/innovation/rounds/{round_.id}/announcement?district={HESHAN}").status_code == 404


def test_bureau_runs_and_publishes_once_and_officers_may_not(client) -> None:
    world()
    OfficerFactory(username="kp", district_code=KAIPING)
    UserFactory(username="city", role=Role.bureau)
    login(client, "kp")
    token = csrf_token(client, "/account")
    index = client.get("/innovation/").get_data(as_text=True)
    assert "立即评分" not in index
    assert client.post("/innovation/run", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(func.count(InnovationRound.id))) == 0
    round_ = run_round(AS_OF, "test")
    assert client.post(f"/innovation/rounds/{round_.id}/publish", data={"csrf_token": token}).status_code == 403
    index = client.get("/innovation/").get_data(as_text=True)
    assert f'data-round="{round_.id}" data-published="no"' in index and ">发布</button>" not in index

    client.post("/logout", data={"csrf_token": token})
    login(client, "city")
    token = csrf_token(client, "/account")
    response = client.post("/innovation/run", data={"csrf_token": token})
    new = db.session.scalar(select(InnovationRound).order_by(InnovationRound.id.desc()))
    assert new.id != round_.id and new.trigger == "web" and new.counts["scored"] == 23
    assert response.status_code == 302 and response.location.endswith(f"/innovation/rounds/{new.id}")
    index = client.get("/innovation/").get_data(as_text=True)
    assert ">发布</button>" in index and "data-confirm" in index
    assert client.post(f"/innovation/rounds/{new.id}/publish", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    published_at = db.session.get(InnovationRound, new.id).published_at
    assert published_at is not None and db.session.get(InnovationRound, new.id).published_by.username == "city"
    page = client.get("/innovation/").get_data(as_text=True)
    assert f'data-round="{new.id}" data-published="yes"' in page and "city" in page
    response = client.post(f"/innovation/rounds/{new.id}/publish", data={"csrf_token": token},
                           follow_redirects=True)
    assert "未重复发布" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InnovationRound, new.id).published_at == published_at
    assert client.post("/innovation/rounds/999/publish", data={"csrf_token": token}).status_code == 404


def _scheme_post(token: str, note: str = "研发强度加权", **changes: str) -> dict[str, str]:
    """The new-version form as the page fills it (version 1), with ``changes`` on top."""
    data = scheme_form_data(DEFAULT_SCHEME, 1)
    form = {"csrf_token": token, "base_version": data["base_version"], "note": note}
    for n, row in enumerate(data["indicators"]):
        form[f"indicators-{n}-code"] = row["code"]
        for stage in ("startup", "growth", "mature"):
            form[f"indicators-{n}-{stage}"] = str(row[stage])
        if row["enabled"]:
            form[f"indicators-{n}-enabled"] = "y"
    for name in ("startup_max_age", "startup_max_revenue", "mature_min_age", "mature_min_revenue", "cohort_basis",
                 "revenue_bands", "min_cohort", "five_star_share", "four_star_share", "three_star_share"):
        form[name] = str(data[name])
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _index(code: str) -> int:
    return [i.code for i in DEFAULT_SCHEME.indicators].index(code)


def test_scheme_page_shows_versions_indicators_parameters_and_what_cannot_be_computed(client) -> None:
    OfficerFactory(username="kp", district_code=KAIPING)
    login(client, "kp")
    page = client.get("/innovation/scheme").get_data(as_text=True)
    assert "创新积分方案 · 第 1 版" in page and "研发费用占营业收入比例" in page and "队列内排位" in page
    assert "1:0.4, 2:0.7, 3:1" in page                       # the bands of 研发机构
    assert "国家指引中本系统无法计算的指标" in page and "技术合同成交额" in page and "未对接税务数据" in page
    assert "初创期" in page and "不足的队列与相邻队列合并排名" in page and "前 5%" in page
    assert "修订方案" not in page                              # officers read it
    assert client.get("/innovation/scheme/new").status_code == 403
    assert client.get("/innovation/scheme?version=7").status_code == 404


def test_admin_saves_a_new_version_and_an_old_round_keeps_its_own(client) -> None:
    world()
    first = run_round(AS_OF, "test")
    UserFactory(username="boss", role=Role.admin)
    login(client, "boss")
    page = client.get("/innovation/scheme/new").get_data(as_text=True)
    assert 'name="indicators-0-growth"' in page and "第 1 版基础上新建第 2 版" in page
    token = csrf_token(client, "/innovation/scheme/new")
    talents, ratio = _index("talents"), _index("rd_ratio")
    post = _scheme_post(
        token, **{f"indicators-{talents}-enabled": None,
                  f"indicators-{ratio}-startup": "16", f"indicators-{ratio}-growth": "11",
                  f"indicators-{ratio}-mature": "9",
                  # 研发费用占营业收入比例 takes 人才's weights (switched off) less the added indicator's 2
                  "new_code": "digital", "new_name": "数字化水平", "new_group": "extra",
                  "new_measure": "digital_level", "new_method": "bands", "new_direction": "higher",
                  "new_bands": "1：0.5，3:1", "new_startup": "2", "new_growth": "2", "new_mature": "2",
                  "five_star_share": "10"})
    response = client.post("/innovation/scheme/new", data=post)
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = db.session.scalars(select(InnovationScheme).order_by(InnovationScheme.version)).all()
    assert [s.version for s in stored] == [1, 2] and stored[1].note == "研发强度加权"
    assert stored[1].created_by.username == "boss"
    definition = stored[1].definition
    by_code = {i["code"]: i for i in definition["indicators"]}
    assert by_code["talents"]["enabled"] is False
    assert by_code["rd_ratio"]["weights"] == {"startup": "16", "growth": "11", "mature": "9"}
    assert by_code["digital"]["bands"] == [["1", "0.5"], ["3", "1"]] and by_code["digital"]["group"] == "extra"
    assert definition["five_star_share"] == "0.1"

    second = run_round(AS_OF, "test")
    assert second.scheme.version == 2 and first.scheme.version == 1
    page = client.get(f"/innovation/rounds/{first.id}").get_data(as_text=True)
    assert 'data-scheme-version="1"' in page
    assert [r[2] for r in ranked(page)[:3]] == [5, 4, 3]      # the old round's stars, as computed
    page = client.get(f"/innovation/rounds/{second.id}").get_data(as_text=True)
    assert 'data-scheme-version="2"' in page
    assert [r[2] for r in ranked(page)[:4]] == [5, 5, 4, 3]   # 五星 10% of 23 firms: 2 now
    scheme_page = client.get("/innovation/scheme").get_data(as_text=True)
    assert "第 2 版" in scheme_page and "数字化水平" in scheme_page and "研发强度加权" in scheme_page
    assert "第 1 版" in client.get("/innovation/scheme?version=1").get_data(as_text=True)


def test_a_scheme_whose_weights_do_not_sum_to_100_is_refused_and_nothing_is_stored(client) -> None:
    UserFactory(username="boss", role=Role.admin)
    login(client, "boss")
    token = csrf_token(client, "/innovation/scheme/new")
    growth = _index("rd_expense")
    response = client.post("/innovation/scheme/new", data=_scheme_post(token, **{f"indicators-{growth}-growth": "9"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "成长期启用指标的权重合计为 101，应为 100" in page and "未保存" in page
    assert 'value="9"' in page                                # what was typed stays in the form
    assert db.session.scalar(select(func.count(InnovationScheme.id))) == 0

    # Field-level problems stand at their fields; an existing code cannot be added again.
    response = client.post("/innovation/scheme/new", data=_scheme_post(
        token, note="", min_cohort="abc", new_code="rd_ratio", new_name="重复", new_group="tech",
        new_measure="rd_ratio", new_startup="0", new_growth="0", new_mature="0"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请说明本次修订的内容和依据" in page and "请输入数字" in page
    response = client.post("/innovation/scheme/new", data=_scheme_post(
        token, new_code="rd_ratio", new_name="重复", new_group="tech", new_measure="rd_ratio",
        new_startup="0", new_growth="0", new_mature="0"))
    assert response.status_code == 422 and "指标代码 rd_ratio 已存在" in response.get_data(as_text=True)
    response = client.post("/innovation/scheme/new", data=_scheme_post(token, three_star_share="95"))
    assert response.status_code == 422 and "星级比例不能为负，合计不能超过 100%" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(InnovationScheme.id))) == 0


def test_a_form_read_at_an_older_version_stores_nothing(client) -> None:
    UserFactory(username="boss", role=Role.admin)
    login(client, "boss")
    token = csrf_token(client, "/innovation/scheme/new")
    assert client.post("/innovation/scheme/new", data=_scheme_post(token)).status_code == 302
    response = client.post("/innovation/scheme/new", data=_scheme_post(token), follow_redirects=True)
    assert "方案已有第 2 版" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(InnovationScheme.id))) == 2
