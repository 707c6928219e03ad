"""Importing the lists a bureau receives into the database: each kind's rows written to the
matched firm's records, other cities skipped, re-imports that change nothing, rollback,
renames kept as former names, and what the rest of the system then sees."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.imports.services import BatchErrors, import_file, issues_of, list_options, rollback_batch
from crm.models import (
    AuditLog, Designation, Enterprise, Flag, FormerName, ImportBatch, IssueKind, Platform, SupportRecord, Talent,
)
from crm.models.designation import DesignationKind, DesignationSource
from crm.models.platform import PlatformKind, PlatformLevel
from crm.models.support import SupportKind
from crm.models.talent import TalentCategory, TalentProgramme
from crm.uscc import make_uscc
from tests.factories import DesignationFactory, EnterpriseFactory, PlatformFactory, UserFactory
from tests.importers.helpers import xlsx_bytes

KP = make_uscc("91440783MA5L00001")
PJ = make_uscc("91440703MA5L00002")
XH = make_uscc("91440705MA5L00003")


@pytest.fixture
def firms(app) -> dict[str, Enterprise]:
    made = {
        "kp": EnterpriseFactory(uscc=KP, name="开平市甲科技有限公司", district="440783"),
        "pj": EnterpriseFactory(uscc=PJ, name="江门乙（中国）电子有限公司", district="440703"),
        "xh": EnterpriseFactory(uscc=XH, name="新会丙精密制造有限公司", district="440705"),
    }
    db.session.commit()
    return made


def counts(result) -> tuple[int, int, int, int, int, int]:  # type: ignore[no-untyped-def]
    return result.rows, result.created, result.updated, result.unchanged, result.rejected, result.skipped


def designations(firm: Enterprise, kind: DesignationKind) -> list[tuple[object, ...]]:
    return [(d.valid_from, d.valid_to, d.certificate_no, d.source) for d in db.session.scalars(
        select(Designation).where(Designation.enterprise_id == firm.id, Designation.kind == kind)
        .order_by(Designation.valid_from))]


HITECH = [["广东省2024年第一批高新技术企业备案名单"], ["序号", "企业名称", "证书编号"],
          [1, "开平市甲科技有限公司", "GR202444001234"],
          [2, "江门乙(中国)电子 有限公司", "gr 2024 44 001235"],  # half-width brackets, a space, lower case
          [3, "不存在的科技有限公司", "GR202444001236"],
          [4, "新会丙精密制造有限公司", "GR2024440012"]]  # malformed


def test_a_hitech_filing_list_by_name_and_the_announcements_date(firms) -> None:
    data = xlsx_bytes(HITECH)
    result = import_file(data, "高企备案.xlsx", options=list_options(None, dt.date(2024, 12, 11)))
    assert result.kind == "designations"
    assert counts(result) == (4, 2, 0, 0, 2, 0)
    assert [(e.row, e.column) for e in result.errors] == [(5, "企业名称"), (6, "证书编号")]
    assert "系统中没有名为「不存在的科技有限公司」的企业" in result.errors[0].message
    valid = (dt.date(2024, 12, 11), dt.date(2027, 12, 10))
    assert designations(firms["kp"], DesignationKind.hitech) == [(*valid, "GR202444001234", DesignationSource.import_)]
    assert designations(firms["pj"], DesignationKind.hitech) == [(*valid, "GR202444001235", DesignationSource.import_)]
    batch = db.session.get(ImportBatch, result.batch_id)
    assert batch.kind == "designations" and batch.options == {"issued_on": "2024-12-11"}

    again = import_file(data, "高企备案.xlsx", options=list_options(None, dt.date(2024, 12, 11)))
    assert counts(again) == (4, 0, 0, 2, 2, 0)
    assert db.session.scalar(select(func.count(Designation.id))) == 2


def test_a_certificate_the_firm_already_holds_is_updated_not_doubled(firms) -> None:
    DesignationFactory(enterprise=firms["kp"], kind=DesignationKind.hitech, valid_from=dt.date(2024, 12, 1),
                       valid_to=dt.date(2027, 11, 30), certificate_no="GR202444001234")
    db.session.commit()
    result = import_file(xlsx_bytes(HITECH[:3]), "h.xlsx", options=list_options(None, dt.date(2024, 12, 11)))
    assert counts(result) == (1, 0, 1, 0, 0, 0)
    assert [d[:3] for d in designations(firms["kp"], DesignationKind.hitech)] == [
        (dt.date(2024, 12, 11), dt.date(2027, 12, 10), "GR202444001234")]


def test_after_a_hitech_list_the_firm_is_no_candidate_and_counts_on_the_dashboard(app) -> None:
    from crm.dashboard.services import compute_figures
    from crm.eligibility.services import run_eligibility
    from crm.models import Role
    from tests.eligibility.helpers import AS_OF, candidate

    firm = candidate(name="开平市候选科技有限公司")
    bureau = UserFactory(role=Role.bureau)
    db.session.commit()
    run_eligibility(AS_OF)
    assert db.session.scalar(select(Flag).where(Flag.enterprise_id == firm.id, Flag.rule == "hitech_candidate",
                                                Flag.cleared_on.is_(None))) is not None
    before = compute_figures(bureau, AS_OF).value("hitech_count", "city")

    rows = [["2025年第一批高新技术企业备案名单"], ["序号", "企业名称", "证书编号"], [1, firm.name, "GR202544000001"]]
    result = import_file(xlsx_bytes(rows), "h.xlsx", options=list_options(None, dt.date(2025, 12, 1)))
    assert result.created == 1
    run_eligibility(AS_OF.replace(year=2026, month=12))
    flag = db.session.scalar(select(Flag).where(Flag.enterprise_id == firm.id, Flag.rule == "hitech_candidate"))
    assert flag.cleared_on is not None
    assert compute_figures(bureau, dt.date(2026, 12, 1)).value("hitech_count", "city") == (before or 0) + 1


TECH_SME = [["2024年第三批入库科技型中小企业名单"], ["序号", "企业名称", "地市", "入库登记编号"],
            [1, "开平市甲科技有限公司", "江门市", "2024440783A0000456"],
            [2, "江门乙（中国）电子有限公司", "江门市", "2024440783A0000457"],  # a Kaiping number, a Pengjiang firm
            [3, "广州某科技有限公司", "广州市", "2024440106A0000001"],
            [4, "深圳某科技有限公司", "", "2024440305A0000002"]]


def test_a_province_wide_tech_sme_list(firms) -> None:
    result = import_file(xlsx_bytes(TECH_SME), "入库.xlsx")
    assert counts(result) == (2, 2, 0, 0, 0, 2)
    assert [s.reason for s in result.skipped_rows] == ["外市企业（广州市）", "外市企业（入库登记编号区划440305）"]
    assert designations(firms["kp"], DesignationKind.tech_sme) == [
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), "2024440783A0000456", DesignationSource.import_)]
    # Imported, and the preview and the batch say the number names another district.
    assert [(n.row, n.column) for n in result.notices] == [(4, "入库登记编号")]
    assert "开平市" in result.notices[0].message and "蓬江区" in result.notices[0].message
    batch = db.session.get(ImportBatch, result.batch_id)
    assert [n.row for n in issues_of(batch, IssueKind.notice)] == [4] and batch.counts["skipped"] == 2
    assert counts(import_file(xlsx_bytes(TECH_SME), "入库.xlsx")) == (2, 0, 0, 2, 0, 2)


def test_a_list_row_naming_the_firm_by_code_and_a_pick_for_an_unmatched_one(firms) -> None:
    rows = [["江门市2024年瞪羚企业名单"], ["序号", "企业名称", "统一社会信用代码"],
            [1, "名称不对也行", XH], [2, "开平甲科技", ""]]
    result = import_file(xlsx_bytes(rows), "瞪羚.xlsx", dry_run=True)
    assert counts(result) == (2, 1, 0, 0, 1, 0)
    assert result.unmatched == [("Sheet1", 4, "开平甲科技", None)]
    picked = import_file(xlsx_bytes(rows), "瞪羚.xlsx", picks={("Sheet1", 4): firms["kp"].id})
    assert counts(picked) == (2, 2, 0, 0, 0, 0)
    assert designations(firms["kp"], DesignationKind.gazelle) == [
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), None, DesignationSource.import_)]
    assert db.session.get(ImportBatch, picked.batch_id).options == {"picks": {"Sheet1|4": firms["kp"].id}}


def test_renames_keep_the_old_name_and_the_certificate(firms) -> None:
    kp = firms["kp"]
    DesignationFactory(enterprise=kp, kind=DesignationKind.hitech, valid_from=dt.date(2023, 12, 28),
                       valid_to=dt.date(2026, 12, 27), certificate_no="GR202344001234")
    db.session.commit()
    rows = [["序号", "原名称", "现名称", "证书编号", "发证日期"],
            [1, "开平市甲科技有限公司", "开平市甲新材料有限公司", "GR202344001234", "2023-12-28"],
            [2, "江门乙(中国)电子有限公司", "江门乙科技有限公司", "GR202344009999", "2023年12月"],
            [3, "不存在的公司", "新名字公司", "", ""],
            [4, "新会丙精密制造有限公司", "江门乙科技有限公司", "", ""]]  # takes a name the list just gave another firm
    result = import_file(xlsx_bytes(rows), "更名名单.xlsx")
    assert result.kind == "renames"
    assert counts(result) == (4, 2, 0, 0, 2, 0)
    assert [(e.row, e.column) for e in result.errors] == [(4, "原名称"), (5, "现名称")]
    db.session.expire_all()
    assert kp.name == "开平市甲新材料有限公司" and kp.name_initials == "kpsjxclyxgs"
    assert [f.name for f in kp.former_names] == ["开平市甲科技有限公司"]
    # The certificate stays as it was; the one the system lacked is added with its issue date.
    assert designations(kp, DesignationKind.hitech) == [
        (dt.date(2023, 12, 28), dt.date(2026, 12, 27), "GR202344001234", DesignationSource.officer)]
    assert [d[:3] for d in designations(firms["pj"], DesignationKind.hitech)] == [
        (dt.date(2023, 12, 1), dt.date(2026, 11, 30), "GR202344009999")]
    # Again: nothing new. A later list naming the old name finds the renamed firm.
    assert counts(import_file(xlsx_bytes(rows[:3]), "更名名单.xlsx")) == (2, 0, 0, 2, 0, 0)
    later = import_file(xlsx_bytes([["江门市2024年瞪羚企业名单"], ["序号", "企业名称"], [1, "开平市甲科技有限公司"]]),
                        "瞪羚.xlsx")
    assert counts(later) == (1, 1, 0, 0, 0, 0)
    assert designations(kp, DesignationKind.gazelle)


def test_a_rename_made_by_hand_before_the_list_adds_the_old_name(firms) -> None:
    firms["xh"].name = "新会丙科技有限公司"  # an officer's edit: the ORM keeps the old name too
    db.session.commit()
    assert [f.name for f in firms["xh"].former_names] == ["新会丙精密制造有限公司"]
    rows = [["原名称", "现名称"], ["新会丙精密制造有限公司（旧）", "新会丙科技有限公司"]]
    result = import_file(xlsx_bytes(rows), "更名.xlsx", kind="renames")
    assert counts(result) == (1, 0, 1, 0, 0, 0)
    db.session.expire_all()
    assert sorted(f.name for f in firms["xh"].former_names) == ["新会丙精密制造有限公司", "新会丙精密制造有限公司（旧）"]


def test_platform_lists(firms) -> None:
    PlatformFactory(enterprise=firms["pj"], kind=PlatformKind.key_lab, level=PlatformLevel.municipal,
                    name="江门乙电子重点实验室", recognized_on=dt.date(2020, 1, 1), valid_to=None)
    db.session.commit()
    rows = [["2023年广东省科技创新平台名单"], ["序号", "依托单位", "平台名称", "类别", "级别", "认定时间", "有效期"],
            [1, "开平市甲科技有限公司", "广东省甲新材料工程技术研究中心", "工程技术研究中心", "省级", "2023年12月", "3年"],
            [2, "江门乙（中国）电子有限公司", "江门乙电子 重点实验室", "重点实验室", "省级", "2023-06-01", ""],
            [3, "开平市甲科技有限公司", "甲孵化器", "孵化器", "区级", "", ""]]
    result = import_file(xlsx_bytes(rows), "平台.xlsx")
    assert result.kind == "platforms"
    assert counts(result) == (3, 1, 1, 0, 1, 0)
    assert result.errors[0].column == "级别"
    made = db.session.scalars(select(Platform).order_by(Platform.enterprise_id)).all()
    assert [(p.enterprise_id, p.kind, p.level, p.name, p.recognized_on, p.valid_to) for p in made] == [
        (firms["kp"].id, PlatformKind.engineering_center, PlatformLevel.provincial, "广东省甲新材料工程技术研究中心",
         dt.date(2023, 12, 1), dt.date(2026, 11, 30)),
        # The same platform (its name normalised): upgraded to provincial; an empty 有效期 leaves the record's.
        (firms["pj"].id, PlatformKind.key_lab, PlatformLevel.provincial, "江门乙电子 重点实验室",
         dt.date(2023, 6, 1), None),
    ]
    assert counts(import_file(xlsx_bytes(rows), "平台.xlsx")) == (3, 0, 0, 2, 1, 0)


def test_talent_lists(firms) -> None:
    rows = [["2023年度江门市创新创业团队名单"], ["序号", "团队名称", "带头人", "依托单位", "人才计划", "年度"],
            [1, "甲新材料创新团队", "张三", "开平市甲科技有限公司", "珠江人才计划", 2023],
            [2, "乙芯片团队", "李四", "江门乙（中国）电子有限公司", "侨都英才计划", 2023],
            [3, "丙团队", "王五", "新会丙精密制造有限公司", "火星计划", 2023]]
    result = import_file(xlsx_bytes(rows), "人才.xlsx")
    assert result.kind == "talents" and counts(result) == (3, 2, 0, 0, 1, 0)
    made = db.session.scalars(select(Talent).order_by(Talent.id)).all()
    assert [(t.enterprise_id, t.name, t.leader, t.category, t.is_team, t.programme, t.year, t.high_end)
            for t in made] == [
        (firms["kp"].id, "甲新材料创新团队", "张三", TalentCategory.innovation_team, True, TalentProgramme.pearl_river,
         2023, True),
        (firms["pj"].id, "乙芯片团队", "李四", TalentCategory.innovation_team, True, TalentProgramme.qiaodu, 2023, True),
    ]
    assert counts(import_file(xlsx_bytes(rows), "人才.xlsx")) == (3, 0, 0, 2, 1, 0)


def test_support_lists_and_the_api(firms, client) -> None:
    from crm.models import Role
    from tests.conftest import login

    rows = [["2024年江门市研发费用后补助资金拨付名单"], ["序号", "企业名称", "项目类别", "金额（万元）", "拨付日期"],
            [1, "开平市甲科技有限公司", "研发费用后补助", 15, "2024-06-30"],
            [2, "开平市甲科技有限公司", "高企认定奖励", "10", "2024-06-30"],
            [3, "江门乙（中国）电子有限公司", "研发费用后补助", -5, "2024-06-30"]]
    result = import_file(xlsx_bytes(rows), "拨付.xlsx")
    assert result.kind == "support" and counts(result) == (3, 2, 0, 0, 1, 0)
    assert "不能为负数" in result.errors[0].message
    made = db.session.scalars(select(SupportRecord).order_by(SupportRecord.id)).all()
    assert [(s.kind, s.programme, s.amount, s.granted_on) for s in made] == [
        (SupportKind.subsidy, "研发费用后补助", Decimal("15.0000"), dt.date(2024, 6, 30)),
        (SupportKind.subsidy, "高企认定奖励", Decimal("10.0000"), dt.date(2024, 6, 30)),
    ]
    # A corrected amount updates the record rather than adding a second one.
    rows[2][3] = 16
    assert counts(import_file(xlsx_bytes(rows[:4]), "拨付.xlsx")) == (2, 0, 1, 1, 0, 0)

    UserFactory(username="bureau", role=Role.bureau)
    db.session.commit()
    login(client, "bureau")
    page = client.get(f"/enterprises/{KP}").get_data(as_text=True)
    assert "研发费用后补助" in page and "高企认定奖励" in page


def test_the_api_gives_support_and_former_names_and_q_finds_former_names(firms, client) -> None:
    from crm.models import Role

    import_file(xlsx_bytes([["原名称", "现名称"], ["开平市甲科技有限公司", "开平市甲新材料有限公司"]]), "更名.xlsx")
    import_file(xlsx_bytes([["企业名称", "项目类别", "金额（万元）", "拨付日期"],
                            ["开平市甲新材料有限公司", "研发费用后补助", 15, "2024-06-30"]]), "拨付.xlsx", kind="support")
    user = UserFactory(username="api-bureau", role=Role.bureau)
    db.session.commit()
    token = _token(user)
    headers = {"Authorization": f"Bearer {token}"}
    detail = client.get(f"/api/v1/enterprises/{KP}", headers=headers).get_json()
    assert detail["former_names"] == ["开平市甲科技有限公司"]
    assert detail["support"] == [{"kind": "subsidy", "programme": "研发费用后补助", "amount": 15,
                                  "granted_on": "2024-06-30"}]
    found = client.get("/api/v1/enterprises?q=甲科技", headers=headers).get_json()
    assert [item["uscc"] for item in found["items"]] == [KP]


def _token(user) -> str:  # type: ignore[no-untyped-def]
    from crm.models import ApiToken

    token, secret = ApiToken.issue(user, "test")
    db.session.add(token)
    db.session.commit()
    return secret


def test_rollback_of_each_list_kind_restores_everything(firms) -> None:
    user = UserFactory(username="bureau-rollback")
    db.session.commit()
    before_names = {f.uscc: f.name for f in db.session.scalars(select(Enterprise))}
    batches = [
        import_file(xlsx_bytes(HITECH[:4]), "h.xlsx", user=user, options=list_options(None, dt.date(2024, 12, 11))),
        import_file(xlsx_bytes([["原名称", "现名称", "更名日期"], ["开平市甲科技有限公司", "开平市甲新材料有限公司", "2024-05-01"]]),
                    "更名.xlsx", user=user),
        import_file(xlsx_bytes([["依托单位", "平台名称", "类别", "级别"], ["开平市甲新材料有限公司", "甲中心", "工程技术研究中心", "市级"]]),
                    "平台.xlsx", user=user),
        import_file(xlsx_bytes([["团队名称", "依托单位", "人才计划", "年度"], ["甲团队", "开平市甲新材料有限公司", "珠江人才计划", 2023]]),
                    "人才.xlsx", user=user),
        import_file(xlsx_bytes([["企业名称", "项目类别", "金额（万元）", "拨付日期"], ["开平市甲新材料有限公司", "补助", 1, "2024-06-30"]]),
                    "拨付.xlsx", user=user, kind="support"),
    ]
    assert [b.kind for b in batches] == ["designations", "renames", "platforms", "talents", "support"]
    assert all(b.created >= 1 for b in batches)
    for result in reversed(batches):
        rollback_batch(db.session.get(ImportBatch, result.batch_id), user)
    db.session.expire_all()
    for model in (Designation, FormerName, Platform, Talent, SupportRecord):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    after = {f.uscc: (f.name, f.name_initials) for f in db.session.scalars(select(Enterprise))}
    assert {u: n for u, (n, _i) in after.items()} == before_names
    assert after[KP][1] == "kpsjkjyxgs"  # the search initials follow the restored name
    # Every change and its undoing is in the audit trail with its batch.
    entities = {e.entity for e in db.session.scalars(select(AuditLog).where(AuditLog.batch_id.is_not(None)))}
    assert entities >= {"designation", "enterprise", "former_name", "platform", "talent", "support_record"}


def test_a_list_rollback_is_refused_after_an_officer_changed_the_record(firms) -> None:
    from crm.audit import acting_as
    from importers.batches import RollbackRefused

    user = UserFactory(username="bureau-refused")
    db.session.commit()
    result = import_file(xlsx_bytes([["依托单位", "平台名称", "类别", "级别"],
                                     ["开平市甲科技有限公司", "甲中心", "工程技术研究中心", "市级"]]), "p.xlsx", user=user)
    platform = db.session.scalar(select(Platform))
    with acting_as("officer", user=user):
        platform.level = PlatformLevel.provincial
        db.session.commit()
    with pytest.raises(RollbackRefused, match="研发机构与载体「级别」"):
        rollback_batch(db.session.get(ImportBatch, result.batch_id), user)
    assert db.session.scalar(select(func.count(Platform.id))) == 1


def test_duplicate_rows_of_a_list(firms) -> None:
    rows = [["企业名称", "项目类别", "金额（万元）", "拨付日期"],
            ["开平市甲科技有限公司", "补助", 1, "2024-06-30"],
            ["开平市甲科技有限公司 ", "补助", 1, "2024-06-30"],  # the same record, written alike
            ["新会丙精密制造有限公司", "补助", 1, "2024-06-30"],
            ["新会丙精密制造有限公司", "补助", 2, "2024-06-30"]]  # the same record, another amount
    result = import_file(xlsx_bytes(rows), "s.xlsx", kind="support")
    assert counts(result) == (4, 1, 0, 1, 2, 0)
    assert {e.row for e in result.errors} == {4, 5}
    assert "无法确定以哪一行为准" in result.errors[0].message
    assert db.session.scalar(select(func.count(SupportRecord.id))) == 1


def test_cli_kinds_designation_and_issued_on(firms, runner, tmp_path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes(xlsx_bytes([["序号", "企业名称"], [1, "开平市甲科技有限公司"], [2, "没有这家"]]))
    out = runner.invoke(args=["import-workbook", str(path), "--kind", "designations", "--designation", "srdi_sme",
                              "--issued-on", "2024-08-01", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["kind"] == "designations" and (payload["rows"], payload["created"], payload["rejected"]) == (2, 1, 1)
    assert payload["errors"][0]["row"] == 3 and payload["errors"][0]["column"] == "企业名称"
    assert designations(firms["kp"], DesignationKind.srdi_sme) == [
        (dt.date(2024, 8, 1), dt.date(2027, 7, 31), None, DesignationSource.import_)]
    refused = runner.invoke(args=["import-workbook", str(path), "--kind", "designations", "--json"])
    assert refused.exit_code != 0 and "无法确定名单的认定类型" in refused.stderr
    bad_date = runner.invoke(args=["import-workbook", str(path), "--issued-on", "2024/08/01"])
    assert bad_date.exit_code != 0 and "--issued-on" in bad_date.stderr
    text = runner.invoke(args=["import-workbook", str(path), "--designation", "srdi_sme", "--dry-run"])
    assert text.exit_code == 0 and "类型：资质认定名单" in text.output


@pytest.mark.parametrize(
    ("rows", "kind"),
    [
        ([["广东省2024年第一批高新技术企业备案名单"], ["序号", "企业名称", "证书编号", "发证日期"],
          [1, "开平市甲科技有限公司", "GR202444001234", "2024-12-11"]], "designations"),
        ([["序号", "原名称", "现名称"], [1, "开平市甲科技有限公司", "开平市甲新材料有限公司"]], "renames"),
        ([["序号", "依托单位", "平台名称", "类别", "级别", "认定时间"],
          [1, "开平市甲科技有限公司", "甲中心", "工程技术研究中心", "省级", "2023-12-01"]], "platforms"),
        ([["序号", "团队名称", "带头人", "依托单位", "人才计划", "年度"],
          [1, "甲团队", "张三", "开平市甲科技有限公司", "珠江人才计划", 2023]], "talents"),
        ([["序号", "企业名称", "项目类别", "金额（万元）", "拨付日期"],
          [1, "开平市甲科技有限公司", "研发费用后补助", 15, "2024-06-30"]], "support"),
    ],
)
def test_each_kind_by_the_cli_detected_from_its_published_layout(firms, runner, tmp_path, rows, kind) -> None:
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    out = runner.invoke(args=["import-workbook", str(path), "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert (payload["kind"], payload["rows"], payload["created"], payload["rejected"]) == (kind, 1, 1, 0)
    again = json.loads(runner.invoke(args=["import-workbook", str(path), "--json"]).stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_naming_a_designation_kind_reads_the_file_as_a_designation_list(firms, runner, tmp_path) -> None:
    path = tmp_path / "names.xlsx"
    # 序号/企业名称/统一社会信用代码 with no title: alone, it would be read as a county figure sheet.
    path.write_bytes(xlsx_bytes([["序号", "企业名称", "统一社会信用代码"], [1, "开平市甲科技有限公司", KP]]))
    out = runner.invoke(args=["import-workbook", str(path), "--designation", "eaglet", "--issued-on", "2024-03-01",
                              "--json"])
    payload = json.loads(out.stdout)
    assert (payload["kind"], payload["created"]) == ("designations", 1)
    assert designations(firms["kp"], DesignationKind.eaglet) == [
        (dt.date(2024, 3, 1), dt.date(2024, 12, 31), None, DesignationSource.import_)]


def test_the_error_report_of_a_list_keeps_the_lists_header(firms, tmp_path) -> None:
    import io

    import openpyxl

    from importers.fields import field_set
    from importers.report import error_report

    data = xlsx_bytes(HITECH)
    result = import_file(data, "h.xlsx", options=list_options(None, dt.date(2024, 12, 11)))
    batch = db.session.get(ImportBatch, result.batch_id)
    sheet = openpyxl.load_workbook(io.BytesIO(error_report(data, "h.xlsx", BatchErrors(batch.id), field_set(batch.kind)))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["序号", "企业名称", "证书编号", "错误原因"]
    assert [v[1] for v in values[1:]] == ["不存在的科技有限公司", "新会丙精密制造有限公司"]
    assert "不是高新技术企业证书编号" in values[2][3]
