"""The firm's innovation portrait: its numbers on a cohort worked by hand (tests/innovation/portrait_world.py),
the officer's firm page (any round, saying whether it is published) and the portal (published rounds only,
the firm's own)."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import event

from crm.extensions import db
from crm.innovation.display import firm_portrait
from crm.innovation.services import portrait, publish_round, score_of
from crm.models import Role
from tests.conftest import login
from tests.factories import EnterpriseFactory, EnterpriseUserFactory, OfficerFactory, UserFactory
from tests.innovation.portrait_world import build_cohort, scored_round

D = Decimal


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _row(page: str, code: str, table: str = 'class="table table-sm small portrait-group"') -> str:
    """The text of the portrait table's row of an indicator."""
    start = page.index(f'<tr data-indicator="{code}"', page.index(table))
    return _text(page[start:page.index("</tr>", start)])


def _section(page: str) -> str:
    start = page.index('id="innovation-portrait"')
    return page[start:page.index('class="innovation-portrait-data"', start)]


def test_the_portraits_numbers_on_a_cohort_worked_by_hand(app) -> None:
    cohort = build_cohort()
    round_ = scored_round(cohort)
    b = portrait(round_, score_of(round_.id, cohort.firms["B"].id))
    assert b is not None
    assert (b.score.score, b.score.rank, b.score.cohort_size, b.score.stars, b.score.stage) == (D("6.00"), 4, 5, None,
                                                                                                 "growth")
    lines = {line.code: line for line in b.indicators}
    assert [(lines[c].points, lines[c].weight, lines[c].median, lines[c].top_decile)
            for c in ("rd_expense", "rd_ratio", "rd_growth")] == [
        (D("2.00"), 8, D("4.00"), D("8.00")), (D("2.50"), 10, D("5.00"), D("10.00")),
        (D("1.50"), 6, D("3.00"), D("6.00"))]
    # Everything else ties: no firm beats another, 0 points, and the cohort's are 0 too.
    assert all(line.points == line.median == line.top_decile == 0 for code, line in lines.items()
               if code not in ("rd_expense", "rd_ratio", "rd_growth"))
    assert (lines["rd_ratio"].value, lines["rd_ratio"].unit) == ("0.0667", "%")
    groups = {g.code: g for g in b.groups}
    assert (groups["tech"].points, groups["tech"].weight, groups["tech"].median, groups["tech"].top_decile) == (
        D("6.00"), 58, D("12.00"), D("24.00"))
    assert (groups["growth"].weight, groups["extra"].weight) == (28, 14)
    # The biggest gaps to the top decile, largest first.
    assert [(line.code, gap) for line, gap in b.lifts] == [
        ("rd_ratio", D("7.50")), ("rd_expense", D("6.00")), ("rd_growth", D("4.50"))]

    e = portrait(round_, score_of(round_.id, cohort.firms["E"].id))
    assert (e.score.score, e.score.rank, e.score.stars, e.lifts) == (D("24.00"), 1, 3, [])
    a = portrait(round_, score_of(round_.id, cohort.firms["A"].id))
    growth = next(line for line in a.indicators if line.code == "profit_growth")
    assert (growth.value, growth.points, growth.note) == (None, 0, "2024年度净利润为负数，增长率无法计算")
    assert portrait(round_, score_of(round_.id, cohort.firms["F"].id)) is None


def test_the_firm_pages_portrait_costs_two_queries(app) -> None:
    cohort = build_cohort()
    scored_round(cohort)
    scored_round(cohort)
    firm_id = cohort.firms["B"].id
    db.session.remove()   # as a fresh request: nothing of the rounds in the session
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        shown = firm_portrait(firm_id, published_only=False)
        shown.chart()
        assert shown.portrait is not None and shown.round.id == 2 and len(shown.history) == 2
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 2, statements


def test_the_firm_page_shows_the_latest_round_and_says_it_is_not_published(app, client) -> None:
    cohort = build_cohort()
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    page = client.get(f"/enterprises/{cohort.firms['B'].uscc}").get_data(as_text=True)
    assert 'id="h-innovation"' in page
    assert "尚未开展创新积分评价" in _text(_section(page))

    round_ = scored_round(cohort)
    page = client.get(f"/enterprises/{cohort.firms['B'].uscc}").get_data(as_text=True)
    section = _section(page)
    summary = _text(section)
    assert f"第 {round_.id} 轮（2025 年度）" in summary and "未发布，仅工作人员可见" in summary
    assert re.search(r"data-score>6\.00<", section)
    assert "第 4 名 / 5 家" in summary and "未获星级" in summary and "成长期" in summary
    assert _row(page, "rd_ratio") == "研发费用占营业收入比例 6.67% 2.50 / 10 5.00 10.00"
    assert _row(page, "rd_expense") == "研发费用总额 200.00 万元 2.00 / 8 4.00 8.00"
    assert _row(page, "rd_growth") == "研发费用增长率 100.00% 1.50 / 6 3.00 6.00"
    lifts = page[page.index('id="portrait-lifts"'):]
    lifts = lifts[:lifts.index("</table>")]
    assert re.findall(r'data-indicator="(\w+)"', lifts) == ["rd_ratio", "rd_expense", "rd_growth"]
    assert "7.50 分" in lifts
    # The charts' figures travel in a JSON block a static script reads (no inline script).
    assert '<script type="application/json" class="innovation-portrait-data">' in page
    assert "js/innovation_portrait.js" in page and "echarts.min.js" in page

    publish_round(round_, cohort.publisher)
    db.session.commit()
    page = client.get(f"/enterprises/{cohort.firms['E'].uscc}").get_data(as_text=True)
    summary = _text(_section(page))
    assert "已发布" in summary and "未发布" not in summary
    assert "第 1 名 / 5 家" in summary and "三星" in summary
    assert "各项指标均已达到队列前10%的水平" in summary


def test_the_firm_page_names_the_reason_a_firm_was_not_scored(app, client) -> None:
    cohort = build_cohort()
    scored_round(cohort)
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    page = client.get(f"/enterprises/{cohort.firms['F'].uscc}").get_data(as_text=True)
    assert "本企业未参加本轮评分：没有2025年度报表" in _text(_section(page))
    # A not-computable indicator says why beside its 0 points.
    page = client.get(f"/enterprises/{cohort.firms['A'].uscc}").get_data(as_text=True)
    assert _row(page, "profit_growth").endswith("0 分：2024年度净利润为负数，增长率无法计算")
    # A firm entered after the last round is not in it, and the page says so.
    late = EnterpriseFactory(district="440783")
    page = client.get(f"/enterprises/{late.uscc}").get_data(as_text=True)
    assert "将在下一轮计入" in _text(_section(page))


def test_the_portal_shows_published_rounds_only(app, client) -> None:
    cohort = build_cohort()
    EnterpriseUserFactory(username="b", enterprise=cohort.firms["B"])
    first = scored_round(cohort)
    login(client, "b")
    page = client.get("/portal/innovation").get_data(as_text=True)
    section = _text(_section(page))
    assert "尚未发布创新积分评价结果" in section and "6.00" not in section and "data-round=" not in page

    publish_round(first, cohort.publisher)
    db.session.commit()
    second = scored_round(cohort)   # computed, not yet published
    page = client.get("/portal/innovation").get_data(as_text=True)
    section = _section(page)
    assert f'data-round="{first.id}"' in section and f'data-round="{second.id}"' not in page
    assert f"第 {second.id} 轮" not in page and "未发布" not in page
    assert "第 4 名 / 5 家" in _text(section) and _row(page, "rd_ratio") == "研发费用占营业收入比例 6.67% 2.50 / 10 5.00 10.00"
    # The history lists the published round only.
    history = page[page.index('id="portrait-history"'):]
    assert re.findall(r'<tr data-round="(\d+)"', history) == [str(first.id)]


def test_a_firm_not_scored_sees_why_in_the_portal(app, client) -> None:
    cohort = build_cohort()
    EnterpriseUserFactory(username="f", enterprise=cohort.firms["F"])
    scored_round(cohort, publish=True)
    login(client, "f")
    section = _text(_section(client.get("/portal/innovation").get_data(as_text=True)))
    assert "本企业未参加本轮评分：没有2025年度报表" in section
    assert "未评分：没有2025年度报表" in section


def test_an_enterprise_user_sees_no_other_firms_portrait_by_any_url(app, client) -> None:
    cohort = build_cohort()
    round_ = scored_round(cohort, publish=True)
    UserFactory(username="city", role=Role.bureau)
    EnterpriseUserFactory(username="b", enterprise=cohort.firms["B"])
    other = cohort.firms["E"]
    login(client, "b")
    # The portal's page takes no firm or round from the URL: whatever is added, it is the firm's own.
    for query in (f"?uscc={other.uscc}", f"?enterprise_id={other.id}", f"?round={round_.id}&firm={other.id}"):
        page = client.get(f"/portal/innovation{query}").get_data(as_text=True)
        assert "第 4 名 / 5 家" in _text(_section(page))
        assert other.name not in page   # (its code is in the page's own URL, echoed by the language switch)
    # Every page of the app that draws a portrait or lists a round, with the other firm named every way.
    values = {"uscc": other.uscc, "enterprise_id": str(other.id), "id": str(other.id), "round_id": str(round_.id),
              "year": "2025"}
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods
             and ("innovation" in r.rule or "portrait" in r.rule or r.endpoint == "enterprises.detail")]
    assert any(r.endpoint == "enterprises.detail" for r in rules)
    for rule in rules:
        url = re.sub(r"<(?:[^>:]*:)?(\w+)>", lambda m: values.get(m[1], str(other.id)), rule.rule)
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert other.name not in body, url
        if rule.endpoint != "portal.innovation":
            assert response.status_code in (302, 401, 403, 404), (url, response.status_code)
