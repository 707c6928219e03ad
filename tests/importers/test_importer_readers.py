"""Readers: row numbers as Excel shows them, encodings, and files that must be refused."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from importers import readers
from importers.readers import FormulaError, SourceRow, WorkbookError, decode_csv, read_workbook, uncached_formula_cell
from tests.importers.helpers import csv_bytes, with_cached_formula_values, with_formula_errors, xlsx_bytes

FIXTURES = Path(__file__).with_name("fixtures")


def numbered(source: bytes | str, filename: str | None = None) -> dict[int, tuple[object, ...]]:
    """Non-empty rows of the first sheet by row number."""
    sheet = next(read_workbook(source, filename))
    return {row.number: row.cells for row in sheet.rows if any(c not in ("", None) for c in row.cells)}


def test_xlsx_rows_keep_excel_row_numbers_and_column_positions() -> None:
    data = xlsx_bytes([["企业名称", "研发费用"], ["甲公司", 12.5], [], ["乙公司", 3]], start_row=4, start_col=3)
    rows = numbered(data, "x.xlsx")
    assert sorted(rows) == [4, 5, 7]
    assert rows[5] == ("", "", "甲公司", 12.5)  # column C is index 2, as in Excel


def test_xlsx_row_numbers_when_data_starts_on_row_one() -> None:
    rows = numbered(xlsx_bytes([["a"], ["b"]]), "x.xlsx")
    assert rows == {1: ("a",), 2: ("b",)}


def test_rows_are_source_rows_with_the_sheet_name() -> None:
    data = xlsx_bytes([["x"]], title="2023年", extra_sheets={"说明": [["填表说明"]]})
    sheets = list(read_workbook(data, "x.xlsx"))
    assert [s.name for s in sheets] == ["2023年", "说明"]
    assert list(sheets[0].rows) == [SourceRow("2023年", 1, ("x",))]


def test_xlsx_merged_ranges_are_reported() -> None:
    data = xlsx_bytes([["标题"], ["a", "b", "c"]], merges=["A1:C1"])
    sheet = next(read_workbook(data, "x.xlsx"))
    assert sheet.merged == [((0, 0), (0, 2))]


def test_formula_cells_give_their_cached_value() -> None:
    data = with_cached_formula_values(xlsx_bytes([[2, "=A1*2"]]), "4")
    assert numbered(data, "x.xlsx") == {1: (2.0, 4.0)}


def test_formula_saved_without_its_result_refuses_the_file() -> None:
    # openpyxl, like other programs that do not calculate, saves "=A1*2" with no result:
    # read as an empty cell it would silently become "not reported".
    with pytest.raises(WorkbookError) as info:
        read_workbook(xlsx_bytes([["企业名称", "营业收入"], ["甲", "=A1*2"]]), "x.xlsx")
    assert "B2" in str(info.value) and "没有保存计算结果" in str(info.value)


@pytest.mark.parametrize(
    ("cells", "uncached"),
    [
        (b'<c r="B2"><f>A2*2</f><v>4</v></c>', None),
        (b'<c r="B2" t="str"><f>IF(A2="","",A2)</f><v></v></c>', None),  # Excel: an empty text result
        (b'<c r="B3"><f t="shared" si="0"/><v>6</v></c>', None),
        (b'<c r="B3"><f t="shared" si="0"/></c>', "B3"),
        (b'<c r="B2"><f>A2*2</f><v /></c>', "B2"),
        (b'<c r="C9"><f>SUM(C2:C8)</f></c>', "C9"),
        (b'<c r="A1" t="s"><v>0</v></c>', None),
    ],
)
def test_uncached_formula_detection(cells: bytes, uncached: str | None) -> None:
    sheet = b'<worksheet><sheetData><row r="1">' + cells + b"</row></sheetData></worksheet>"
    data = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": sheet})
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert uncached_formula_cell(data, [i for i in infos if i.filename.startswith("xl/worksheets/")]) == uncached


def test_formula_error_values_are_read_as_errors_not_as_empty_cells() -> None:
    # python-calamine gives "" for a cached #DIV/0!: it would import as "not reported".
    data = with_formula_errors(
        xlsx_bytes([["企业名称", "营业收入", "职工总数"], ["甲", "=1/0", "=NA()"], ["乙", 5, 6]], title="开平"),
        {"B2": "#DIV/0!", "C2": "#N/A"},
    )
    rows = numbered(data, "x.xlsx")
    assert rows[2] == ("甲", FormulaError("#DIV/0!"), FormulaError("#N/A"))
    assert rows[3] == ("乙", 5, 6)


def test_real_dates_come_back_as_dates() -> None:
    rows = numbered(xlsx_bytes([[dt.date(2019, 5, 12)]]), "x.xlsx")
    assert rows[1][0] in (dt.date(2019, 5, 12), dt.datetime(2019, 5, 12))


def test_legacy_xls_fixture() -> None:
    rows = numbered(str(FIXTURES / "county_2023.xls"))
    assert rows[1][0] == "开平市2023年度科技型企业统计表"
    assert rows[4][1] == "江门甲科技有限公司"
    assert rows[4][3] == dt.date(2015, 3, 1)
    assert rows[7][0] == "合计"


ROWS = [["企业名称", "研发费用（万元）"], ["江门甲公司", "1,234.5"], ["", ""], ["开平乙公司", "12"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(encoding: str) -> None:
    rows = numbered(csv_bytes(ROWS, encoding), "x.csv")
    assert rows == {1: ("企业名称", "研发费用（万元）"), 2: ("江门甲公司", "1,234.5"), 4: ("开平乙公司", "12")}


def test_csv_quoted_line_break_stays_in_one_row() -> None:
    data = '企业名称,备注\n"甲公司","第一行\n第二行"\n乙公司,x\n'.encode()
    rows = numbered(data, "x.csv")
    assert rows[2] == ("甲公司", "第一行\n第二行")
    assert rows[3] == ("乙公司", "x")


def test_csv_tab_separated() -> None:
    rows = numbered("企业名称\t研发费用\n甲公司\t1,234\n".encode("gbk"), "x.csv")
    assert rows[2] == ("甲公司", "1,234")


def test_decode_csv_prefers_utf8() -> None:
    assert decode_csv("研发".encode()) == "研发"
    assert decode_csv("研发".encode("gbk")) == "研发"
    assert decode_csv(b"\xef\xbb\xbfabc") == "abc"


def test_sheet_without_data_among_others_is_still_listed() -> None:
    data = xlsx_bytes([["x"]], extra_sheets={"空表": []})
    sheets = list(read_workbook(data, "x.xlsx"))
    assert [list(s.rows) for s in sheets][1] == []


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


OLE = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
# How a password-protected .xlsx looks to a reader: an OLE container with this stream.
ENCRYPTED = OLE + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"", "x.xlsx", "为空"),
        (b"hello", "x.pdf", "不支持的文件类型"),
        (b"hello", "noext", "不支持的文件类型"),
        (ENCRYPTED, "x.xlsx", "加密"),
        (ENCRYPTED, "x.xls", "加密"),  # encrypted, whatever the extension says
        (OLE, "x.xlsx", "损坏"),  # not encrypted: read as the legacy .xls it claims to be
        (b"just some text, not a workbook", "x.xlsx", "不是有效的Excel"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "x.xls", "网页"),
        (b"PK\x03\x04 truncated", "x.xlsx", "损坏"),
        (_zip({"word/document.xml": b"<w/>"}), "x.xlsx", "Word"),
        (_zip({"a.txt": b"x"}), "x.xlsx", "没有工作簿"),
        (xlsx_bytes([]), "x.xlsx", "没有任何数据"),
        (b"\r\n , ,\r\n", "x.csv", "没有任何数据"),
        (b"\x00\x01\x02binary", "x.csv", "不是有效的CSV"),
        (OLE, "x.xls", "损坏"),  # an OLE header with nothing behind it
    ],
)
def test_unreadable_files_raise_workbook_error(data: bytes, filename: str, fragment: str) -> None:
    with pytest.raises(WorkbookError) as info:
        read_workbook(data, filename)
    assert fragment in str(info.value)


def test_corrupt_sheet_xml_is_a_workbook_error() -> None:
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["a"]])))
    files = {n: good.read(n) for n in good.namelist()}
    files["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row r='1'><c"
    with pytest.raises(WorkbookError):
        for sheet in read_workbook(_zip(files), "x.xlsx"):
            list(sheet.rows)


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" * 1000)
    with pytest.raises(WorkbookError, match="文件过大"):
        read_workbook(path, max_bytes=100)
    with pytest.raises(WorkbookError, match="文件过大"):
        read_workbook(path.read_bytes(), "big.csv", max_bytes=100)


def test_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["a"]])))
    files = {n: good.read(n) for n in good.namelist()}
    files["xl/media/padding.bin"] = b"\x00" * 2_000_000  # compresses ~1000:1
    bomb = _zip(files)
    monkeypatch.setattr(readers, "RATIO_CHECK_FROM_BYTES", 1_000_000)
    with pytest.raises(WorkbookError, match="压缩炸弹"):
        read_workbook(bomb, "x.xlsx")
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    with pytest.raises(WorkbookError, match="解压后过大"):
        read_workbook(bomb, "x.xlsx")


def test_missing_path() -> None:
    with pytest.raises(WorkbookError):
        read_workbook("/nonexistent/x.xlsx")


def test_renamed_xlsx_is_read_for_what_it_is() -> None:
    rows = numbered(xlsx_bytes([["a"]]), "x.xls")
    assert rows == {1: ("a",)}


@pytest.mark.parametrize("filename", ["locked.xlsx", "locked.xls"])
def test_password_protected_workbook(filename: str) -> None:
    # fixtures/encrypted.xlsx: a two-row workbook saved with the password "secret"
    # (made with msoffcrypto-tool, as Excel/WPS encrypt it).
    with pytest.raises(WorkbookError) as info:
        read_workbook((FIXTURES / "encrypted.xlsx").read_bytes(), filename)
    assert "已加密" in str(info.value)


def test_legacy_xls_renamed_to_xlsx_is_read_not_called_encrypted() -> None:
    data = (FIXTURES / "county_2023.xls").read_bytes()
    assert numbered(data, "county.xlsx") == numbered(data, "county_2023.xls")


@pytest.mark.parametrize(
    ("filename", "make"),
    [
        ("x.xlsx", lambda: xlsx_bytes([["企业名称", "研发费用"], ["甲公司", 12.5]], extra_sheets={"二": [["乙"]]})),
        ("x.xls", lambda: (FIXTURES / "county_2023.xls").read_bytes()),
        ("x.csv", lambda: csv_bytes([["企业名称", "研发费用"], ["甲公司", "12.5"]], "gbk")),
    ],
)
def test_an_opened_workbook_reads_the_same_rows_every_time(filename, make) -> None:
    book = readers.open_workbook(make(), filename)

    def everything() -> list[tuple[str, list[SourceRow]]]:
        return [(sheet.name, list(sheet.rows)) for sheet in book.sheets()]

    first = everything()
    assert first and any(rows for _name, rows in first)
    assert everything() == first == [(s.name, list(s.rows)) for s in read_workbook(make(), filename)]
