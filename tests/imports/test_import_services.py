"""Importing spreadsheets into the database: accounting, formats, duplicates, designations,
batches, audit, dry runs and rollback."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.audit import acting_as
from crm.extensions import db
from crm.imports.services import BatchErrors, import_file, issues_of, rollback_batch
from crm.models import AnnualReport, AuditLog, Designation, Enterprise, ImportBatch, IssueKind
from crm.models.annual_report import ReportStatus
from crm.models.designation import DesignationKind, DesignationSource
from crm.models.import_batch import BatchStatus
from crm.uscc import make_uscc
from importers.batches import RollbackRefused
from importers.report import error_report
from tests.factories import AnnualReportFactory, EnterpriseFactory, UserFactory
from tests.importers.helpers import csv_bytes, with_formula_errors, xlsx_bytes
from tests.importers.sample_data import EXPECTED, sheet_rows

FIXTURES = Path(__file__).resolve().parent.parent / "importers" / "fixtures"
KAIPING = [make_uscc(f"91440783MA5{n:06d}") for n in range(1, 9)]
PENGJIANG = make_uscc("91440703MA5000008")


def table_counts() -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.execute(select(func.count()).select_from(table)).scalar_one()
    return counts


def snapshot() -> dict[str, dict[str, object]]:
    """Every firm with its reports, in comparable form."""
    state = {}
    for firm in db.session.scalars(select(Enterprise)).unique():
        state[firm.uscc] = {
            "name": firm.name, "district": firm.district_code, "founded_on": firm.founded_on,
            "reports": {r.year: (r.status.value, r.revenue, r.rd_expense, r.employees, r.tech_staff)
                        for r in firm.annual_reports},
        }
    return state


def messy_rows() -> list[list[object]]:
    bad_check = KAIPING[3][:-1] + ("0" if KAIPING[3][-1] != "0" else "1")
    spaced = " ".join([KAIPING[1][:6].lower(), KAIPING[1][6:12].lower(), KAIPING[1][12:].lower()])
    return [
        ["开平市2023年度科技型企业统计表"],                                               # 1 merged title
        ["填报单位：开平市科学技术局", "", "", "", "", "", "单位：万元"],                   # 2 notes
        ["序号", "企业名称", "统一社会信用代码", "成立时间", "销售收入", "研发投入", "", "从业人员", "科技人员"],
        ["", "", "", "", "", "合计", "其中：境内", "", ""],                                # 4 two-row header
        [1, "开平甲科技有限公司", KAIPING[0], dt.date(2015, 3, 1), 1234.5, 100, 80, 50, 10],   # 5 good
        [2, "开平乙电子有限公司", spaced, "2019.5.12", "1,234.50", "６０", "６０", "３０", "５"],  # 6 good, messy
        [],                                                                              # 7 blank
        [3, "开平丙材料有限公司", KAIPING[2], "2018年7月1日", "２,０００", 90, 90, 40, 8],    # 8 good
        [4, "开平丁机械有限公司", bad_check, "20170101", 500, 20, 20, 20, 4],               # 9 wrong check digit
        [5, "开平戊化工有限公司", KAIPING[4], 43597, -300, 10, 10, 25, 5],                 # 10 negative amount
        [6, "开平己光电有限公司", KAIPING[5], "2020/1/2", 800, 30, 30, 10, 12],             # 11 tech > staff
        [7, "蓬江庚科技有限公司", PENGJIANG, "2016-06-06", "1,000", 50, 40, 60, 9],         # 12 good, 蓬江
        [8, "开平甲科技有限公司", KAIPING[0], dt.date(2015, 3, 1), 1234.5, 100, 80, 50, 10],   # 13 identical dup of 5
        [9, "开平丙材料有限公司", KAIPING[2], "2018年7月1日", 2500, 90, 90, 40, 8],          # 14 conflicting dup of 8
        ["合计", "", "", "", 5768.5, 355, 336, 255, 50],                                  # 15 totals
        ["填表说明：金额单位为万元"],                                                      # 16 notes
    ]


def test_messy_sheet_keeps_good_rows_and_rejects_bad_ones(app) -> None:
    data = xlsx_bytes(messy_rows(), merges=["A1:I1", "F3:G3"])
    result = import_file(data, "开平.xlsx")

    assert result.counts() == {"rows": 9, "created": 3, "updated": 0, "unchanged": 1, "rejected": 5, "skipped": 3}
    assert sorted({e.row for e in result.errors}) == [8, 9, 10, 11, 14]
    # Rows 8 and 14 disagree about one firm-year: both rejected, each naming the other.
    for row, other in ((8, "第14行"), (14, "第8行")):
        conflict = [e for e in result.errors if e.row == row]
        assert len(conflict) == 1 and other in conflict[0].message and "数据不一致" in conflict[0].message
    firms = snapshot()
    assert set(firms) == {KAIPING[0], KAIPING[1], PENGJIANG}  # nothing written from rows 8 or 14
    assert firms[PENGJIANG]["district"] == "440703" and firms[KAIPING[1]]["district"] == "440783"
    assert firms[KAIPING[1]]["reports"][2023] == ("verified", Decimal("1234.5"), Decimal("60"), 30, 5)
    assert not db.session.scalar(select(Enterprise).where(Enterprise.name == "合计"))


def test_messy_sheet_rejected_rows(app) -> None:
    data = xlsx_bytes(messy_rows(), merges=["A1:I1", "F3:G3"])
    result = import_file(data, "开平.xlsx")
    by_row: dict[int, list[str]] = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append(error.column)
    assert by_row[9] == ["统一社会信用代码"]
    assert by_row[10] == ["销售收入"]
    assert by_row[11] == ["科技人员"]
    # Every data row is accounted for.
    assert result.rows == result.created + result.updated + result.unchanged + result.rejected


def _expected_state() -> dict[str, dict[str, object]]:
    return {
        values["uscc"]: {
            "name": values["name"], "district": values["district_code"], "founded_on": values["founded_on"],
            "reports": {2023: ("verified", values["revenue"], values["rd_expense"], values["employees"],
                               values["tech_staff"])},
        }
        for values in EXPECTED.values()
    }


@pytest.mark.parametrize(
    ("filename", "make"),
    [
        ("county.xlsx", lambda: xlsx_bytes(sheet_rows(), merges=["A1:H1"])),
        ("county_2023.xls", lambda: (FIXTURES / "county_2023.xls").read_bytes()),
        ("county.csv", lambda: csv_bytes(sheet_rows(), "gbk")),
        ("county_utf8.csv", lambda: csv_bytes(sheet_rows(), "utf-8-sig")),
    ],
)
def test_every_format_imports_identically(app, filename, make) -> None:
    result = import_file(make(), filename)
    assert result.counts() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "rejected": 0, "skipped": 1}
    assert snapshot() == _expected_state()


def test_reimport_changes_nothing(app) -> None:
    data = xlsx_bytes(sheet_rows())
    import_file(data, "a.xlsx")
    before = table_counts()
    stamps = db.session.execute(select(AnnualReport.id, AnnualReport.updated_at, AnnualReport.version_id)).all()
    again = import_file(data, "a.xlsx")
    assert again.counts() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3, "rejected": 0, "skipped": 1}
    after = table_counts()
    assert after.pop("import_batch") == before.pop("import_batch") + 1
    assert after.pop("import_issue") == before.pop("import_issue") + 1  # the batch's own skipped row
    assert after == before
    assert db.session.execute(select(AnnualReport.id, AnnualReport.updated_at, AnnualReport.version_id)).all() == stamps


def test_dry_run_writes_nothing_and_reports_the_same(app) -> None:
    data = xlsx_bytes(messy_rows(), merges=["A1:I1", "F3:G3"])
    before = table_counts()
    dry = import_file(data, "开平.xlsx", dry_run=True)
    assert table_counts() == before
    assert dry.batch_id is None
    real = import_file(data, "开平.xlsx")
    assert dry.as_json() | {"batch": None} == real.as_json() | {"batch": None}
    assert real.batch_id is not None


def test_existing_firm_profile_and_reports_are_updated_where_the_sheet_has_values(app) -> None:
    user = UserFactory(username="bureau1")
    firm = EnterpriseFactory(uscc=KAIPING[0], name="旧名称", founded_on=dt.date(2010, 1, 1), town="三埠")
    verified = AnnualReportFactory(enterprise=firm, year=2023, revenue=Decimal("1"), employees=50, tech_staff=10)
    submitted = AnnualReportFactory(enterprise=firm, year=2022, status=ReportStatus.submitted,
                                    revenue=Decimal("900"), employees=40, tech_staff=8)
    db.session.commit()
    rows = [["企业名称", "统一社会信用代码", "年度", "营业收入", "职工总数", "科技人员数"],
            ["开平甲科技有限公司", KAIPING[0], 2023, 1234.5, "", ""],
            ["开平甲科技有限公司", KAIPING[0], 2022, 900, 40, 8]]
    result = import_file(xlsx_bytes(rows), "x.xlsx", user=user)
    assert result.counts()["updated"] == 2
    db.session.expire_all()
    assert firm.name == "开平甲科技有限公司" and firm.town == "三埠" and firm.founded_on == dt.date(2010, 1, 1)
    assert verified.revenue == Decimal("1234.5") and verified.employees == 50  # empty cell: left alone
    assert submitted.status is ReportStatus.verified and submitted.verified_by_id == user.id
    changes = db.session.scalars(select(AuditLog).where(AuditLog.batch_id == result.batch_id)).all()
    by_entity = {(a.entity, a.entity_id): a.changes for a in changes}
    assert by_entity[("annual_report", verified.id)]["revenue"] == ["1", "1234.5"]
    assert by_entity[("enterprise", firm.id)]["name"] == ["旧名称", "开平甲科技有限公司"]
    assert all(a.actor == "import" and a.user_id == user.id for a in changes)


def test_designations_from_certificate_and_registration_columns(app) -> None:
    rows = [["企业名称", "统一社会信用代码", "年度", "高新技术企业证书编号", "发证日期", "科技型中小企业入库编号"],
            ["开平甲科技有限公司", KAIPING[0], 2023, "GR202344001234", dt.date(2022, 12, 19), "2023440783A0001234"],
            ["开平乙电子有限公司", KAIPING[1], 2023, "", "", "2024440783A0000001"]]
    result = import_file(xlsx_bytes(rows), "d.xlsx")
    assert result.rejected == 0
    designations = {(d.enterprise.uscc, d.kind): d for d in db.session.scalars(select(Designation))}
    hitech = designations[(KAIPING[0], DesignationKind.hitech)]
    assert (hitech.valid_from, hitech.valid_to, hitech.certificate_no, hitech.source) == (
        dt.date(2022, 12, 19), dt.date(2025, 12, 18), "GR202344001234", DesignationSource.import_)
    sme = designations[(KAIPING[0], DesignationKind.tech_sme)]
    assert (sme.valid_from, sme.valid_to) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert designations[(KAIPING[1], DesignationKind.tech_sme)].valid_from == dt.date(2024, 1, 1)
    assert import_file(xlsx_bytes(rows), "d.xlsx").unchanged == 2


def test_unknown_industry_rejects_the_row_and_known_ones_resolve(app) -> None:
    rows = [["企业名称", "统一社会信用代码", "年度", "所属行业", "高新技术领域"],
            ["开平甲科技有限公司", KAIPING[0], 2023, "C39", "电子信息"],
            ["开平乙电子有限公司", KAIPING[1], 2023, "制造业", "先进制造与自动化"],
            ["开平丙材料有限公司", KAIPING[2], 2023, "造飞船", ""],
            ["开平丁机械有限公司", KAIPING[3], 2023, "", "魔法"]]
    result = import_file(xlsx_bytes(rows), "i.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(4, "所属行业"), (5, "高新技术领域")]
    firms = {f.uscc: f for f in db.session.scalars(select(Enterprise)).unique()}
    assert firms[KAIPING[0]].industry_code == "C39" and firms[KAIPING[0]].hitech_field.value == "electronics"
    assert firms[KAIPING[1]].industry_code == "C"


def test_batch_records_counts_errors_and_audit_with_batch_id(app) -> None:
    user = UserFactory(username="bureau2")
    db.session.commit()
    result = import_file(xlsx_bytes(messy_rows(), merges=["A1:I1", "F3:G3"]), "开平.xlsx", user=user,
                         district="440783")
    batch = db.session.get(ImportBatch, result.batch_id)
    assert batch.counts == {**result.counts(), "errors": len(result.errors), "notices": 0}
    assert batch.user_id == user.id and batch.source_district == "440783"
    assert len(batch.file_sha256) == 64 and batch.filename == "开平.xlsx"
    assert {e.row for e in issues_of(batch, IssueKind.error)} == {8, 9, 10, 11, 14}
    assert [s.row for s in issues_of(batch, IssueKind.skipped)] == [7, 15, 16]
    entries = db.session.scalars(select(AuditLog).where(AuditLog.batch_id == batch.id)).all()
    assert {(e.entity, e.action.value) for e in entries} == {("enterprise", "create"), ("annual_report", "create")}
    assert len(entries) == 6


def test_rollback_restores_values_and_deletes_what_the_batch_created(app) -> None:
    user = UserFactory(username="bureau3")
    firm = EnterpriseFactory(uscc=KAIPING[0], name="旧名称")
    report = AnnualReportFactory(enterprise=firm, year=2023, revenue=Decimal("1"))
    db.session.commit()
    before = snapshot()
    data = xlsx_bytes(sheet_rows() + [[4, "开平甲科技有限公司", KAIPING[0], "", 1234.5]])
    result = import_file(data, "a.xlsx", user=user)
    assert result.created == 3 and result.updated == 1
    batch = db.session.get(ImportBatch, result.batch_id)
    summary = rollback_batch(batch, user)
    # Three firms, three reports and the renamed firm's former name deleted; its name and report restored.
    assert summary == {"deleted": 7, "restored": 2}
    db.session.expire_all()
    assert snapshot() == before
    assert batch.status is BatchStatus.rolled_back and batch.rolled_back_by_id == user.id
    assert report.revenue == Decimal("1")
    with pytest.raises(RollbackRefused):
        rollback_batch(batch, user)


def test_rollback_refuses_when_a_later_change_touched_the_records(app) -> None:
    user = UserFactory(username="bureau4")
    db.session.commit()
    result = import_file(xlsx_bytes(sheet_rows()), "a.xlsx", user=user)
    firm = db.session.scalar(select(Enterprise).where(Enterprise.uscc == EXPECTED[4]["uscc"]))
    with acting_as("officer1"):
        firm.annual_reports[0].revenue = Decimal("99")
        db.session.commit()
    counts = table_counts()
    batch = db.session.get(ImportBatch, result.batch_id)
    with pytest.raises(RollbackRefused) as refused:
        rollback_batch(batch, user)
    message = str(refused.value)
    assert "江门甲科技有限公司" in message and "营业收入" in message and "officer1" in message
    assert table_counts() == counts
    assert db.session.get(ImportBatch, result.batch_id).status is BatchStatus.imported


def test_rollback_of_a_later_batch_frees_the_earlier_one(app) -> None:
    first = import_file(xlsx_bytes(sheet_rows()), "a.xlsx")
    rows = sheet_rows()
    rows[3] = [1, "江门甲科技有限公司", EXPECTED[4]["uscc"], dt.date(2015, 3, 1), 9999, 100, 80, 20]
    second = import_file(xlsx_bytes(rows), "b.xlsx")
    assert second.updated == 1
    with pytest.raises(RollbackRefused):
        rollback_batch(db.session.get(ImportBatch, first.batch_id), None)
    rollback_batch(db.session.get(ImportBatch, second.batch_id), None)
    rollback_batch(db.session.get(ImportBatch, first.batch_id), None)
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0


def test_rollback_refusal_names_the_later_batch_in_jiangmen_time_and_plain_words(app) -> None:
    first = import_file(xlsx_bytes(sheet_rows()), "a.xlsx")
    rows = sheet_rows()
    rows[3] = [1, "江门甲科技有限公司", EXPECTED[4]["uscc"], dt.date(2015, 3, 1), 9999, 100, 80, 20]
    second = import_file(xlsx_bytes(rows), "b.xlsx")
    changed_at = dt.datetime(2026, 3, 1, 23, 30)  # stored as naive UTC: 2 March 07:30 in Jiangmen
    for entry in db.session.scalars(select(AuditLog).where(AuditLog.batch_id == second.batch_id)):
        entry.at = changed_at
    db.session.commit()
    with pytest.raises(RollbackRefused) as refused:
        rollback_batch(db.session.get(ImportBatch, first.batch_id), None)
    message = str(refused.value)
    assert "2026-03-02 07:30" in message and "2026-03-01 23:30" not in message
    assert f"被 导入批次 #{second.batch_id} 修改" in message
    assert "营业收入、核实时间、核实人" in message and "verified" not in message


def test_import_and_rollback_keep_firms_latest_figures_current(app) -> None:
    result = import_file(xlsx_bytes(sheet_rows()), "a.xlsx")
    firms = db.session.scalars(select(Enterprise)).all()
    assert firms and all(f.latest_year is not None for f in firms)
    for firm in firms:
        latest = db.session.scalar(
            select(AnnualReport).where(AnnualReport.enterprise_id == firm.id).order_by(AnnualReport.year.desc())
        )
        assert (firm.latest_year, firm.latest_revenue) == (latest.year, latest.revenue)
    rollback_batch(db.session.get(ImportBatch, result.batch_id), user=None)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 0


@pytest.mark.parametrize("chunk_rows", [2, 2000])
def test_new_firms_get_the_latest_figures_a_refresh_would_give(app, monkeypatch, chunk_rows) -> None:
    """New firms with one row get their figures with the insert; firms with several years
    (in one chunk or across chunks) are refreshed: either way what refresh_latest_figures
    computes from the stored reports."""
    from crm.enterprises.summary import refresh_latest_figures
    from importers import writer

    monkeypatch.setattr(writer, "CHUNK_ROWS", chunk_rows)
    codes = [make_uscc(f"91440703MA5{n}AB0C1") for n in range(6)]
    rows = [
        ["企业名称", "统一社会信用代码", "年度", "营业收入", "研发费用"],
        ["甲公司", codes[0], 2022, 1000, 30],
        ["甲公司", codes[0], 2023, 1250.5, 41.3],  # two years, same chunk of 2
        ["乙公司", codes[1], 2022, 800, 12.34],  # another year at the end: a later chunk
        ["丙公司", codes[2], 2023, 0, 5],  # no ratio for zero revenue
        ["丁公司", codes[3], 2023, 333.3333, None],  # no R&D stated
        ["戊公司", codes[4], 2023, 987654.3219, 1234.5678],
        ["乙公司", codes[1], 2023, 900, 20],
        # 16 significant digits: PostgreSQL's divisor goes through float8 -> numeric (15 digits).
        ["己公司", codes[5], 2023, 123456789012.3456, 1.2345],
    ]
    result = import_file(xlsx_bytes(rows), "years.xlsx")
    assert (result.created, result.rejected) == (8, 0), result.errors
    columns = (Enterprise.uscc, Enterprise.latest_year, Enterprise.latest_revenue, Enterprise.latest_rd_ratio,
               Enterprise.revenue_growth)
    stored = {row[0]: tuple(row[1:]) for row in db.session.execute(select(*columns))}
    assert stored[codes[0]][0] == 2023 and stored[codes[0]][3] == pytest.approx(0.2505)
    assert stored[codes[1]][0] == 2023 and stored[codes[1]][3] == pytest.approx(0.125)
    assert stored[codes[2]][2] is None and stored[codes[3]][2] is None
    assert stored[codes[4]] == (2023, Decimal("987654.3219"), float(Decimal("1234.5678")) / 987654.3219, None)
    refresh_latest_figures(db.session.connection())
    assert {row[0]: tuple(row[1:]) for row in db.session.execute(select(*columns))} == stored
    db.session.rollback()


def test_a_formula_error_rejects_its_row_and_the_report_shows_it(app) -> None:
    rows = [["开平市2023年度科技型企业统计表"], ["企业名称", "统一社会信用代码", "营业收入", "职工总数"],
            ["开平甲科技有限公司", KAIPING[0], "=1/0", 10], ["开平乙电子有限公司", KAIPING[1], 200, 5]]
    data = with_formula_errors(xlsx_bytes(rows), {"C3": "#DIV/0!"})
    result = import_file(data, "a.xlsx")
    assert result.counts() == {"rows": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1, "skipped": 0}
    assert [(e.row, e.column) for e in result.errors] == [(3, "营业收入")]
    assert "公式计算出错（#DIV/0!）" in result.errors[0].message
    assert db.session.scalar(select(func.count(Enterprise.id))) == 1
    batch = db.session.get(ImportBatch, result.batch_id)
    sheet = openpyxl.load_workbook(io.BytesIO(error_report(data, "a.xlsx", BatchErrors(batch.id)))).active
    assert sheet.cell(2, 3).value == "#DIV/0!" and sheet.cell(2, 3).fill.fgColor.rgb == "FFFF9999"


def test_an_error_value_typed_without_a_formula_rejects_its_row_too(app) -> None:
    # "#N/A" typed into a cell is stored as an error value (t="e"), with no formula in the sheet.
    rows = [["企业名称", "统一社会信用代码", "营业收入", "职工总数"],
            ["开平甲科技有限公司", KAIPING[0], "#N/A", 10], ["开平乙电子有限公司", KAIPING[1], 200, 5]]
    data = xlsx_bytes(rows)
    assert b't="e"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    result = import_file(data, "a.xlsx", year=2023)
    assert (result.created, result.rejected) == (1, 1)
    assert [(e.row, e.column) for e in result.errors] == [(2, "营业收入")]
    assert "#N/A" in result.errors[0].message
