"""The import pages with lists: the kind detected and changed, the announcement's date given in
the preview, a firm picked by hand for a row the names did not match, templates per kind."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import Designation, HeaderMapping, ImportBatch
from crm.models.designation import DesignationKind
from crm.uscc import make_uscc
from importers.fields import field_set
from tests.conftest import csrf_token, login
from tests.factories import EnterpriseFactory, UserFactory
from tests.importers.helpers import xlsx_bytes

HITECH = [["广东省2024年第一批高新技术企业备案名单"], ["序号", "企业名称", "证书编号"],
          [1, "开平市甲科技有限公司", "GR202444001234"],
          [2, "开平乙电子", "GR202444001235"]]  # the firm is 开平市乙电子有限公司


@pytest.fixture
def bureau(client):
    UserFactory(username="city2")
    EnterpriseFactory(name="开平市甲科技有限公司", uscc=make_uscc("91440783MA5W00001"))
    EnterpriseFactory(name="开平市乙电子有限公司", uscc=make_uscc("91440783MA5W00002"))
    db.session.commit()
    login(client, "city2")
    return client


def upload(client, data: bytes, name: str, **extra: str):
    token = csrf_token(client, "/imports/")
    return client.post("/imports/", data={"csrf_token": token, "file": (io.BytesIO(data), name), **extra},
                       content_type="multipart/form-data")


def test_a_hitech_list_from_upload_to_batch(bureau) -> None:
    response = upload(bureau, xlsx_bytes(HITECH), "高企备案名单.xlsx")
    assert response.status_code == 303
    preview = response.headers["Location"]
    page = bureau.get(preview).get_data(as_text=True)
    # Detected as a designation list of 高新技术企业 by its numbers; no date yet: every row says so.
    assert re.search(r'<option selected value="designations">|<option value="designations" selected>', page)
    assert "认定类型 高新技术企业（按编号识别）" in page
    assert "缺少发证日期" in page and 'data-count="rejected">2<' in page

    token = csrf_token(bureau, preview)
    form = {"csrf_token": token, "action": "recheck", "kind": "designations", "designation": "",
            "issued_on": "2024-12-11", "col_0_0": "seq", "col_0_1": "name", "col_0_2": "certificate_no"}
    assert bureau.post(preview, data=form).status_code == 303
    page = bureau.get(preview).get_data(as_text=True)
    assert 'data-count="created">1<' in page and 'data-count="rejected">1<' in page
    assert "公告日期 2024-12-11" in page
    # The unmatched row is offered close names; nothing is picked for the person.
    firm = db.session.scalar(select(Designation.enterprise_id))  # none yet
    assert firm is None
    match = re.search(r'<select[^>]*name="pick\|Sheet1\|4"[^>]*>(.*?)</select>', page, re.S)
    assert match and "开平市乙电子有限公司" in match.group(1) and " selected" not in match.group(1)
    chosen = re.search(r'<option value="(\d+)">开平市乙电子有限公司', match.group(1)).group(1)

    response = bureau.post(preview, data={**form, "action": "import", "pick|Sheet1|4": chosen})
    assert response.status_code == 303
    batch = db.session.scalar(select(ImportBatch))
    assert batch.kind == "designations" and batch.counts["created"] == 2 and batch.counts["rejected"] == 0
    assert batch.options == {"issued_on": "2024-12-11", "picks": {"Sheet1|4": int(chosen)}}
    page = bureau.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-kind="designations"' in page and "人工指定企业的行" in page
    assert [d.kind for d in db.session.scalars(select(Designation))] == [DesignationKind.hitech] * 2
    # The mapping is remembered for lists of this kind only, apart from county sheets.
    assert db.session.scalar(select(HeaderMapping.source)) == "designations:file:高企备案名单"


def test_a_list_whose_kind_cannot_be_told_is_refused_at_the_upload(bureau) -> None:
    response = upload(bureau, xlsx_bytes([["序号", "企业名称"], [1, "开平市甲科技有限公司"]]), "名单.xlsx",
                      kind="designations")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "无法确定名单的认定类型" in page
    # Choosing the designation kind on the upload page is enough.
    response = upload(bureau, xlsx_bytes([["序号", "企业名称"], [1, "开平市甲科技有限公司"]]), "名单.xlsx",
                      kind="designations", designation="gazelle", issued_on="2024-05-01")
    assert response.status_code == 303
    page = bureau.get(response.headers["Location"]).get_data(as_text=True)
    assert "认定类型 瞪羚企业（导入时选择）" in page and 'data-count="created">1<' in page


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"kind": "platforms", "designation": "hitech"}, "认定类型只用于资质认定名单"),
        ({"issued_on": "2999-01-01"}, "公告日期不能晚于今天"),
        ({"kind": "nonsense"}, "请选择表格类型"),
    ],
)
def test_upload_options_are_checked_at_their_field(bureau, extra, message) -> None:
    response = upload(bureau, xlsx_bytes(HITECH), "h.xlsx", **extra)
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_changing_the_kind_in_the_preview_reads_the_file_anew(bureau) -> None:
    response = upload(bureau, xlsx_bytes(HITECH), "h.xlsx", issued_on="2024-12-11")
    preview = response.headers["Location"]
    token = csrf_token(bureau, preview)
    bureau.post(preview, data={"csrf_token": token, "action": "recheck", "kind": "figures"})
    page = bureau.get(preview).get_data(as_text=True)
    # As a county figure sheet every row lacks its code and year: the person sees why.
    assert "统一社会信用代码不能为空" in page
    assert re.search(r'<option selected value="figures">|<option value="figures" selected>', page)


@pytest.mark.parametrize("kind", ["designations", "renames", "platforms", "talents", "support"])
def test_a_template_per_list_kind_with_the_published_column_names(bureau, kind) -> None:
    response = bureau.get(f"/imports/template.xlsx?kind={kind}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    fields = field_set(kind)
    assert headers[0] == fields.labels[fields.names[1]]  # the list's first column after 序号
    # Every header reads back as its field: a filled-in template imports as it is.
    from importers.headers import field_for_header

    assert all(field_for_header(h, fields) for h in headers)
    assert bureau.get("/imports/template.xlsx?kind=nonsense").status_code == 404


def test_the_index_offers_every_template_and_names_batch_kinds(bureau) -> None:
    page = bureau.get("/imports/").get_data(as_text=True)
    for kind in ("designations", "renames", "platforms", "talents", "support"):
        assert f"/imports/template.xlsx?kind={kind}" in page


def test_a_kind_that_does_not_fit_the_file_returns_the_preview_to_the_detected_one(bureau) -> None:
    preview = upload(bureau, xlsx_bytes(HITECH), "高企备案名单.xlsx").headers["Location"]
    form = {"csrf_token": csrf_token(bureau, preview), "action": "recheck", "kind": "renames", "designation": "",
            "issued_on": ""}
    assert bureau.post(preview, data=form).status_code == 303
    response = bureau.get(preview)
    # Not sent away to the upload page with the file lost: the preview again, as the file says.
    assert response.status_code == 303 and response.headers["Location"].endswith(preview)
    page = bureau.get(preview).get_data(as_text=True)
    assert "已改回按文件内容自动识别表格类型" in page
    assert re.search(r'<option selected value="designations">|<option value="designations" selected>', page)
