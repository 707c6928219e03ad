"""The firm list: scope, search, filters, SQL sorting, counts, export."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from urllib.parse import urlencode

from openpyxl import load_workbook

from crm.enterprises.queries import EnterpriseFilter
from crm.enterprises.services import list_page
from crm.clock import today
from crm.models import DesignationKind, PlatformKind, ReportStatus
from tests.conftest import login
from tests.enterprises.helpers import xlsx_rows
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    FlagFactory,
    OfficerFactory,
    PlatformFactory,
    UserFactory,
    uscc_for,
)


def _names(client, query: str = "") -> list[str]:
    import re

    page = client.get(f"/enterprises/{query}").get_data(as_text=True)
    return re.findall(r'<a href="/enterprises/[0-9A-Z]{18}">([^<]+)</a>', page)


def test_officer_sees_only_own_district(app, client) -> None:
    EnterpriseFactory(name="开平甲科技有限公司", district="440783")
    EnterpriseFactory(name="鹤山乙科技有限公司", district="440784")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    assert _names(client) == ["开平甲科技有限公司"]
    # Asking for another district shows nothing of it.
    assert _names(client, "?district=440784") == []


def test_search_by_name_code_and_pinyin_initials(app, client) -> None:
    a = EnterpriseFactory(name="江门市恒力科技有限公司")
    EnterpriseFactory(name="开平市永安机械厂")
    OfficerFactory(username="kp")
    login(client, "kp")
    assert _names(client, "?q=恒力") == [a.name]
    assert _names(client, "?q=jmshl") == [a.name]
    assert _names(client, f"?q={a.uscc.lower()}") == [a.name]


def test_search_finds_a_name_whichever_width_its_brackets_are_typed(app, client) -> None:
    full = EnterpriseFactory(name="江门乙（中国）电子有限公司")
    half = EnterpriseFactory(name="江门丙(中国)机械有限公司")
    OfficerFactory(username="kp")
    login(client, "kp")
    assert sorted(_names(client, "?q=(中国)")) == sorted([full.name, half.name])
    assert sorted(_names(client, "?q=（中国）电子")) == [full.name]


def test_filters_stage_designation_flag_size_rd(app, client) -> None:
    hitech = EnterpriseFactory(name="甲高企", above_size=True)
    DesignationFactory(enterprise=hitech, kind=DesignationKind.hitech, valid_from=today().replace(month=1, day=1))
    sme = EnterpriseFactory(name="乙科小")
    DesignationFactory(enterprise=sme, kind=DesignationKind.tech_sme, valid_from=today().replace(month=1, day=1))
    FlagFactory(enterprise=sme, rule="hitech_candidate")
    with_lab = EnterpriseFactory(name="丙研发")
    PlatformFactory(enterprise=with_lab, kind=PlatformKind.key_lab)
    OfficerFactory(username="kp")
    login(client, "kp")
    assert _names(client, "?stage=hitech") == ["甲高企"]
    assert _names(client, "?designation=tech_sme") == ["乙科小"]
    assert _names(client, "?flag=hitech_candidate") == ["乙科小"]
    assert _names(client, "?above_size=1") == ["甲高企"]
    assert sorted(_names(client, "?above_size=0")) == sorted(["乙科小", "丙研发"])
    assert _names(client, "?has_rd=1") == ["丙研发"]
    page = client.get("/enterprises/").get_data(as_text=True)
    assert 'data-stage-count="hitech">1<' in page
    assert 'data-stage-count="none">1<' in page


def test_unknown_filter_value_is_a_message(app, client) -> None:
    OfficerFactory(username="kp")
    login(client, "kp")
    response = client.get("/enterprises/?stage=nonsense")
    assert response.status_code == 400
    assert "未知的梯队阶段" in response.get_data(as_text=True)


def _report(firm, year, revenue, rd="100", status=ReportStatus.verified):
    return AnnualReportFactory(enterprise=firm, year=year, revenue=Decimal(revenue), rd_expense=Decimal(rd),
                               rd_expense_domestic=Decimal(rd), status=status)


def test_sorting_in_sql_by_latest_year(app) -> None:
    a = EnterpriseFactory(name="A")
    b = EnterpriseFactory(name="B")
    c = EnterpriseFactory(name="C")
    EnterpriseFactory(name="D-no-reports")
    _report(a, 2024, "1000"); _report(a, 2025, "1500", rd="30")    # growth 50%, ratio 2%
    _report(b, 2024, "4000"); _report(b, 2025, "3000", rd="300")   # growth -25%, ratio 10%
    _report(c, 2025, "2000", rd="100")                             # no growth, ratio 5%
    _report(c, 2026, "9999", status=ReportStatus.draft)            # drafts do not count
    officer = OfficerFactory()

    def order(sort: str, descending: bool) -> list[str]:
        page = list_page(officer, EnterpriseFilter(), today(), sort, descending)
        return [row.enterprise.name for row in page.rows]

    assert order("revenue", True) == ["B", "C", "A", "D-no-reports"]
    assert order("revenue", False) == ["A", "C", "B", "D-no-reports"]
    assert order("rd_ratio", True) == ["B", "C", "A", "D-no-reports"]
    assert order("growth", True) == ["A", "B", "C", "D-no-reports"]
    rows = {row.enterprise.name: row.figures for row in list_page(officer, EnterpriseFilter(), today()).rows}
    assert rows["C"].year == 2025 and rows["C"].revenue == Decimal("2000")
    assert rows["A"].growth == Decimal("0.5")
    assert rows["B"].rd_ratio == Decimal("0.1")


def test_pagination(app, client) -> None:
    for n in range(55):
        EnterpriseFactory(name=f"企业{n:03d}")
    OfficerFactory(username="kp")
    login(client, "kp")
    assert len(_names(client)) == 50
    assert _names(client, "?page=2") == ["企业050", "企业051", "企业052", "企业053", "企业054"]


def test_enterprise_users_cannot_use_workspace(app, client) -> None:
    user = EnterpriseUserFactory(username="firm")
    login(client, "firm")
    other = EnterpriseFactory()
    assert client.get("/enterprises/").status_code == 404
    assert client.get(f"/enterprises/{user.enterprise.uscc}").status_code == 404
    assert client.get(f"/enterprises/{other.uscc}").status_code == 404
    assert client.get("/enterprises/export.xlsx").status_code == 404
    assert client.get(f"/enterprises/{other.uscc}/profile").status_code == 404


def test_names_with_html_are_shown_as_text(app, client) -> None:
    firm = EnterpriseFactory(name="<script>alert(1)</script>公司", notes="<b>备注</b>")
    OfficerFactory(username="kp")
    login(client, "kp")
    listing = client.get("/enterprises/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;公司" in listing
    page = client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    assert "<b>备注</b>" not in page and "&lt;b&gt;备注&lt;/b&gt;" in page


def test_export_has_the_filtered_rows_in_order(app, client) -> None:
    a = EnterpriseFactory(name="甲公司", contact_person="张三")
    b = EnterpriseFactory(name="乙公司")
    EnterpriseFactory(name="鹤山公司", district="440784")
    _report(a, 2025, "1000", rd="50")
    _report(b, 2025, "2000", rd="50")
    OfficerFactory(username="kp")
    login(client, "kp")
    response = client.get("/enterprises/export.xlsx?sort=revenue&dir=desc")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = xlsx_rows(response.data)
    assert rows[0][:3] == ["统一社会信用代码", "企业名称", "所属区（市）"]
    assert [r[1] for r in rows[1:]] == ["乙公司", "甲公司"]
    assert rows[2][0] == a.uscc and rows[2][2] == "开平市" and rows[2][8] == 1000 and rows[2][13] == "张三"
    assert abs(rows[2][10] - 0.05) < 1e-9
    cells = list(load_workbook(BytesIO(response.data)).active.iter_rows(min_row=3, max_row=3))[0]
    assert (cells[8].number_format, cells[10].number_format) == ("#,##0.00", "0.00%")
    filtered = xlsx_rows(client.get("/enterprises/export.xlsx?q=甲").data)
    assert [r[1] for r in filtered[1:]] == ["甲公司"]


def test_export_never_writes_formulas(app, client) -> None:
    EnterpriseFactory(name="=HYPERLINK(\"http://x\",\"点击\")", contact_person="+1+2", contact_phone="-3", town="@SUM(A1)")
    OfficerFactory(username="kp")
    login(client, "kp")
    content = client.get("/enterprises/export.xlsx").data
    sheet = load_workbook(BytesIO(content)).active
    row = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    values = {cell.value for cell in row}
    assert '=HYPERLINK("http://x","点击")' in values and "+1+2" in values and "-3" in values and "@SUM(A1)" in values
    assert all(cell.data_type != "f" for cell in row)


def test_bureau_sees_every_district(app, client) -> None:
    EnterpriseFactory(name="开平公司", district="440783")
    EnterpriseFactory(name="鹤山公司", district="440784")
    UserFactory(username="city")
    login(client, "city")
    assert sorted(_names(client)) == ["开平公司", "鹤山公司"]
    assert _names(client, "?district=440784") == ["鹤山公司"]


def test_stage_counts_follow_the_current_filter(app, client) -> None:
    hitech = EnterpriseFactory(name="江门恒力科技有限公司")
    DesignationFactory(enterprise=hitech, kind=DesignationKind.hitech, valid_from=today().replace(month=1, day=1))
    EnterpriseFactory(name="江门永安机械厂")
    EnterpriseFactory(name="开平其他公司")
    OfficerFactory(username="kp")
    login(client, "kp")
    import re

    def counts(query: str) -> dict[str, int]:
        page = client.get(f"/enterprises/{query}").get_data(as_text=True)
        return {k: int(v) for k, v in re.findall(r'data-stage-count="(\w+)">([\d,]+)<', page)}

    assert counts("")["none"] == 2 and counts("")["hitech"] == 1
    # Searching "江门" lists two firms; the counts are of those two, not of the district.
    assert counts("?q=江门")["none"] == 1 and counts("?q=江门")["hitech"] == 1
    # A stage filter does not empty the other stages' counts (each pill shows what it would list).
    assert counts("?q=江门&stage=hitech") == counts("?q=江门")
    assert counts("?q=永安")["hitech"] == 0 and counts("?q=永安")["none"] == 1


def test_search_matches_part_of_a_code_and_of_the_initials(app, client) -> None:
    a = EnterpriseFactory(name="江门市恒力科技有限公司", uscc=uscc_for("440783", 123456789))
    EnterpriseFactory(name="开平市永安机械厂", uscc=uscc_for("440783", 987654321))
    OfficerFactory(username="kp")
    login(client, "kp")
    assert _names(client, "?q=345678") == [a.name]  # the middle of the code
    spaced = f"{a.uscc[:4]} {a.uscc[4:10]} {a.uscc[10:]}"
    assert _names(client, "?" + urlencode({"q": spaced})) == [a.name]  # typed with spaces
    assert _names(client, "?q=hlkj") == [a.name]  # initials of the trade name, without the place
    assert _names(client, "?q=HLKJ") == [a.name]


def test_export_cannot_reach_another_district_by_its_parameters(app, client) -> None:
    EnterpriseFactory(name="开平公司", district="440783")
    other = EnterpriseFactory(name="鹤山公司", district="440784")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    for query in ("?district=440784", f"?q={other.uscc}", "?district=440784&q=鹤山"):
        rows = xlsx_rows(client.get(f"/enterprises/export.xlsx{query}").data)
        assert rows[1:] == [], query
    assert [r[1] for r in xlsx_rows(client.get("/enterprises/export.xlsx").data)[1:]] == ["开平公司"]


def test_industry_section_takes_in_its_divisions(app, client) -> None:
    EnterpriseFactory(name="汽配厂", industry_code="C36")
    EnterpriseFactory(name="制造总类", industry_code="C")
    EnterpriseFactory(name="软件公司", industry_code="I65")
    OfficerFactory(username="kp")
    login(client, "kp")
    assert sorted(_names(client, "?industry=C")) == ["制造总类", "汽配厂"]
    assert _names(client, "?industry=C36") == ["汽配厂"]
    assert _names(client, "?industry=I") == ["软件公司"]


def test_stage_counts_agree_for_a_district_and_the_city(app) -> None:
    """The two ways of counting (per firm in a district, grouped city-wide) give the same figures."""
    from crm.enterprises.services import stage_counts_matching

    start = today().replace(month=1, day=1)
    for district in ("440783", "440784"):
        EnterpriseFactory(district=district)
        sme = EnterpriseFactory(district=district)
        DesignationFactory(enterprise=sme, kind=DesignationKind.tech_sme, valid_from=start)
        both = EnterpriseFactory(district=district, above_size=True)
        DesignationFactory(enterprise=both, kind=DesignationKind.tech_sme, valid_from=start)
        DesignationFactory(enterprise=both, kind=DesignationKind.hitech, valid_from=start)
    officer = OfficerFactory(district_code="440783")
    city = UserFactory()
    expected = {"none": 1, "incubated": 0, "tech_sme": 1, "hitech": 1, "gazelle": 0, "little_giant": 0, "listed": 0}
    assert stage_counts_matching(officer, EnterpriseFilter(), today()) == expected
    assert stage_counts_matching(city, EnterpriseFilter(district="440784"), today()) == expected
    assert stage_counts_matching(city, EnterpriseFilter(), today()) == {k: 2 * v for k, v in expected.items()}
    assert stage_counts_matching(officer, EnterpriseFilter(above_size=True), today())["hitech"] == 1
    assert sum(stage_counts_matching(city, EnterpriseFilter(above_size=True), today()).values()) == 2
