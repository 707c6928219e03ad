"""Lists that would have written the wrong thing: an older rename list, one firm twice with
two numbers, one number for two firms, a roster without a title, a 认定类型 column left
empty, a second certificate through a rename, a candidates' list, a pick made redundant."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.imports.services import import_file, list_options
from crm.models import Designation, Enterprise, FormerName, Platform
from crm.models.designation import DesignationKind
from crm.uscc import make_uscc
from importers.readers import WorkbookError
from tests.factories import DesignationFactory, EnterpriseFactory
from tests.importers.helpers import xlsx_bytes

KP = make_uscc("91440783MA5L10001")
PJ = make_uscc("91440703MA5L10002")


@pytest.fixture
def firms(app) -> dict[str, Enterprise]:
    made = {
        "kp": EnterpriseFactory(uscc=KP, name="开平市甲科技有限公司", district="440783"),
        "pj": EnterpriseFactory(uscc=PJ, name="江门乙（中国）电子有限公司", district="440703"),
    }
    db.session.commit()
    return made


def numbers(firm: Enterprise, kind: DesignationKind = DesignationKind.hitech) -> list[str | None]:
    return list(db.session.scalars(select(Designation.certificate_no).where(
        Designation.enterprise_id == firm.id, Designation.kind == kind).order_by(Designation.valid_from)))


def hitech_list(*rows: list[object]) -> bytes:
    return xlsx_bytes([["2024年第一批高新技术企业备案名单"], ["序号", "企业名称", "证书编号"], *rows])


def test_an_older_rename_list_does_not_undo_a_later_rename(firms) -> None:
    firm = firms["kp"]
    db.session.add_all([FormerName(enterprise_id=firm.id, name="开平市甲旧名有限公司"),
                        FormerName(enterprise_id=firm.id, name="开平市甲中名有限公司")])
    db.session.commit()
    rows = [["高新技术企业更名名单"], ["序号", "原名称", "现名称"], [1, "开平市甲旧名有限公司", "开平市甲中名有限公司"]]
    result = import_file(xlsx_bytes(rows), "更名.xlsx")
    assert (result.created, result.unchanged, result.rejected) == (0, 1, 0)
    assert db.session.get(Enterprise, firm.id).name == "开平市甲科技有限公司"
    assert "「开平市甲中名有限公司」是该企业的曾用名" in result.notices[0].message


def test_one_firm_twice_with_two_numbers_in_a_year_rejects_both(firms) -> None:
    data = hitech_list([1, "开平市甲科技有限公司", "GR202444001234"], [2, "开平市甲科技有限公司", "GR202444001299"])
    result = import_file(data, "h.xlsx", options=list_options(None, dt.date(2024, 12, 11)))
    assert (result.created, result.rejected) == (0, 2)
    assert numbers(firms["kp"]) == []


def test_one_number_for_two_firms_is_refused(firms) -> None:
    data = hitech_list([1, "开平市甲科技有限公司", "GR202444001234"], [2, "江门乙（中国）电子有限公司", "GR202444001234"])
    result = import_file(data, "h.xlsx", options=list_options(None, dt.date(2024, 12, 11)))
    assert (result.created, result.rejected) == (1, 1)
    assert (result.errors[0].row, result.errors[0].column) == (4, "证书编号")
    assert "与第3行（开平市甲科技有限公司）的编号相同" in result.errors[0].message
    assert numbers(firms["kp"]) == ["GR202444001234"] and numbers(firms["pj"]) == []


def test_a_number_the_system_gives_another_firm_is_refused(firms) -> None:
    DesignationFactory(enterprise=firms["pj"], kind=DesignationKind.hitech, valid_from=dt.date(2024, 12, 11),
                       valid_to=dt.date(2027, 12, 10), certificate_no="GR202444001234")
    db.session.commit()
    result = import_file(hitech_list([1, "开平市甲科技有限公司", "GR202444001234"]), "h.xlsx",
                         options=list_options(None, dt.date(2024, 12, 11)))
    assert result.rejected == 1
    assert f"已登记为江门乙（中国）电子有限公司（{PJ}）的证书" in result.errors[0].message
    assert numbers(firms["kp"]) == []


def test_names_codes_and_a_year_without_a_title_ask_for_the_kind(firms) -> None:
    rows = [["企业名称", "统一社会信用代码", "年度"], ["开平市甲科技有限公司", KP, 2024]]
    with pytest.raises(WorkbookError, match="无法确定表格类型"):
        import_file(xlsx_bytes(rows), "名单.xlsx")
    assert db.session.scalar(select(func.count(Enterprise.id))) == 2


def test_rows_with_an_empty_designation_cell_take_the_numbers_kind(firms) -> None:
    rows = [["序号", "企业名称", "认定类型", "证书编号", "发证日期"],
            [1, "开平市甲科技有限公司", "", "GR202444001234", "2024-12-11"],
            [2, "江门乙（中国）电子有限公司", "高新技术企业", "GR202444001235", "2024-12-11"]]
    result = import_file(xlsx_bytes(rows), "h.xlsx")
    assert (result.created, result.rejected) == (2, 0)
    assert numbers(firms["kp"]) == ["GR202444001234"]


def test_a_rename_does_not_add_a_second_certificate_for_the_same_years(firms) -> None:
    DesignationFactory(enterprise=firms["kp"], kind=DesignationKind.hitech, valid_from=dt.date(2023, 12, 1),
                       valid_to=dt.date(2026, 11, 30), certificate_no="GR202344000001")
    DesignationFactory(enterprise=firms["pj"], kind=DesignationKind.hitech, valid_from=dt.date(2020, 12, 1),
                       valid_to=dt.date(2023, 11, 30), certificate_no="GR202044000002")
    db.session.commit()
    rows = [["高新技术企业更名名单"], ["序号", "原名称", "现名称", "证书编号", "发证日期"],
            [1, "开平市甲科技有限公司", "开平市甲新科技有限公司", "GR202444000777", "2024-12-11"],
            [2, "江门乙（中国）电子有限公司", "江门乙新电子有限公司", "GR202444000778", "2024-12-11"]]
    result = import_file(xlsx_bytes(rows), "更名.xlsx")
    assert (result.created, result.rejected) == (2, 0)
    assert numbers(firms["kp"]) == ["GR202344000001"]
    assert "与证书GR202444000777的有效期重叠，未新增" in result.notices[0].message
    # The other firm's certificate had ended: the row's later one is added.
    assert numbers(firms["pj"]) == ["GR202044000002", "GR202444000778"]


@pytest.mark.parametrize("title", ["2024年拟认定高新技术企业名单", "江门市专精特新中小企业培育名单",
                                   "2024年瞪羚企业候选名单公示"])
def test_candidates_lists_are_not_designations(firms, title: str) -> None:
    rows = [[title], ["序号", "企业名称"], [1, "开平市甲科技有限公司"]]
    with pytest.raises(WorkbookError, match="请在导入时选择认定类型"):
        import_file(xlsx_bytes(rows), "名单.xlsx", kind="designations")
    assert db.session.scalar(select(func.count(Designation.id))) == 0


def test_the_hitech_reserve_is_a_designation_of_its_own(firms) -> None:
    rows = [["2024年江门市高新技术企业培育库入库名单"], ["序号", "企业名称"], [1, "开平市甲科技有限公司"]]
    result = import_file(xlsx_bytes(rows), "培育库.xlsx", kind="designations")
    assert result.created == 1
    assert numbers(firms["kp"], DesignationKind.hitech_reserve) == [None]


def test_a_hitech_number_under_another_designation_is_the_rows_error(firms) -> None:
    rows = [["2024年江门市瞪羚企业名单"], ["序号", "企业名称", "认定编号"], [1, "开平市甲科技有限公司", "GR202444001234"]]
    result = import_file(xlsx_bytes(rows), "瞪羚.xlsx", kind="designations", options=list_options("gazelle"))
    assert result.rejected == 1
    assert "是高新技术企业证书编号，不是这一认定类型的编号" in result.errors[0].message


def test_dates_before_the_designations_existed_are_refused(firms) -> None:
    rows = [["江门市瞪羚企业名单"], ["序号", "企业名称", "认定时间"], [1, "开平市甲科技有限公司", "1999-06-01"]]
    result = import_file(xlsx_bytes(rows), "瞪羚.xlsx", kind="designations")
    assert result.rejected == 1 and "早于2000年" in result.errors[0].message
    rows = [["省级工程技术研究中心名单"], ["序号", "依托单位", "平台名称", "认定时间"],
            [1, "开平市甲科技有限公司", "广东省甲工程技术研究中心", "1975-01-01"]]
    result = import_file(xlsx_bytes(rows), "平台.xlsx", kind="platforms")
    assert result.rejected == 1 and "早于1980年" in result.errors[0].message
    assert db.session.scalar(select(func.count(Platform.id))) == 0


def test_a_pick_counts_only_when_the_names_find_no_firm(firms) -> None:
    data = hitech_list([1, "开平市甲科技有限公司", "GR202444001234"])
    result = import_file(data, "h.xlsx", options=list_options(None, dt.date(2024, 12, 11)),
                         picks={("Sheet1", 3): firms["pj"].id})
    assert result.created == 1
    assert numbers(firms["kp"]) == ["GR202444001234"] and numbers(firms["pj"]) == []


def test_names_with_zero_width_characters_match(firms) -> None:
    data = hitech_list([1, "开平市甲\u200b科技有限公司\ufeff", "GR202444001234"])
    result = import_file(data, "h.xlsx", options=list_options(None, dt.date(2024, 12, 11)))
    assert result.created == 1 and numbers(firms["kp"]) == ["GR202444001234"]
