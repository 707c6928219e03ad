"""Imports refuse a certificate or registration number another firm holds under the same
designation kind (issue 18, decision 6): the row is rejected naming its row, column and the
firm holding the number; the other rows are imported."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.imports.services import import_file, list_options
from crm.models import Designation, Enterprise
from crm.models.designation import DesignationKind
from crm.uscc import make_uscc
from tests.factories import DesignationFactory, EnterpriseFactory
from tests.importers.helpers import xlsx_bytes

KP = make_uscc("91440783MA5L20001")
KP2 = make_uscc("91440783MA5L20002")
PJ = make_uscc("91440703MA5L20003")


@pytest.fixture
def firms(app) -> dict[str, Enterprise]:
    made = {
        "kp": EnterpriseFactory(uscc=KP, name="开平市甲科技有限公司", district="440783"),
        "kp2": EnterpriseFactory(uscc=KP2, name="开平市丙科技有限公司", district="440783"),
        "pj": EnterpriseFactory(uscc=PJ, name="江门乙电子有限公司", district="440703"),
    }
    db.session.commit()
    return made


def numbers(firm: Enterprise, kind: DesignationKind) -> list[str | None]:
    db.session.expire_all()
    return list(db.session.scalars(select(Designation.certificate_no).where(
        Designation.enterprise_id == firm.id, Designation.kind == kind).order_by(Designation.valid_from)))


def test_a_list_row_with_a_number_held_by_another_firm_is_rejected(firms) -> None:
    # Typed by hand before numbers were normalised: still the same number.
    DesignationFactory(enterprise=firms["pj"], kind=DesignationKind.hitech, valid_from=dt.date(2024, 12, 11),
                       valid_to=dt.date(2027, 12, 10), certificate_no="gr 2024 44 001234")
    db.session.commit()
    rows = [["2024年第一批高新技术企业备案名单"], ["序号", "企业名称", "证书编号"],
            [1, "开平市甲科技有限公司", "GR202444001234"], [2, "开平市丙科技有限公司", "GR202444001235"]]
    result = import_file(xlsx_bytes(rows), "h.xlsx", options=list_options(None, dt.date(2024, 12, 11)))
    assert (result.rows, result.created, result.rejected) == (2, 1, 1)
    error = result.errors[0]
    assert (error.row, error.column) == (3, "证书编号")
    assert f"编号GR202444001234在系统中已登记为江门乙电子有限公司（{PJ}）的证书" in error.message
    assert numbers(firms["kp"], DesignationKind.hitech) == []
    assert numbers(firms["kp2"], DesignationKind.hitech) == ["GR202444001235"]


def test_a_yearly_lists_number_is_one_firms_per_kind(firms) -> None:
    DesignationFactory(enterprise=firms["pj"], kind=DesignationKind.golden_seed, valid_from=dt.date(2024, 1, 1),
                       valid_to=dt.date(2024, 12, 31), certificate_no="JMDL2024-001")
    DesignationFactory(enterprise=firms["pj"], kind=DesignationKind.gazelle, valid_from=dt.date(2024, 1, 1),
                       valid_to=dt.date(2024, 12, 31), certificate_no="JMDL2024-002")
    db.session.commit()
    rows = [["江门市2024年瞪羚企业名单"], ["序号", "企业名称", "证书编号"],
            [1, "开平市甲科技有限公司", "JMDL2024-001"], [2, "开平市丙科技有限公司", "JMDL2024-002"]]
    result = import_file(xlsx_bytes(rows), "瞪羚.xlsx")
    # Another kind's number (金种子) is no clash; the same kind's (瞪羚) is.
    assert (result.created, result.rejected) == (1, 1)
    assert numbers(firms["kp"], DesignationKind.gazelle) == ["JMDL2024-001"]
    assert numbers(firms["kp2"], DesignationKind.gazelle) == []
    assert (result.errors[0].row, result.errors[0].column) == (4, "证书编号")
    assert f"已登记为江门乙电子有限公司（{PJ}）" in result.errors[0].message


def test_a_figure_sheet_row_with_another_firms_number_is_rejected(firms) -> None:
    DesignationFactory(enterprise=firms["pj"], kind=DesignationKind.tech_sme, valid_from=dt.date(2023, 1, 1),
                       valid_to=dt.date(2023, 12, 31), certificate_no="2023440703A0000001")
    DesignationFactory(enterprise=firms["kp"], kind=DesignationKind.hitech, valid_from=dt.date(2022, 12, 19),
                       valid_to=dt.date(2025, 12, 18), certificate_no="GR202244001234")
    db.session.commit()
    rows = [["企业名称", "统一社会信用代码", "年度", "高新技术企业证书编号", "发证日期", "科技型中小企业入库编号"],
            # The firm's own certificate again (with its date corrected): not another firm's.
            ["开平市甲科技有限公司", KP, 2023, "GR202244001234", dt.date(2022, 12, 20), "2023440783A0000009"],
            ["开平市丙科技有限公司", KP2, 2023, "", "", "2023440703A0000001"],
            ["开平市丁科技有限公司", make_uscc("91440783MA5L20004"), 2023, "GR202244001234", dt.date(2022, 12, 19), ""]]
    result = import_file(xlsx_bytes(rows), "f.xlsx")
    assert (result.kind, result.rows, result.created, result.rejected) == ("figures", 3, 1, 2)
    by_row = {e.row: e for e in result.errors}
    assert by_row[3].column == "科技型中小企业入库编号"
    assert (f"编号2023440703A0000001在系统中已登记为江门乙电子有限公司（{PJ}）的科技型中小企业入库登记编号，"
            "不能再登记给开平市丙科技有限公司") in by_row[3].message
    assert by_row[4].column == "高新技术企业证书编号"
    assert f"已登记为开平市甲科技有限公司（{KP}）的高企证书" in by_row[4].message
    assert numbers(firms["kp"], DesignationKind.tech_sme) == ["2023440783A0000009"]
    assert numbers(firms["kp2"], DesignationKind.tech_sme) == []
    assert db.session.scalar(select(Enterprise).where(Enterprise.uscc == make_uscc("91440783MA5L20004"))) is None


def test_one_number_for_two_firms_in_one_figure_sheet_is_refused(firms) -> None:
    rows = [["企业名称", "统一社会信用代码", "年度", "营业收入（万元）", "科技型中小企业入库编号"],
            ["开平市甲科技有限公司", KP, 2023, 1000, "2023440783A0000001"],
            ["开平市丙科技有限公司", KP2, 2023, 800, "2023440783a 0000001"],
            # The same firm's number again, the next year's row: its own.
            ["开平市甲科技有限公司", KP, 2024, 1200, "2023440783A0000001"]]
    result = import_file(xlsx_bytes(rows), "f.xlsx")
    assert (result.kind, result.created, result.rejected) == ("figures", 2, 1)
    assert result.errors[0].row == 3
    assert "与第2行（开平市甲科技有限公司）的编号相同" in result.errors[0].message
