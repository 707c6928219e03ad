"""One small county sheet, shared by the format tests and the committed .xls fixture."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm.uscc import make_uscc

U1 = make_uscc("91440783MA51AB0C1")  # 开平市
U2 = make_uscc("91440703MA52CD0E2")  # 蓬江区
U3 = make_uscc("91440784MA53EF0G3")  # 鹤山市

TITLE = "开平市2023年度科技型企业统计表"
NOTE = "单位：万元"
HEADER = ["序号", "企业名称", "统一社会信用代码", "成立日期", "营业收入", "研发费用", "职工总数", "科技人员数"]
ROWS: list[list[object]] = [
    [1, "江门甲科技有限公司", U1, dt.date(2015, 3, 1), 1234.5, 100, 80, 20],
    [2, "开平乙电子有限公司", U2, "2019.5.12", "2,000", 50.25, 30, 5],
    [3, "鹤山丙材料有限公司", U3, "2018年7月1日", 300, 0, 12, 3],
]
TOTAL: list[object] = ["合计", "", "", "", 3534.5, 150.25, 122, 28]

# What every format must import to (sheet row numbers: title 1, note 2, header 3, data 4-6).
EXPECTED: dict[int, dict[str, object]] = {
    4: {"name": "江门甲科技有限公司", "uscc": U1, "founded_on": dt.date(2015, 3, 1),
        "revenue": Decimal("1234.5000"), "rd_expense": Decimal("100.0000"), "employees": 80,
        "tech_staff": 20, "year": 2023, "district_code": "440783"},
    5: {"name": "开平乙电子有限公司", "uscc": U2, "founded_on": dt.date(2019, 5, 12),
        "revenue": Decimal("2000.0000"), "rd_expense": Decimal("50.2500"), "employees": 30,
        "tech_staff": 5, "year": 2023, "district_code": "440703"},
    6: {"name": "鹤山丙材料有限公司", "uscc": U3, "founded_on": dt.date(2018, 7, 1),
        "revenue": Decimal("300.0000"), "rd_expense": Decimal("0.0000"), "employees": 12,
        "tech_staff": 3, "year": 2023, "district_code": "440784"},
}


def sheet_rows() -> list[list[object]]:
    """The sheet as rows of cells (title, note, header, data, totals)."""
    return [[TITLE], [NOTE], HEADER, *ROWS, TOTAL]
